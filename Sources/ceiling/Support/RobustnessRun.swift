import CeilingEngine
import CeilingScience
import Foundation

/// `ceiling robustness` as a study: what fixes its numbers (models with their SHA-256, the
/// measurement's settings with the seed, the chunk size, the certified bounds and the reported
/// percentiles), its per-point stage for a shard or the whole run, and its report and JSON from
/// the points, the same for a whole run and for the merge of its shards.
struct RobustnessRun: JSONFileStudy {
    typealias Points = EstimatePoints.Classifier

    struct Inputs {
        let generator: Model
        let classifier: Model
    }

    static let kind = "robustness"
    /// What the merge writes: the record of `--json`.
    static let mergedFiles = ["robustness.json"]

    let ceilingVersion: String
    let models: [EstimateResults.ModelRecord]
    let settings: RobustnessSettings
    /// `--chunk` (nil: the standard sizes).
    let chunk: Int?
    let certifiedBounds: [CertifiedBoundKind]
    let percentiles: [Double]

    init(_ inputs: Inputs, settings: RobustnessSettings, chunk: Int?, certifiedBounds: [CertifiedBoundKind], percentiles: [Double]) throws {
        ceilingVersion = CeilingVersion.string
        models = try [inputs.generator, inputs.classifier].map(RecordedFiles.record)
        self.settings = settings
        self.chunk = chunk
        self.certifiedBounds = certifiedBounds
        self.percentiles = percentiles
    }

    var agreements: [(what: String, value: any Encodable)] { [("seed", settings.seed)] }

    func reload() throws -> Inputs {
        let g = try ModelPair.generator(models[0].path)
        let inputs = Inputs(generator: g, classifier: try ModelPair.classifier(models[1].path, for: g))
        try RecordedFiles.checkUnchanged(models)
        return inputs
    }

    func stageSizes(_ inputs: Inputs) -> [Int] { [settings.measureSamples, settings.samples] }

    func study(_ inputs: Inputs) -> RobustnessStudy {
        RobustnessStudy(generator: inputs.generator.map, classifier: inputs.classifier.map, settings: settings)
    }

    /// The attacks and certified bounds at shard `shard`'s points.
    func points(_ inputs: Inputs, _ shard: Shard, progress: (String, Double) -> Void) throws -> Points {
        let f = inputs.classifier
        let certifier = certifiedBounds.isEmpty ? nil : Certifier(graph: f.graph, logits: f.logits, kinds: certifiedBounds, seed: settings.seed &+ 11)
        let (points, certification) = try study(inputs).points(shard, chunks: StageChunks(chunk), certifier: certifier, progress: progress)
        return Points(name: RecordedFiles.name(f), robustness: points, certification: certification)
    }

    /// The report from all the points and, with `json`, the record written there.
    func write(_ points: Points, inputs: Inputs, json: String?) throws {
        let measurement = try study(inputs).measurement(points.robustness, adversaries: nil)
        let report = RobustnessReport(measurement: measurement, percentiles: percentiles)
        print(report.text)
        let certified = points.certification.map { c in (certification: c, checked: c.checked(against: measurement)) }
        if let certified {
            print(try CertifiedReport.lines(certified.certification, check: certified.checked.0, adversaryNorms: certified.checked.adversaryNorms,
                                            measurement: measurement, levels: report.percentiles).joined(separator: "\n"))
        }
        guard let json else { return }
        let record = try certified.flatMap { c in
            try c.checked.0.map { check in
                try EstimateResults.CertifiedRecord(c.certification, check: check, adversaryNorms: c.checked.adversaryNorms!,
                                                    normaliser: measurement.expectedImageNorm, levels: report.percentiles, confidence: report.levelConfidence)
            }
        }
        try OutputFiles.write(report.json(models: [inputs.generator, inputs.classifier], certified: record), to: json)
    }
}
