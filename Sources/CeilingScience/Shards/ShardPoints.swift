/// The per-point values of one share of a study's points (DESIGN §10): each stage's index
/// range, and how the shares go back together. Shards' values appended in index order are
/// exactly the values of one whole run, since every point's draws derive from (seed, stage,
/// index) and every chunk is computed whole by one shard.
public protocol ShardPoints: Codable, Sendable {
    /// Every stage's index range, named, in a fixed order: what the shards of a study must tile.
    var ranges: [(stage: String, range: Range<Int>)] { get }
    /// These points followed by `next`, the share that follows this one in every stage.
    func appending(_ next: Self) -> Self
}
