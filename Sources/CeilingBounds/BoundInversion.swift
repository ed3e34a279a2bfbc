/// Inversion of a bound: the q-percentile of a lower bound F on a distribution function is the
/// smallest radius t with F(t) >= q. If P(r <= t) >= F(t) for all t, then the true q-quantile of
/// r is at most that radius: this is the "upper bound on the q-percentile of robustness" the
/// paper reports.
public enum BoundInversion {
    /// The smallest t in [0, maxRadius] with f(t) >= q, for a continuous non-decreasing f, or nil
    /// when there is none (the bound never reaches q, or reaches it only beyond `maxRadius`).
    ///
    /// The search brackets the answer by doubling from t = 1 (or takes [0, maxRadius] when it is
    /// finite), then bisects until no double lies strictly between the ends, and returns the
    /// upper end: a t with f(t) >= q that is the smallest such double to within one ulp of
    /// the bisection interval.
    ///
    /// - Parameters:
    ///   - q: the level.
    ///   - maxRadius: the largest admissible t (+infinity: none).
    ///   - supremum: lim f(t) as t -> infinity when known; if it is <= q the answer is nil at once
    ///     (a limit equal to q is never attained by a strictly increasing bound).
    ///   - f: the bound as a function of t.
    public static func smallestRadius(
        reaching q: Double, maxRadius: Double = .infinity, supremum: Double? = nil, _ f: (Double) -> Double
    ) -> Double? {
        if f(0) >= q { return 0 }
        var low = 0.0
        var high: Double
        if maxRadius.isFinite {
            guard f(maxRadius) >= q else { return nil }
            high = maxRadius
        } else {
            if let supremum, supremum <= q { return nil }
            high = 1
            while f(high) < q {
                low = high
                high *= 2
                if high > 1e12 { return nil }
            }
        }
        while true {
            let mid = low + 0.5 * (high - low)
            if mid <= low || mid >= high { break }
            if f(mid) >= q { high = mid } else { low = mid }
        }
        return high
    }
}
