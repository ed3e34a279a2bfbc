import CeilingBounds

/// The empirical distribution of a robustness sample in which censored values (no adversary
/// found) count as +infinity: they are never dropped, they just never fall below any radius.
public struct EmpiricalDistribution: Sendable, Codable {
    /// Finite values, sorted.
    public let finite: [Double]
    /// Number of censored samples.
    public let censored: Int

    public init(_ values: [Double]) {
        finite = values.filter(\.isFinite).sorted()
        censored = values.count - finite.count
    }

    public var count: Int { finite.count + censored }

    /// P(r <= t) for the sample.
    public func cdf(_ t: Double) -> Double {
        Double(count(atMost: t)) / Double(count)
    }

    /// How many samples are at most t.
    public func count(atMost t: Double) -> Int {
        var low = 0, high = finite.count
        while low < high {
            let mid = (low + high) / 2
            if finite[mid] <= t { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The r-th smallest value (1-based), +infinity among the censored.
    public func orderStatistic(_ rank: Int) -> Double {
        rank <= finite.count ? finite[rank - 1] : .infinity
    }

    /// The order-statistic confidence interval of the q-quantile (`QuantileInterval`): an open
    /// lower end is 0 (no robustness is negative), an open upper end +infinity.
    public func interval(_ q: Double, confidence: Double) throws -> (lower: Double, upper: Double, ranks: QuantileInterval) {
        let ranks = try QuantileInterval(level: q, samples: count, confidence: confidence)
        return (ranks.lowerRank.map(orderStatistic) ?? 0, ranks.upperRank.map(orderStatistic) ?? .infinity, ranks)
    }

    /// The q-quantile (the smallest value with at least a fraction q at or below it); +infinity
    /// when it falls among the censored samples.
    public func quantile(_ q: Double) -> Double {
        let rank = max(1, Int((q * Double(count)).rounded(.up)))
        return rank <= finite.count ? finite[rank - 1] : .infinity
    }
}
