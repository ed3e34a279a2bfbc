import CeilingBounds
import Foundation

/// Theorem 1 with omega = identity holds for r_Z whatever the classifier (Remark 5), so the true
/// distribution of r_Z lies at or above the bound: P(r_Z <= t) >= F(t). A measured CDF that falls
/// below F by more than sampling noise means the attack missed adversaries that must exist.
///
/// Noise allowed: the DKW band sqrt(log(2 / alpha) / (2 n)) for the empirical CDF of n samples;
/// the class-measure uncertainty is already inside F (worst case over the Clopper–Pearson box).
public struct LatentBoundCheck: Sendable, Codable {
    /// The largest gap F(t) - F_n(t) and where it occurs.
    public let worstGap: Double
    public let worstRadius: Double
    /// The DKW half-width at the check's confidence.
    public let band: Double
    /// Radii (sample values) at which F(t) - F_n(t) exceeds the band.
    public let violatingRadii: [Double]
    public var violated: Bool { !violatingRadii.isEmpty }

    public init(norms: [Double], bound: RobustnessBound, confidence: Double) {
        let distribution = EmpiricalDistribution(norms)
        let n = Double(distribution.count)
        let band = (log(2 / (1 - confidence)) / (2 * n)).squareRoot()
        self.band = band
        // F_n jumps at each sample; just below the i-th smallest value it equals (i - 1) / n.
        var gaps = distribution.finite.enumerated().map { i, t in (t, bound.probability(latentRadius: t) - Double(i) / n) }
        // Beyond every finite value, censored samples keep F_n below 1 while F approaches its limit.
        if distribution.censored > 0 {
            let far = (distribution.finite.last ?? 1) * 4 + 10
            gaps.append((far, bound.probability(latentRadius: far) - Double(distribution.finite.count) / n))
        }
        let worst = gaps.max { $0.1 < $1.1 } ?? (0, -1)
        worstRadius = worst.0
        worstGap = worst.1
        violatingRadii = gaps.filter { $0.1 > band }.map(\.0)
    }
}
