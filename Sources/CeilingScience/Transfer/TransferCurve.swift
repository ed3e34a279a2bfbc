import CeilingBounds

/// Theorem 3 beside the measurement, at a grid of image-space radii eta.
///
/// - `bound`: 1 - sqrt(pi/2) exp(-omega^{-1}(eta)^2 / 2) - 2 delta - epsilon (`TransferBound`),
///   with delta the upper confidence end of the disagreement and the condition
///   p_i + delta <= 1/2 checked at the upper confidence ends of the class measures; nil at every
///   eta when the condition fails (then `conditionFailure` says why).
/// - `empirical`: the fraction of attacked points where one perturbation of norm <= eta was found
///   to change both labels (censored points never count). Attacks give upper estimates of the
///   joint minimal norm, so this fraction is a lower estimate of the probability the theorem
///   bounds from below; a bound above it means the attacks missed joint adversaries, a sampling
///   fluctuation, or an optimistic omega.
/// - `empiricalLower`, `empiricalUpper`: Clopper–Pearson intervals of `empirical` at each eta
///   separately (pointwise, at `confidence`): a statement about the probability that the
///   attacks find a joint adversary within eta, whose true value is at least that large.
/// - `fromF`, `fromH`: the same fraction for f's (h's) own adversary direction alone.
public struct TransferCurve: Codable, Sendable {
    public let eta: [Double]
    public let bound: [Double?]
    public let empirical: [Double]
    /// Absent in results written before intervals were recorded.
    public let empiricalLower: [Double]?
    public let empiricalUpper: [Double]?
    public let confidence: Double?
    public let fromF: [Double]
    public let fromH: [Double]
    /// The classifier whose class measures the condition used ("f" or "h"; the theorem is
    /// symmetric in f and h), nil when it holds for neither.
    public let conditionOn: String?
    public let conditionFailure: String?

    /// The grid points a summary shows.
    public enum Landmark: String, Sendable {
        case medianAdversary = "median joint adversary"
        case largestAdversary = "largest joint adversary"
        case boundPositive = "bound first positive"
        case end = "end of the grid"
    }

    /// The first grid point at or beyond the median and the largest of the joint adversaries
    /// `joint` (where the measured fraction climbs and where it stops), the first where the bound
    /// is positive and the last, each once, in grid order: with a real generator's sampled
    /// modulus the bound turns positive far beyond the adversaries, and evenly chosen rows missed
    /// both places.
    public func landmarks(joint: [Double]) -> [(index: Int, landmark: Landmark)] {
        let found = joint.filter(\.isFinite).sorted()
        var rows = [(index: Int, landmark: Landmark)]()
        func add(_ index: Int?, _ landmark: Landmark) {
            guard let index, eta.indices.contains(index), !rows.contains(where: { $0.index == index }) else { return }
            rows.append((index, landmark))
        }
        if let median = found.dropFirst(found.count / 2).first, let largest = found.last {
            add(eta.firstIndex { $0 >= median }, .medianAdversary)
            add(eta.firstIndex { $0 >= largest }, .largestAdversary)
        }
        add(bound.firstIndex { ($0 ?? 0) > 0 }, .boundPositive)
        add(eta.count - 1, .end)
        return rows.sorted { $0.index < $1.index }
    }

    /// - Parameters:
    ///   - delta: the disagreement probability the bound may use (an upper confidence end).
    ///   - measuresF, measuresH: the estimated class measures of f and h.
    ///   - largestF, largestH: upper confidence ends of the class measures of f and h.
    public static func make(eta: [Double], delta: Double, measuresF: ClassMeasures, largestF: [Double],
                            measuresH: ClassMeasures, largestH: [Double], modulus: Modulus,
                            joint: [Double], fromF: [Double], fromH: [Double], confidence: Double) throws -> TransferCurve {
        var conditionOn: String? = nil, failure: String? = nil
        do {
            try TransferBound.validate(delta: delta, largestMeasures: largestF)
            conditionOn = "f"
        } catch {
            failure = "f: \(error)"
            do {
                try TransferBound.validate(delta: delta, largestMeasures: largestH)
                conditionOn = "h"
                failure = nil
            } catch {
                failure! += "; h: \(error)"
            }
        }
        // The condition was checked above on the upper ends; the estimates lie below them.
        let measures = conditionOn == "h" ? measuresH : measuresF
        let bound: [Double?] = eta.map { e in
            guard conditionOn != nil else { return nil }
            return try? TransferBound.probability(latentRadius: modulus.inverse(e), delta: delta, measures: measures,
                                                  epsilon: modulus.failureProbability)
        }
        func fraction(_ norms: [Double]) -> [Double] {
            let distribution = EmpiricalDistribution(norms)
            return eta.map { distribution.cdf($0) }
        }
        let jointDistribution = EmpiricalDistribution(joint)
        let intervals = try eta.map { e in
            try ClopperPearson.interval(successes: jointDistribution.count(atMost: e), trials: max(joint.count, 1), confidence: confidence)
        }
        return TransferCurve(eta: eta, bound: bound, empirical: fraction(joint), empiricalLower: intervals.map(\.lowerBound),
                             empiricalUpper: intervals.map(\.upperBound), confidence: confidence, fromF: fraction(fromF),
                             fromH: fraction(fromH), conditionOn: conditionOn, conditionFailure: failure)
    }
}
