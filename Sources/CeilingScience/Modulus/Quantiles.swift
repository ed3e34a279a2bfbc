/// Empirical quantiles for reports and plots.
enum Quantiles {
    /// The p-quantile of `values` by linear interpolation between order statistics (the usual
    /// "type 7" definition, NumPy's default): position p (n - 1) in the sorted sample.
    static func quantile(_ values: [Double], _ p: Double) -> Double {
        precondition(!values.isEmpty && p >= 0 && p <= 1)
        let sorted = values.sorted()
        let position = p * Double(sorted.count - 1)
        let low = Int(position.rounded(.down))
        let high = min(low + 1, sorted.count - 1)
        let fraction = position - Double(low)
        return sorted[low] + fraction * (sorted[high] - sorted[low])
    }

    static func median(_ values: [Double]) -> Double { quantile(values, 0.5) }
}
