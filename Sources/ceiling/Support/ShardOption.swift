import ArgumentParser
import CeilingScience

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
