import Foundation

/// The robustness ceiling for one setting: Theorem 1's lower bound on the distribution function
/// of robustness, P(r <= eta) >= F(eta), with everything it rests on stated.
///
/// - Class measures are either exact (eq. (2)) or estimated from counts, in which case F is a
///   lower bound on the minimum of eq. (2) over simultaneous Clopper–Pearson intervals and the
///   simplex sum p_i = 1, and holds with the stated confidence (see `IsoperimetricSum`,
///   `ClassCounts`).
/// - The modulus omega maps latent radius t to image radius eta = omega(t); F(eta) is eq. (2) at
///   t = omega^{-1}(eta). With the identity the bound is on latent robustness r_Z and needs no
///   assumption on the generator (Remark 5).
/// - A sampled modulus holds with probability 1 - epsilon over z only; on the event where it
///   holds the theorem applies, so P(r <= eta) >= eq. (2) - epsilon, clamped at 0.
///
/// Percentiles are computed in t (where the bound does not depend on omega) and mapped to
/// eta = omega(t): for a monotone omega with generalised inverse, the smallest eta whose bound
/// reaches q is exactly omega(t_q).
public struct RobustnessBound: Sendable {
    /// How the class measures are known.
    public enum ClassInformation: Sendable, Equatable {
        /// Exact measures p_i.
        case exact(ClassMeasures)
        /// Counts n_i out of N, and the confidence 1 - alpha at which the bound must hold.
        case counts(ClassCounts, confidence: Double)
    }

    /// d, the latent dimension.
    public let latentDimension: Int
    /// The class information the bound rests on.
    public let classInformation: ClassInformation
    /// The modulus of continuity.
    public let modulus: Modulus
    /// E||z||_2 for this d.
    public let expectedLatentNorm: Double
    /// E||g(z)|| when known, for normalised image-space robustness.
    public let expectedImageNorm: Double?
    /// The simultaneous confidence intervals for counts (nil for exact measures).
    public let intervals: [ClosedRange<Double>]?
    /// eq. (2) (or its worst case over the intervals) as a function of t, before epsilon.
    public let sum: IsoperimetricSum

    /// - Throws: `BoundError` for d < 1, a confidence outside (0, 1), a non-positive image norm.
    public init(
        latentDimension: Int, classes: ClassInformation, modulus: Modulus = .identity,
        expectedImageNorm: Double? = nil
    ) throws {
        self.latentDimension = latentDimension
        self.expectedLatentNorm = try LatentGaussian.expectedNorm(dimension: latentDimension)
        if let expectedImageNorm, !(expectedImageNorm.isFinite && expectedImageNorm > 0) {
            throw BoundError.invalidExpectedImageNorm(expectedImageNorm)
        }
        self.expectedImageNorm = expectedImageNorm
        self.classInformation = classes
        self.modulus = modulus
        switch classes {
        case .exact(let measures):
            intervals = nil
            sum = IsoperimetricSum(measures)
        case .counts(let counts, let confidence):
            let box = try counts.simultaneousIntervals(confidence: confidence)
            intervals = box
            sum = IsoperimetricSum(worstCaseOver: box)
        }
    }

    /// K.
    public var classCount: Int {
        switch classInformation {
        case .exact(let measures): return measures.count
        case .counts(let counts, _): return counts.count
        }
    }

    /// epsilon, the modulus's failure probability, deducted from every bound.
    public var epsilon: Double { modulus.failureProbability }

    /// The confidence at which the class measures are known (nil: exact).
    public var confidence: Double? {
        if case .counts(_, let confidence) = classInformation { return confidence }
        return nil
    }

    /// The bound at latent radius t: max(0, eq. (2) - epsilon) (worst case over the intervals for
    /// counts). Non-decreasing in t, in [0, 1].
    public func probability(latentRadius t: Double) -> Double {
        max(0, sum(t) - epsilon)
    }

    /// The bound at image radius eta: `probability(latentRadius: omega^{-1}(eta))`.
    public func probability(eta: Double) -> Double {
        probability(latentRadius: modulus.inverse(eta))
    }

    /// The largest value the bound takes: at the modulus's largest radius for a curve, the limit
    /// t -> infinity otherwise (1 - epsilon, up to rounding of the measures).
    public var supremum: Double {
        if modulus.maxRadius.isFinite { return probability(latentRadius: modulus.maxRadius) }
        return max(0, sum.limit - epsilon)
    }

    /// A short name of the statement behind `probability`.
    public var equation: String {
        var label = "eq. (2)"
        if let confidence { label += " worst case over \(Self.percent(confidence)) Clopper–Pearson box" }
        if epsilon > 0 { label += " - epsilon" }
        return label
    }

