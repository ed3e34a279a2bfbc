import Foundation

/// The dependence of the bound on the number of classes K (the paper's Figure 2 and Remark 2):
/// the q-percentile (the median in the figure) of eq. (2) for K equiprobable classes and
/// omega = identity. More classes mean more boundary, so the percentile falls with K; since
/// a_K = Q^{-1}(1/K) grows only like sqrt(2 log K), the fall is slow.
public enum KDependence {
    /// One point of the curve.
    public struct Point: Sendable, Equatable {
        /// K.
        public let classes: Int
        /// The q-percentile t of eq. (2) (omega = identity).
        public let latentRadius: Double
        /// The q-percentile of eq. (4) (K >= 5), for comparison; nil for K < 5.
        public let equiprobableRadius: Double?
    }

    /// Integers from 2 to `maximum`, evenly spaced in log K on the grid 10^(j / perDecade) (so
    /// that powers of ten are included), rounded, duplicates removed, 2 and `maximum` included.
    public static func logSpacedClassCounts(upTo maximum: Int = 10_000, perDecade: Int = 4) -> [Int] {
        guard maximum >= 2 else { return [] }
        let steps = Double(max(1, perDecade))
        var values: [Int] = [2]
        var j = 1.0
        while true {
            let value = Int(pow(10, j / steps).rounded())
            if value >= maximum { break }
            if value > values[values.count - 1] { values.append(value) }
            j += 1
        }
        if maximum > 2 { values.append(maximum) }
        return values
    }

    /// The q-percentile of eq. (2) for K equiprobable classes, omega = identity.
    /// - Throws: `BoundError.tooFewClasses`, `.invalidPercentile`.
    public static func radius(classes k: Int, level q: Double = 0.5) throws -> Double {
        guard q > 0, q < 1 else { throw BoundError.invalidPercentile(q) }
        let sum = IsoperimetricSum(try ClassMeasures.equiprobable(classes: k))
        guard let t = BoundInversion.smallestRadius(reaching: q, supremum: sum.limit, { sum($0) }) else {
            throw BoundError.numericalFailure("eq. (2) did not reach \(q) for K = \(k)")
        }
        return t
    }

    /// The curve at each K.
    /// - Throws: as `radius(classes:level:)`.
    public static func curve(classCounts: [Int], level q: Double = 0.5) throws -> [Point] {
        try classCounts.map { k in
            Point(
                classes: k, latentRadius: try radius(classes: k, level: q),
                equiprobableRadius: k >= 5 ? try IsoperimetricBound.equiprobableRadius(classes: k, reaching: q) : nil)
        }
    }
}
