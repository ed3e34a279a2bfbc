import ArgumentParser
import CeilingEngine
import CeilingScience
import Foundation

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the shards of an estimate, robustness, modulus or transfer run (`--shard i/n`) into the results of one whole run.",
        discussion: """
            Checks that the shards belong together (one command, the same version, seed, settings, \
            models and input files, every shard 1/n ... n/n exactly once, ranges that tile every \
            stage), loads the models the shards recorded (refusing files that changed since), and \
            computes every statistic from the joined per-point values by the same code as an \
            unsharded run, printing its report. An estimate's merge writes results.json, the CSV \
            tables and the plots; robustness writes robustness.json, modulus writes modulus.json \
            (and modulus-certified.json when the certified bound can be computed), transfer writes \
            transfer.json: what the whole command writes with --json (timings aside). Run it from \
            the folder the shards ran in, since model paths are recorded as given.
            """)

    /// The commands whose shards merge.
    static var studies: [any ShardedStudy.Type] { [EstimateResults.self, RobustnessRun.self, ModulusRun.self, TransferRun.self] }

    @Argument(help: "The --out folders of the shards (each holds a shard.json).") var shards: [String]
    @Option(help: "Output directory for the merged results.") var out: String
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
        let kinds = try shards.map(ShardFile.kind)
        for (directory, kind) in zip(shards, kinds) where kind != kinds[0] {
            throw CommandError("shard \(directory) is a \(kind) shard but \(shards[0]) is a \(kinds[0]) shard: merge the shards of one command at a time")
        }
        guard let study = Self.studies.first(where: { $0.kind == kinds[0] }) else {
            throw CommandError("\(ShardFile.path(in: shards[0])) is a shard of \(kinds[0]), which this version of ceiling cannot merge")
        }
        try ShardMerge.merge(shards, as: study, into: out, force: force)
        print(String(format: "merged %d shards in %.1f s", shards.count, Date().timeIntervalSince(start)))
    }
}