    /// The q-percentile of the bound: the smallest t (and eta = omega(t)) with bound >= q.
    /// - Throws: `BoundError.invalidPercentile` unless 0 < q < 1.
    public func percentile(_ q: Double) throws -> BoundPercentile {
        guard q > 0, q < 1 else { throw BoundError.invalidPercentile(q) }
        let limit = max(0, sum.limit - epsilon)
        let t = BoundInversion.smallestRadius(reaching: q, maxRadius: modulus.maxRadius, supremum: limit) {
            probability(latentRadius: $0)
        }
        return makePercentile(q, t, equation: equation)
    }

    // MARK: - Corollaries

    /// Whether eq. (3) applies: every p_i <= 1/2 (for counts: every interval's upper end).
    public var balancedApplies: Bool {
        switch classInformation {
        case .exact(let measures): return measures.isBalanced
        case .counts: return intervals?.allSatisfy { $0.upperBound <= 0.5 } ?? false
        }
    }

    /// Whether eq. (4) applies: exact equiprobable measures with K >= 5.
    public var equiprobableApplies: Bool {
        if case .exact(let measures) = classInformation { return measures.count >= 5 && measures.isEquiprobable }
        return false
    }

    /// eq. (3) - epsilon at latent radius t, when it applies.
    public func balancedProbability(latentRadius t: Double) -> Double? {
        guard balancedApplies else { return nil }
        return max(0, IsoperimetricBound.balanced(latentRadius: t) - epsilon)
    }

    /// eq. (4) - epsilon at latent radius t, when it applies.
    public func equiprobableProbability(latentRadius t: Double) -> Double? {
        guard equiprobableApplies, let value = try? IsoperimetricBound.equiprobable(classes: classCount, latentRadius: t) else {
            return nil
        }
        return max(0, value - epsilon)
    }

    /// The q-percentile of eq. (3) - epsilon in closed form, when eq. (3) applies.
    /// - Throws: `BoundError.invalidPercentile` unless 0 < q < 1.
    public func balancedPercentile(_ q: Double) throws -> BoundPercentile? {
        guard q > 0, q < 1 else { throw BoundError.invalidPercentile(q) }
        guard balancedApplies else { return nil }
        let t = IsoperimetricBound.balancedRadius(reaching: q, deduction: epsilon)
        return makePercentile(
            q, t, equation: epsilon > 0 ? "eq. (3) - epsilon" : "eq. (3)", closedFormSupremum: 1 - epsilon,
            closedForm: { balancedProbability(latentRadius: $0) ?? 0 })
    }

    /// The q-percentile of eq. (4) - epsilon in closed form, when eq. (4) applies.
    /// - Throws: `BoundError.invalidPercentile` unless 0 < q < 1.
    public func equiprobablePercentile(_ q: Double) throws -> BoundPercentile? {
        guard q > 0, q < 1 else { throw BoundError.invalidPercentile(q) }
        guard equiprobableApplies else { return nil }
        let t = try IsoperimetricBound.equiprobableRadius(classes: classCount, reaching: q, deduction: epsilon)
        return makePercentile(
            q, t, equation: epsilon > 0 ? "eq. (4) - epsilon" : "eq. (4)", closedFormSupremum: 1 - epsilon,
            closedForm: { equiprobableProbability(latentRadius: $0) ?? 0 })
    }

    // MARK: - Helpers

    /// Builds a percentile from a latent radius, or a not-reached one with the reason.
    /// `closedFormSupremum` is the supremum of a corollary (1 - epsilon) and `closedForm` its value
    /// at a latent radius; nil means eq. (2)'s.
    func makePercentile(
        _ q: Double, _ t: Double?, equation: String, closedFormSupremum: Double? = nil,
        closedForm: ((Double) -> Double)? = nil
    ) -> BoundPercentile {
        if let t, t <= modulus.maxRadius {
            let eta = modulus(t)
            return BoundPercentile(
                level: q, latentRadius: t, eta: eta, normalisedLatent: t / expectedLatentNorm,
                normalisedImage: expectedImageNorm.map { eta / $0 }, equation: equation, note: nil)
        }
        let note: String
        let limit = closedFormSupremum ?? max(0, sum.limit - epsilon)
        if modulus.maxRadius.isFinite, t != nil || limit > q {
            let top = closedForm?(modulus.maxRadius) ?? probability(latentRadius: modulus.maxRadius)
            note = "reached only beyond the modulus's largest radius s = \(Self.short(modulus.maxRadius)), where the bound is \(Self.short(top))"
        } else {
            var why = "the bound never reaches \(Self.short(q)): its supremum is \(Self.short(limit))"
            if epsilon > 0 { why += " (the modulus's failure probability epsilon = \(Self.short(epsilon)) is deducted)" }
            note = why
        }
        return BoundPercentile(
            level: q, latentRadius: nil, eta: nil, normalisedLatent: nil, normalisedImage: nil,
            equation: equation, note: note)
    }

    static func percent(_ x: Double) -> String {
        let value = x * 100
        if value == value.rounded() { return "\(Int(value))%" }
        return "\(short(value))%"
    }

    static func short(_ x: Double) -> String {
        String(format: "%.4g", x)
    }
}
