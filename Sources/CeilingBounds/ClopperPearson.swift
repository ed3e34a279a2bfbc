/// The Clopper–Pearson ("exact") confidence interval for a binomial proportion.
///
/// With n successes out of N trials and alpha = 1 - confidence, the two-sided interval is
/// [B(alpha/2; n, N - n + 1), B(1 - alpha/2; n + 1, N - n)] with B(q; a, b) the q-quantile of the
/// Beta(a, b) distribution; the lower end is 0 when n = 0 and the upper end 1 when n = N. It
/// inverts two one-sided binomial tests, so its coverage is at least the nominal level for every
/// true proportion (conservative, never anti-conservative). The beta quantiles come from
/// `IncompleteBeta.quantile`, each end from the tail that is small there (the lower tail for the
/// lower end, the upper tail for the upper end), so a tiny alpha / 2 keeps full accuracy.
public enum ClopperPearson {
    /// The two-sided interval for `successes` out of `trials` at the given confidence.
    /// - Throws: `BoundError.invalidConfidence`, `.invalidCount`, `.numericalFailure`.
    public static func interval(successes n: Int, trials total: Int, confidence: Double) throws -> ClosedRange<Double> {
        guard confidence > 0, confidence < 1 else { throw BoundError.invalidConfidence(confidence) }
        return try interval(successes: n, trials: total, alpha: 1 - confidence)
    }

    /// The interval at confidence 1 - alpha, alpha given directly (so that a small Bonferroni
    /// share alpha / K is not rounded through 1 - alpha / K).
    static func interval(successes n: Int, trials total: Int, alpha: Double) throws -> ClosedRange<Double> {
        guard alpha > 0, alpha < 1 else { throw BoundError.invalidConfidence(1 - alpha) }
        guard n >= 0 else { throw BoundError.invalidCount(index: 0, value: n) }
        guard total >= n, total > 0 else { throw BoundError.noSamples }
        let halfAlpha = alpha / 2
        let lower = n == 0 ? 0 : IncompleteBeta.quantile(halfAlpha, Double(n), Double(total - n + 1), upperTail: false)
        let upper = n == total ? 1 : IncompleteBeta.quantile(halfAlpha, Double(n + 1), Double(total - n), upperTail: true)
        guard let lower, let upper, lower.isFinite, upper.isFinite, lower <= upper else {
            throw BoundError.numericalFailure("Clopper–Pearson interval for \(n) out of \(total) at confidence \(1 - alpha)")
        }
        return max(0, lower)...min(1, upper)
    }
}
