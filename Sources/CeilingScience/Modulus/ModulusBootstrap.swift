import CeilingBounds
import CeilingEngine

/// How much omega_hat would move with another draw of the anchors: the anchors resampled with
/// replacement, omega_hat rebuilt by the same rank and monotone envelope each time, and the
/// 5% and 95% quantiles of the replicates reported per radius and for the Lipschitz summary.
///
/// It is an estimate of the spread, not a confidence statement: the bootstrap of a high order
/// statistic (omega_hat is close to the maximum) is known to understate the spread, and the
/// statement omega_hat makes is already the one-sided binomial one of `EstimatedModulus`.
public struct ModulusBootstrap: Sendable {
    public let replicates: Int
    /// 5% and 95% quantiles of the replicated omega_hat(s_j).
    public let lower: [Double]
    public let upper: [Double]
    /// 5% and 95% quantiles of the replicated sup omega_hat(s) / s.
    public let lipschitzSummaryRange: ClosedRange<Double>

    public init(_ estimate: EstimatedModulus, replicates: Int = 200, seed: UInt64) {
        let samples = estimate.samples.ascent, radii = estimate.radii
        let n = estimate.samples.anchorCount, rank = estimate.rank
        var rng = SeededGenerator(seed: seed)
        var curves = [[Double]](), summaries = [Double]()
        for _ in 0..<replicates {
            let picks = (0..<n).map { _ in Int.random(in: 0..<n, using: &rng) }
            var running = 0.0, curve = [Double](), summary = 0.0
            for (j, values) in samples.enumerated() {
                running = max(running, picks.map { values[$0] }.sorted()[rank - 1])
                curve.append(running)
                summary = max(summary, running / radii[j])
            }
            curves.append(curve)
            summaries.append(summary)
        }
        self.replicates = replicates
        lower = radii.indices.map { j in Quantiles.quantile(curves.map { $0[j] }, 0.05) }
        upper = radii.indices.map { j in Quantiles.quantile(curves.map { $0[j] }, 0.95) }
        lipschitzSummaryRange = Quantiles.quantile(summaries, 0.05)...Quantiles.quantile(summaries, 0.95)
    }
}
