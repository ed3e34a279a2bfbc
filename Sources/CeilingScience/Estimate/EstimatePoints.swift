import CeilingEngine

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

/// The per-point values of an estimate (or of a share of its points): the modulus's local
/// suprema per anchor, and per classifier and per pair of classifiers what was measured at each
/// point. `CeilingEstimate.run` computes every statistic from these; shards' values joined in
/// index order give exactly the values of one whole run.
public struct EstimatePoints: Codable, Sendable {
    public struct Classifier: Codable, Sendable {
        public let name: String
        public var robustness: RobustnessPoints
        /// The certified lower bounds at the attacked points (nil when none is asked for, or the
        /// range has no attacked point).
        public var certification: Certification?
    }

    public struct Pair: Codable, Sendable {
        public let first: String
        public let second: String
        public var points: TransferPoints
    }

    public var modulusAnchors: Range<Int>
    public var modulus: SupremumSamples
    public var classifiers: [Classifier]
    public var transfer: [Pair]

    /// Every stage's index range, named, in a fixed order: what the shards of a study must tile.
    public var ranges: [(stage: String, range: Range<Int>)] {
        [("modulus anchors", modulusAnchors)]
            + classifiers.flatMap { c in
                [("\(c.name): class-measure samples", c.robustness.measureRange), ("\(c.name): attacked points", c.robustness.attackedRange)]
            }
            + transfer.flatMap { p in
                [("\(p.first) / \(p.second): disagreement samples", p.points.measureRange),
                 ("\(p.first) / \(p.second): transfer points", p.points.attackedRange)]
            }
    }

    /// These points followed by `next`, the share that follows this one in every stage.
    public func appending(_ next: EstimatePoints) -> EstimatePoints {
        precondition(classifiers.count == next.classifiers.count && transfer.count == next.transfer.count)
        return EstimatePoints(
            modulusAnchors: modulusAnchors.lowerBound..<next.modulusAnchors.upperBound, modulus: modulus.appending(next.modulus),
            classifiers: zip(classifiers, next.classifiers).map { a, b in
                Classifier(name: a.name, robustness: a.robustness.appending(b.robustness),
                           certification: a.certification.map { c in b.certification.map(c.appending) ?? c } ?? b.certification)
            },
            transfer: zip(transfer, next.transfer).map { a, b in Pair(first: a.first, second: a.second, points: a.points.appending(b.points)) })
    }
}
