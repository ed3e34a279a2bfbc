/// Class counts n_i out of N = sum n_i samples z ~ N(0, I_d): how the class measures are known
/// in practice.
///
/// From counts, the bound is stated with a confidence level instead of exact p_i (see
/// `ClopperPearson` and `MeasureTerms.worstCase`).
public struct ClassCounts: Sendable, Equatable {
    /// n_1 ... n_K.
    public let counts: [Int]

    /// Validates and stores counts: K >= 2, every n_i >= 0, N > 0.
    /// - Throws: `BoundError.tooFewClasses`, `.invalidCount`, `.noSamples`.
    public init(_ counts: [Int]) throws {
        guard counts.count >= 2 else { throw BoundError.tooFewClasses(counts.count) }
        for (index, n) in counts.enumerated() where n < 0 {
            throw BoundError.invalidCount(index: index, value: n)
        }
        guard counts.contains(where: { $0 > 0 }) else { throw BoundError.noSamples }
        self.counts = counts
    }

    /// Validates counts against an expected number of classes K first.
    /// - Throws: `BoundError.classCountMismatch` when `counts.count != classes`, then as `init(_:)`.
    public init(_ counts: [Int], classes: Int) throws {
        guard classes >= 2 else { throw BoundError.tooFewClasses(classes) }
        guard counts.count == classes else {
            throw BoundError.classCountMismatch(expected: classes, got: counts.count)
        }
        try self.init(counts)
    }

    /// K, the number of classes.
    public var count: Int { counts.count }

    /// N, the number of samples.
    public var total: Int { counts.reduce(0, +) }

    /// The point estimates n_i / N (they sum to 1 up to rounding).
    public var empiricalMeasures: [Double] {
        let n = Double(total)
        return counts.map { Double($0) / n }
    }

    /// Simultaneous confidence intervals for p_1 ... p_K: Clopper–Pearson intervals at level
    /// 1 - alpha / K each, so that by Bonferroni's inequality all K contain their p_i at once with
    /// probability at least 1 - alpha, alpha = 1 - confidence.
    /// - Throws: `BoundError.invalidConfidence`, `.numericalFailure`.
    public func simultaneousIntervals(confidence: Double) throws -> [ClosedRange<Double>] {
        guard confidence > 0, confidence < 1 else { throw BoundError.invalidConfidence(confidence) }
        let share = (1 - confidence) / Double(count)
        let n = total
        return try counts.map { try ClopperPearson.interval(successes: $0, trials: n, alpha: share) }
    }
}
