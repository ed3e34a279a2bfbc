/// How many points each stage that shards split computes together: modulus anchors,
/// class-measure (and disagreement) samples, attacked (and transfer) points. A point's values
/// depend on the other points of its chunk (batched sums round differently with the batch), so
/// the sizes are part of what fixes the numbers; shards split only between chunks (`Shard`).
public struct StageChunks: Codable, Sendable, Equatable {
    public var anchors: Int
    public var measure: Int
    public var points: Int

    /// Each stage's own size: a modulus chunk's anchors share their passes, class-measure samples
    /// need forward passes only, attacked points are few and dear.
    public static let standard = StageChunks(anchors: BallAscent.anchorsPerChunk, measure: 256, points: 8)

    public init(anchors: Int, measure: Int, points: Int) {
        precondition(anchors >= 1 && measure >= 1 && points >= 1, "chunks of at least one point")
        self.anchors = anchors
        self.measure = measure
        self.points = points
    }

    /// One size for every stage (a command's `--chunk`), or the standard sizes when nil.
    public init(_ chunk: Int?) {
        self = chunk.map { StageChunks(anchors: $0, measure: $0, points: $0) } ?? .standard
    }
}
