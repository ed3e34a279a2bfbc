/// A share of every stage's points: shard `index` of `count` (1-based). A stage of N points
/// computes them in chunks of c (points computed together, so floating-point sums may depend on
/// a chunk's other points but never on anything outside it); of its C = ceil(N / c) chunks the
/// shard takes floor(C (index - 1) / count) ..< floor(C index / count). The shards 1...count tile
/// 0..<N without gap or overlap, and every chunk is computed whole by one of them, as in a
/// whole run (DESIGN §10).
public struct Shard: Codable, Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// The whole of every stage.
    public static let whole = Shard(index: 1, count: 1)

    public init(index: Int, count: Int) {
        precondition(count >= 1 && (1...count).contains(index), "shard \(index)/\(count)")
        self.index = index
        self.count = count
    }

    public func range(_ total: Int, chunk: Int) -> Range<Int> {
        precondition(chunk >= 1)
        let chunks = total == 0 ? 0 : (total - 1) / chunk + 1
        return min(total, chunks * (index - 1) / count * chunk)..<min(total, chunks * index / count * chunk)
    }

    public var description: String { "\(index)/\(count)" }
}
