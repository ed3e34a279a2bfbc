@preconcurrency import CGSL
import Foundation

/// A distribution-free confidence interval for the q-quantile from the order statistics of n
/// independent samples (DESIGN §7).
///
/// Let xi_q be the q-quantile of X (the smallest x with P(X <= x) >= q), X_(1) <= ... <= X_(n)
/// the sorted sample and B ~ Bin(n, q). The b-th smallest value lies below xi_q only when at
/// least b samples do, and each does with probability P(X < xi_q) <= q, so
///
///     P(X_(b) < xi_q) <= P(B >= b);
///
/// the a-th smallest value lies above xi_q only when fewer than a samples are at or below it,
/// each with probability P(X <= xi_q) >= q, so
///
///     P(X_(a) > xi_q) <= P(B < a).
///
/// With b the smallest rank with P(B >= b) <= alpha / 2 and a the largest with
/// P(B < a) <= alpha / 2, [X_(a), X_(b)] covers xi_q with probability at least 1 - alpha, for
/// every distribution: atoms and values of +infinity (censored attacks) included. When no rank
/// qualifies the end is open: the lower end is then the smallest possible value and the upper
/// end +infinity. The binomial tails are GSL's `gsl_cdf_binomial_P` / `_Q`.
public struct QuantileInterval: Sendable, Equatable, Codable {
    /// The quantile level q in (0, 1).
    public let level: Double
    /// The confidence 1 - alpha of this one interval.
    public let confidence: Double
    /// Sample size n.
    public let samples: Int
    /// Rank a (1-based) of the lower end; nil when even the minimum is not low enough.
    public let lowerRank: Int?
    /// Rank b (1-based) of the upper end; nil when even the maximum is not high enough.
    public let upperRank: Int?

    /// - Throws: `BoundError.noSamples` for n < 1, `.invalidPercentile` for q outside (0, 1),
    ///   `.invalidConfidence` for a confidence outside (0, 1), `.numericalFailure` if GSL fails.
    public init(level q: Double, samples n: Int, confidence: Double) throws {
        guard n >= 1 else { throw BoundError.noSamples }
        guard q > 0, q < 1 else { throw BoundError.invalidPercentile(q) }
        guard confidence > 0, confidence < 1 else { throw BoundError.invalidConfidence(confidence) }
        guard n < Int(UInt32.max) else { throw BoundError.numericalFailure("a quantile interval for \(n) samples") }
        let halfAlpha = (1 - confidence) / 2
        level = q
        self.confidence = confidence
        samples = n
        GSL.prepare()
        // P(B >= b) = Q(b - 1) decreases in b: the smallest b with Q(b - 1) <= alpha / 2.
        upperRank = try Self.search(in: 1...n, firstWhere: { b in try Self.upperTail(n, q, b) <= halfAlpha })
        // P(B < a) = P(a - 1) increases in a: the largest a with P(a - 1) <= alpha / 2.
        if let first = try Self.search(in: 1...n, firstWhere: { a in try Self.lowerTail(n, q, a) > halfAlpha }) {
            lowerRank = first > 1 ? first - 1 : nil
        } else {
            lowerRank = n
        }
    }

    /// P(Bin(n, q) >= b).
    private static func upperTail(_ n: Int, _ q: Double, _ b: Int) throws -> Double {
        try checked(gsl_cdf_binomial_Q(UInt32(b - 1), q, UInt32(n)), n, q)
    }

    /// P(Bin(n, q) < a) = P(Bin(n, q) <= a - 1).
    private static func lowerTail(_ n: Int, _ q: Double, _ a: Int) throws -> Double {
        try checked(gsl_cdf_binomial_P(UInt32(a - 1), q, UInt32(n)), n, q)
    }

    private static func checked(_ value: Double, _ n: Int, _ q: Double) throws -> Double {
        guard value.isFinite else { throw BoundError.numericalFailure("binomial tail of Bin(\(n), \(q))") }
        return min(max(value, 0), 1)
    }

    /// The first value of a range where a monotone predicate (false ... false true ... true)
    /// holds, by bisection; nil when it never does.
    private static func search(in range: ClosedRange<Int>, firstWhere holds: (Int) throws -> Bool) throws -> Int? {
        guard try holds(range.upperBound) else { return nil }
        var low = range.lowerBound - 1, high = range.upperBound
        while high - low > 1 {
            let mid = (low + high) / 2
            if try holds(mid) { high = mid } else { low = mid }
        }
        return high
    }
}
