import CeilingEngine
import CeilingScience
import Foundation

/// `ceiling modulus` as a study: what fixes its numbers (the generator with its SHA-256, the
/// sampling settings with the seed and the radii, the chunk size and the certificate's
/// margin), its per-anchor stage for a shard or the whole run, and its report and JSON files
/// from the anchors' suprema, the same for a whole run and for the merge of its shards.
struct ModulusRun: ShardedStudy {
    typealias Points = ModulusPoints

    struct Inputs {
        let model: Model
        let estimator: ModulusEstimator
    }

    static let kind = "modulus"
    /// What the merge writes: the files of `--json` and `--certified-json` (the second when the
    /// certified bound can be computed).
    static let mergedFiles = ["modulus.json", "modulus-certified.json"]

    let ceilingVersion: String
    let models: [EstimateResults.ModelRecord]
    let settings: ModulusSettings
    /// `--chunk`: anchors computed together (nil: the standard chunk).
    let chunk: Int?
    let margin: Double

    init(_ inputs: Inputs, settings: ModulusSettings, chunk: Int?, margin: Double) throws {
        ceilingVersion = CeilingVersion.string
        models = [try RecordedFiles.record(inputs.model)]
        self.settings = settings
        self.chunk = chunk
        self.margin = margin
    }

    static func inputs(_ path: String) throws -> Inputs {
        let model = try ModelFiles.load(path, as: .generator)
        return Inputs(model: model, estimator: try ModulusEstimator(model))
    }

    var agreements: [(what: String, value: any Encodable)] { [("seed", settings.seed)] }

    func reload() throws -> Inputs {
        let inputs = try Self.inputs(models[0].path)
        try RecordedFiles.checkUnchanged(models)
        return inputs
    }

    func stageSizes(_ inputs: Inputs) -> [Int] { [settings.anchors] }

    /// The local suprema at shard `shard`'s anchors.
    func points(_ inputs: Inputs, _ shard: Shard, progress: (Double) -> Void) throws -> Points {
        try inputs.estimator.points(settings, shard: shard, chunk: StageChunks(chunk).anchors, progress: progress)
    }

    /// The estimate from all the anchors and the certified bound: the report, and the files
    /// `json` and `certifiedJSON` when given (a missing certificate is an error only when
    /// `requireCertified`).
    func write(_ points: Points, inputs: Inputs, sampledSeconds: Double, json: String?, certifiedJSON: String?, requireCertified: Bool) throws {
        let estimate = try EstimatedModulus(samples: points.samples, epsilon: settings.epsilon, confidence: settings.confidence,
                                            simultaneous: settings.simultaneous)
        let clock = ContinuousClock()
        let certifyStarted = clock.now
        var certificate: LipschitzCertificate?
        var certificateProblem: String?
        do {
            certificate = try inputs.estimator.certify(margin: margin, seed: settings.seed)
        } catch {
            certificateProblem = error.description
        }
        print(ModulusReport(model: inputs.model, estimator: inputs.estimator, settings: settings, estimate: estimate,
                            certificate: certificate, certificateProblem: certificateProblem,
                            sampledSeconds: sampledSeconds, certifySeconds: (clock.now - certifyStarted).seconds).text)
        if let json {
            let file = ModulusFile(estimate: estimate, settings: settings, estimator: inputs.estimator, certificate: certificate, generator: models[0].path)
            try OutputFiles.write(file.jsonData(), to: json)
            print("wrote \(json)")
        }
        if let certifiedJSON {
            guard let certificate else {
                guard !requireCertified else { throw CommandError("no certified curve to write: \(certificateProblem ?? "unknown reason")") }
                return
            }
            try OutputFiles.write(inputs.estimator.certifiedCurve(certificate, radii: settings.radii).jsonData(), to: certifiedJSON)
            print("wrote \(certifiedJSON)")
        }
    }

    /// Sampling took the shards' time together.
    func writeMerged(_ points: Points, inputs: Inputs, seconds: [(shard: Shard, seconds: Double)], into directory: URL) throws {
        let files = Self.mergedFiles.map { directory.appendingPathComponent($0).relativePath }
        try write(points, inputs: inputs, sampledSeconds: seconds.map(\.seconds).reduce(0, +), json: files[0], certifiedJSON: files[1],
                  requireCertified: false)
    }
}
