import ArgumentParser
import CeilingScience
import Foundation

/// `--shard i/n`: which share of every stage's points a run computes (DESIGN §10).
enum ShardOption {
    static let help = ArgumentHelp("Compute only shard i of n of every stage's points (e.g. 2/3) and write shard.json to --out; `ceiling merge` joins the shards into the results of one whole run.",
                                   valueName: "i/n")

    static func parse(_ text: String) throws -> Shard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw ValidationError("--shard '\(text)' is not of the form i/n (e.g. 2/3, the second of three shards)")
        }
        guard count >= 1 else { throw ValidationError("--shard \(text): the number of shards must be at least 1") }
        guard (1...count).contains(index) else { throw ValidationError("--shard \(text): the shard number must be between 1 and \(count)") }
        return Shard(index: index, count: count)
    }
}

/// `--shard i/n --out DIR [--force]` of a command whose whole run writes the files its options
/// name (`robustness`, `modulus`, `transfer`): a shard writes only its record, to the folder
/// `--out`, and `ceiling merge` writes those files.
struct ShardOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Compute only shard i of n of the points (e.g. 2/3) and write shard.json to --out; `ceiling merge` joins the shards into the report and the JSON of one whole run.",
                               valueName: "i/n"))
    var shard: String?
    @Option(help: "With --shard: the folder the shard writes its shard.json to.") var out: String?
    @Flag(help: "Replace an existing --out folder.") var force = false

    func validate() throws {
        guard let shard else {
            if out != nil { throw ValidationError("--out is the folder of a shard's record: give it with --shard") }
            return
        }
        _ = try ShardOption.parse(shard)
        guard let out else { throw ValidationError("--shard needs --out, the folder its shard.json goes to") }
        _ = try OutputFiles.checkResultFolder(out, force: force)
    }

    /// Refuses, with --shard, the options naming files that only the merge writes.
    func refuse(_ files: [(option: String, path: String?)]) throws {
        guard shard != nil else { return }
        for (option, path) in files where path != nil {
            throw ValidationError("\(option) is written by `ceiling merge` from all the shards, not by one shard: leave it out with --shard")
        }
    }

    /// The shard to compute and its folder, created (nil for a whole run).
    func prepared() throws -> (shard: Shard, directory: URL)? {
        guard let shard, let out else { return nil }
        return (try ShardOption.parse(shard), try OutputFiles.prepareResultFolder(out, force: force))
    }
}
