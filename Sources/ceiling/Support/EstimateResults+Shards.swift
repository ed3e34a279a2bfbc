import CeilingScience
import Foundation

/// `ceiling estimate --shard`: the header of the results, before any stage ran, is the study's
/// record; the merge writes results.json, the CSV tables and the plots of one whole run.
extension EstimateResults: ShardedStudy {
    typealias Points = EstimatePoints

    static let kind = "estimate"
    static let mergedFiles = ["results.json"]

    var agreements: [(what: String, value: any Encodable)] { [("real data", realData), ("seed", seed)] }

    /// The models and real data the shards recorded, refused when a file differs from the one
    /// the shards used.
    func reload() throws -> CeilingEstimate {
        guard let generator = models.first(where: { $0.role == "generator" }) else { throw CommandError("the shards record no generator") }
        let inputs = try EstimateInputs.load(generator: generator.path, classifiers: models.filter { $0.role == "classifier" }.map(\.path),
                                             realData: realData?.path, realLabels: realData?.labelsPath)
        try RecordedFiles.checkUnchanged(models)
        if let realData { try RecordedFiles.checkUnchanged(realData.path, sha256: realData.sha256) }
        return inputs.estimate(settings)
    }

    func stageSizes(_ estimate: CeilingEstimate) -> [Int] { estimate.stageSizes }

    func writeMerged(_ points: EstimatePoints, inputs estimate: CeilingEstimate, seconds: [(shard: Shard, seconds: Double)], into directory: URL) throws {
        var header = self
        for s in seconds { header.stageSeconds["shard \(s.shard)"] = s.seconds }
        try EstimateOutput.run(estimate, header: header, points: points, into: directory)
    }
}
