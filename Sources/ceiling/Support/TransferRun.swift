import ArgumentParser
import CeilingBounds
import CeilingEngine
import CeilingScience
import Foundation

/// `ceiling transfer` as a study: what fixes its numbers (the generator and both classifiers
/// with their SHA-256, the settings with the seed, the chunk size, and omega: a Lipschitz
/// constant or a modulus file with its SHA-256), its per-point stage for a shard or the whole
/// run, and its report and JSON from the points, the same for a whole run and for the merge of
/// its shards.
struct TransferRun: JSONFileStudy {
    typealias Points = TransferPoints

    struct Inputs {
        let generator: Model
        let f: Model
        let h: Model
        let omega: Modulus
    }

    static let kind = "transfer"
    /// What the merge writes: the record of `--json`.
    static let mergedFiles = ["transfer.json"]

    let ceilingVersion: String
    let models: [EstimateResults.ModelRecord]
    let settings: TransferSettings
    /// `--chunk` (nil: the standard sizes).
    let chunk: Int?
    let lipschitz: Double?
    let modulus: FileRecord?

    init(_ inputs: Inputs, settings: TransferSettings, chunk: Int?, lipschitz: Double?, modulus: String?) throws {
        ceilingVersion = CeilingVersion.string
        models = try [inputs.generator, inputs.f, inputs.h].map(RecordedFiles.record)
        self.settings = settings
        self.chunk = chunk
        self.lipschitz = lipschitz
        self.modulus = try modulus.map(FileRecord.init)
    }

    /// The models, checked against each other, and omega.
    static func inputs(generator: String, classifiers: [String], lipschitz: Double?, modulus: String?) throws -> Inputs {
        let g = try ModelPair.generator(generator)
        let f = try ModelPair.classifier(classifiers[0], for: g), h = try ModelPair.classifier(classifiers[1], for: g)
        guard f.classCount == h.classCount else {
            throw ValidationError("\(classifiers[0]) has \(f.classCount) classes but \(classifiers[1]) has \(h.classCount); transfer compares labels")
        }
        let omega: Modulus
        do {
            if let lipschitz { omega = try .lipschitz(lipschitz) }
            else if let modulus { omega = .curve(try SampledModulus(contentsOf: URL(fileURLWithPath: modulus))) }
            else { omega = .identity }
        } catch let error as BoundError { throw ValidationError(error.description) }
        return Inputs(generator: g, f: f, h: h, omega: omega)
    }

    var agreements: [(what: String, value: any Encodable)] { [("seed", settings.seed), ("modulus file", modulus)] }

    func reload() throws -> Inputs {
        let inputs = try Self.inputs(generator: models[0].path, classifiers: [models[1].path, models[2].path], lipschitz: lipschitz,
                                     modulus: modulus?.path)
        try RecordedFiles.checkUnchanged(models)
        try modulus?.checkUnchanged()
        return inputs
    }

    func stageSizes(_ inputs: Inputs) -> [Int] { [settings.measureSamples, settings.samples] }

    func study(_ inputs: Inputs) -> TransferStudy {
        TransferStudy(generator: inputs.generator.map, pair: ClassifierPair(inputs.f.map, inputs.h.map), modulus: inputs.omega, settings: settings)
    }

    /// The attacks at shard `shard`'s points.
    func points(_ inputs: Inputs, _ shard: Shard, progress: (String, Double) -> Void) -> Points {
        study(inputs).points(shard, chunks: StageChunks(chunk), progress: progress)
    }

    /// The report from all the points and, with `json`, the record written there.
    func write(_ points: Points, inputs: Inputs, json: String?) throws {
        let measured = try study(inputs).measurement(points)
        print(TransferReport(measured, omega: inputs.omega).text)
        if let json { try OutputFiles.write(TransferReport.json(measured, models: models.map(\.path)), to: json) }
    }
}
