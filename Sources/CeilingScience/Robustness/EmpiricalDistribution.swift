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
        var low = 0, high = finite.count
        while low < high {
            let mid = (low + high) / 2
            if finite[mid] <= t { low = mid + 1 } else { high = mid }
        }
        return Double(low) / Double(count)
    }

    /// The q-quantile (the smallest value with at least a fraction q at or below it); +infinity
    /// when it falls among the censored samples.
    public func quantile(_ q: Double) -> Double {
        let rank = max(1, Int((q * Double(count)).rounded(.up)))
        return rank <= finite.count ? finite[rank - 1] : .infinity
    }
}
