@preconcurrency import CGSL
import Foundation

/// A distribution-free upper confidence bound on a quantile: which order statistic of n
/// independent samples lies above the (1 - epsilon)-quantile with confidence 1 - alpha.
///
/// Let M_1, ..., M_n be independent draws of a real random variable M with
/// q = q_{1-epsilon} = inf{ x : P(M <= x) >= 1 - epsilon }, and M_(1) <= ... <= M_(n) the sorted
/// sample. The r-th smallest value falls below q exactly when at least r samples do, and each
/// sample does with probability P(M < q) <= 1 - epsilon (for every distribution: atoms only make
/// it smaller). So
///
///     P(M_(r) < q) = P(#{k : M_k < q} >= r) <= P(Bin(n, 1 - epsilon) >= r),
///
/// and whenever P(Bin(n, 1 - epsilon) >= r) <= alpha, the value U = M_(r) satisfies
/// P(M <= U) >= 1 - epsilon with confidence at least 1 - alpha. The smallest such r gives the
/// tightest bound. Even r = n (the sample maximum) needs (1 - epsilon)^n <= alpha, i.e.
/// n >= log(alpha) / log(1 - epsilon): 299 samples for epsilon = 0.01 and alpha = 0.05.
///
/// The binomial tail is GSL's `gsl_cdf_binomial_Q(r - 1, 1 - epsilon, n)` = P(X > r - 1).
public enum OrderStatistic {
    /// The smallest rank r in 1...n (1 = the sample minimum, n = the maximum) such that the r-th
    /// smallest of n samples bounds the (1 - epsilon)-quantile from above with confidence
    /// 1 - alpha; nil when even the maximum does not suffice (see `requiredSampleSize`).
    /// - Throws: `BoundError.invalidModulus` for n < 1 or epsilon outside (0, 1),
    ///   `.invalidConfidence` for alpha outside (0, 1), `.numericalFailure` if GSL fails.
    public static func upperRank(samples n: Int, epsilon: Double, alpha: Double) throws -> Int? {
        try validate(samples: n, epsilon: epsilon, alpha: alpha)
        guard try tail(samples: n, rank: n, epsilon: epsilon) <= alpha else { return nil }
        // P(Bin >= r) decreases in r: find the smallest r with tail <= alpha. Invariant: the tail
        // exceeds alpha at `low` (or low = 0) and is <= alpha at `high`.
        var low = 0, high = n
        while high - low > 1 {
            let mid = (low + high) / 2
            if try tail(samples: n, rank: mid, epsilon: epsilon) <= alpha { high = mid } else { low = mid }
        }
        return high
    }

    /// P(Bin(n, 1 - epsilon) >= r): the probability that the r-th smallest of n samples lies
    /// below the (1 - epsilon)-quantile of a continuous distribution (an upper bound for any).
    public static func tail(samples n: Int, rank r: Int, epsilon: Double) throws -> Double {
        guard r >= 1 else { return 1 }
        guard r <= n else { return 0 }
        if r == n { return exp(Double(n) * log1p(-epsilon)) }
        GSL.prepare()
        let value = gsl_cdf_binomial_Q(UInt32(r - 1), 1 - epsilon, UInt32(n))
        guard value.isFinite else {
            throw BoundError.numericalFailure("binomial tail P(Bin(\(n), \(1 - epsilon)) >= \(r))")
        }
        return min(max(value, 0), 1)
    }

    /// The fewest samples for which the maximum bounds the (1 - epsilon)-quantile with
    /// confidence 1 - alpha: the smallest n with (1 - epsilon)^n <= alpha.
    public static func requiredSampleSize(epsilon: Double, alpha: Double) throws -> Int {
        try validate(samples: 1, epsilon: epsilon, alpha: alpha)
        let needed = (log(alpha) / log1p(-epsilon)).rounded(.up)
        guard needed.isFinite, needed < 1e15 else {
            throw BoundError.invalidModulus("epsilon = \(epsilon) at confidence \(1 - alpha) would need about \(needed) samples; choose a larger epsilon")
        }
        var n = max(1, Int(needed))
        // Guard against rounding at the boundary in both directions.
        while n > 1 && Double(n - 1) * log1p(-epsilon) <= log(alpha) { n -= 1 }
        while Double(n) * log1p(-epsilon) > log(alpha) { n += 1 }
        return n
    }

    /// The smallest epsilon that n samples can support at confidence 1 - alpha (using their
    /// maximum): 1 - alpha^(1/n). Slightly enlarged (by one part in 10^12) so that the result
    /// passes `upperRank` despite rounding.
    public static func achievableEpsilon(samples n: Int, alpha: Double) throws -> Double {
        try validate(samples: n, epsilon: 0.5, alpha: alpha)
        let epsilon = -expm1(log(alpha) / Double(n))
        return min(epsilon * (1 + 1e-12), Double(1).nextDown)
    }

    private static func validate(samples n: Int, epsilon: Double, alpha: Double) throws {
        guard n >= 1 else { throw BoundError.invalidModulus("an order statistic needs at least one sample (got \(n))") }
        guard epsilon > 0, epsilon < 1 else { throw BoundError.invalidModulus("epsilon = \(epsilon) is not in the open interval (0, 1)") }
        guard alpha > 0, alpha < 1 else { throw BoundError.invalidConfidence(1 - alpha) }
    }
}
