import ArgumentParser
import CeilingScience

/// `--shard i/n`: which share of every stage's points a run computes (DESIGN §10).
enum ShardOption {
    static let help = ArgumentHelp("Compute only shard i of n of every stage's points (e.g. 2/3) and write shard.json to --out; `ceiling merge` joins the shards into the results of one whole run.",
                                   valueName: "i/n")

    /// The help of a command whose whole run writes the files its options name.
    static func help(merged files: [String]) -> ArgumentHelp {
        ArgumentHelp("Compute only shard i of n of the points (e.g. 2/3) and write shard.json to --out; `ceiling merge` joins the shards into \(files.joined(separator: " and ")) (what --json writes) and the report of one whole run.",
                     valueName: "i/n")
    }

    static func parse(_ text: String) throws -> Shard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw ValidationError("--shard '\(text)' is not of the form i/n (e.g. 2/3, the second of three shards)")
        }
        guard count >= 1 else { throw ValidationError("--shard \(text): the number of shards must be at least 1") }
        guard (1...count).contains(index) else { throw ValidationError("--shard \(text): the shard number must be between 1 and \(count)") }
        return Shard(index: index, count: count)
    }

    /// `--shard` of a command whose whole run writes the files its options name (`files`): a
    /// shard writes only its record, to the folder `--out`, and the merge writes those files.
    static func validate(_ shard: String?, out: String?, force: Bool, files: [(option: String, path: String?)]) throws {
        guard let shard else {
            if out != nil { throw ValidationError("--out is the folder of a shard's record: give it with --shard") }
            return
        }
        _ = try parse(shard)
        guard let out else { throw ValidationError("--shard needs --out, the folder its shard.json goes to") }
        for (option, path) in files where path != nil {
            throw ValidationError("\(option) is written by `ceiling merge` from all the shards, not by one shard: leave it out with --shard")
        }
        _ = try OutputFiles.checkResultFolder(out, force: force)
    }
}
