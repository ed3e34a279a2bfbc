import ArgumentParser
import CeilingEngine
import CeilingScience
import Foundation

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the shards of an estimate (`ceiling --shard i/n`) into the results of one whole run.",
        discussion: """
            Checks that the shards belong together (same version, seed, settings, models and real \
            data, every shard 1/n ... n/n exactly once, ranges that tile every stage), loads the \
            models the shards recorded (refusing files that changed since), and computes every \
            statistic from the joined per-point values by the same code as an unsharded run: \
            results.json, the CSV tables and the plots are those of one whole run (timings aside). \
            Run it from the folder the shards ran in, since model paths are recorded as given.
            """)

    @Argument(help: "The --out folders of the shards (each holds a shard.json).") var shards: [String]
    @Option(help: "Output directory for results.json, CSV and plots.") var out: String
    @Option(parsing: .unconditional, help: "Worker threads (results do not depend on it).") var threads: Int?
    @Flag(help: "Replace an existing output directory.") var force = false

    func validate() throws {
        guard !shards.isEmpty else { throw ValidationError("give the folders of the shards to merge") }
        if let threads { try Limits.checkThreads(threads) }
        _ = try OutputFiles.checkResultFolder(out, force: force)
    }

    func run() throws {
        if let threads { EngineThreads.count = threads }
        let start = Date()
        let ordered = try ShardMerge.ordered(try shards.map { ($0, try ShardRecord.read($0)) })
        var header = ordered[0].record.header
        let inputs = try reload(header)
        let estimate = inputs.estimate(header.settings)
        let points = try ShardMerge.join(ordered, stageSizes: estimate.stageSizes)
        for s in ordered { header.stageSeconds["shard \(s.record.shard)"] = s.record.seconds }
        let outURL = try EstimateOutput.prepare(out, force: force)
        try EstimateOutput.run(estimate, header: header, points: points, into: outURL)
        print(String(format: "merged %d shards in %.1f s", ordered.count, Date().timeIntervalSince(start)))
    }

    /// The models and real data the shards recorded, refused when a file differs from the one
    /// the shards used.
    func reload(_ header: EstimateResults) throws -> EstimateInputs {
        guard let generator = header.models.first(where: { $0.role == "generator" }) else { throw CommandError("the shards record no generator") }
        let inputs = try EstimateInputs.load(generator: generator.path, classifiers: header.models.filter { $0.role == "classifier" }.map(\.path),
                                             realData: header.realData?.path, realLabels: header.realData?.labelsPath)
        for (now, then) in zip(try inputs.modelRecords(), header.models) where now.sha256 != then.sha256 {
            throw CommandError("\(then.path) has changed since the shards were computed (SHA-256 \(now.sha256.prefix(12))… now, \(then.sha256.prefix(12))… then)")
        }
        if let now = try inputs.dataRecord(), let then = header.realData, now.sha256 != then.sha256 {
            throw CommandError("\(then.path) has changed since the shards were computed")
        }
        return inputs
    }
}
