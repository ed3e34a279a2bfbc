import Foundation

/// Everything a report of one bound shows, computed once: the percentiles of Theorem 1 (and,
/// for class counts, the same bound at the point estimates n_i / N for comparison), the
/// closed-form corollaries eq. (3) and (4) where they apply, Theorem 3 for a given
/// disagreement, Theorem 4, and the bound on a grid of eta.
public struct BoundSummary: Sendable {
    /// One row of the bound against eta: P(r <= eta) >= bound, with t = omega^{-1}(eta).
    public struct GridRow: Sendable {
        public let eta: Double, t: Double, bound: Double
        /// eq. (3) and eq. (4) at the same t, where they apply.
        public let balanced: Double?, equiprobable: Double?
    }

    public let bound: RobustnessBound
    public let levels: [Double]
    public let percentiles: [BoundPercentile]
    /// For class counts: the percentiles with p = n / N plugged in (no confidence statement).
    public let pointEstimatePercentiles: [BoundPercentile]?
    /// eq. (3) and eq. (4) at each level; empty where the corollary does not apply.
    public let balanced: [BoundPercentile]
    public let equiprobable: [BoundPercentile]
    public let transferDelta: Double?
    /// Theorem 3 at each level for `transferDelta`.
    public let transfer: [BoundPercentile]?
    public let theoremFour: RobustnessBound.ExpectedRobustness
    public let grid: [GridRow]

    /// - Parameters:
    ///   - gridPoints: rows of the grid, from eta = 0 to `etaMax` (default: a round number at or
    ///     above the eta where the bound reaches 0.95).
    public init(bound: RobustnessBound, levels: [Double], transferDelta: Double?, wassersteinSlack: Double,
                gridPoints: Int, etaMax: Double?) throws {
        self.bound = bound
        self.levels = levels
        self.transferDelta = transferDelta
        percentiles = try levels.map { try bound.percentile($0) }
        if case .counts(let counts, _) = bound.classInformation {
            let point = try RobustnessBound(
                latentDimension: bound.latentDimension, classes: .exact(try ClassMeasures(counts.empiricalMeasures)),
                modulus: bound.modulus, expectedImageNorm: bound.expectedImageNorm)
            pointEstimatePercentiles = try levels.map { try point.percentile($0) }
        } else {
            pointEstimatePercentiles = nil
        }
        balanced = try levels.compactMap { try bound.balancedPercentile($0) }
        equiprobable = try levels.compactMap { try bound.equiprobablePercentile($0) }
        transfer = try transferDelta.map { delta in try levels.map { try bound.transferPercentile($0, delta: delta) } }
        theoremFour = try bound.expectedRobustness(wassersteinSlack: wassersteinSlack)
        grid = try Self.grid(bound, points: gridPoints, etaMax: etaMax)
    }

    /// A lower bound on the joint confidence of everything in the summary (union bound over the
    /// class intervals and the modulus's sampling statement); nil when everything is exact.
    public var overallConfidence: Double? {
        var miss = 0.0
        var any = false
        if let confidence = bound.confidence {
            miss += 1 - confidence
            any = true
        }
        if case .curve(let curve) = bound.modulus.kind, let confidence = curve.confidence, curve.kind == .sampled {
            miss += 1 - confidence
            any = true
        }
        return any ? max(0, 1 - miss) : nil
    }

    private static func grid(_ bound: RobustnessBound, points: Int, etaMax: Double?) throws -> [GridRow] {
        let omega = bound.modulus
        let top: Double
        if let etaMax {
            top = etaMax
        } else {
            let target = try bound.percentile(0.95).latentRadius
            let t = target ?? (omega.maxRadius.isFinite ? omega.maxRadius : 5)
            top = niceCeiling(omega(t))
        }
        return (0..<points).map { j in
            let eta = top * Double(j) / Double(points - 1)
            let t = omega.inverse(eta)
            return GridRow(
                eta: eta, t: t, bound: bound.probability(latentRadius: t),
                balanced: bound.balancedProbability(latentRadius: t),
                equiprobable: bound.equiprobableProbability(latentRadius: t))
        }
    }

    /// Rounds up to one of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten.
    static func niceCeiling(_ x: Double) -> Double {
        guard x.isFinite, x > 0 else { return 1 }
        let scale = pow(10, floor(log10(x)))
        for step in [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10] where step * scale >= x * (1 - 1e-12) {
            return step * scale
        }
        return 10 * scale
    }
}
