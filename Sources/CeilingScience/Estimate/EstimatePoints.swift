/// The per-point values of an estimate (or of a share of its points): the modulus's local
/// suprema per anchor, and per classifier and per pair of classifiers what was measured at each
/// point. `CeilingEstimate.run` computes every statistic from these; shards' values joined in
/// index order give exactly the values of one whole run.
public struct EstimatePoints: ShardPoints {
    /// One classifier's points: what `ceiling robustness` computes, and a shard of it records.
    public struct Classifier: ShardPoints {
        public let name: String
        public var robustness: RobustnessPoints
        /// The certified lower bounds at the attacked points (nil when none is asked for, or the
        /// range has no attacked point).
        public var certification: Certification?

        public init(name: String, robustness: RobustnessPoints, certification: Certification?) {
            self.name = name
            self.robustness = robustness
            self.certification = certification
        }

        public var ranges: [(stage: String, range: Range<Int>)] { robustness.ranges }

        public func appending(_ next: Classifier) -> Classifier {
            Classifier(name: name, robustness: robustness.appending(next.robustness),
                       certification: certification.map { c in next.certification.map(c.appending) ?? c } ?? next.certification)
        }
    }

    public struct Pair: Codable, Sendable {
        public let first: String
        public let second: String
        public var points: TransferPoints
    }

    public var modulus: ModulusPoints
    public var classifiers: [Classifier]
    public var transfer: [Pair]

    public var ranges: [(stage: String, range: Range<Int>)] {
        modulus.ranges
            + classifiers.flatMap { c in c.ranges.map { ("\(c.name): \($0.stage)", $0.range) } }
            + transfer.flatMap { p in p.points.ranges.map { ("\(p.first) / \(p.second): \($0.stage)", $0.range) } }
    }

    public func appending(_ next: EstimatePoints) -> EstimatePoints {
        precondition(classifiers.count == next.classifiers.count && transfer.count == next.transfer.count)
        return EstimatePoints(
            modulus: modulus.appending(next.modulus),
            classifiers: zip(classifiers, next.classifiers).map { $0.appending($1) },
            transfer: zip(transfer, next.transfer).map { a, b in Pair(first: a.first, second: a.second, points: a.points.appending(b.points)) })
    }
}
