/// The right-hand side of Theorem 1, eq. (2), as a function of the latent radius t:
///
///     B(t) = sum_i [Phi(a_i + t) - Phi(a_i)],   a_i = Phi^{-1}(1 - p_i),
///
/// either for exact class measures or as a lower bound on its minimum over a box of class
/// measures (simultaneous confidence intervals).
///
/// **Where it comes from.** Class i's region A_i in latent space has Gaussian measure p_i. By the
/// Gaussian isoperimetric inequality (Borell; Sudakov–Tsirel'son) the t-neighbourhood of the
/// union of the *other* classes, of measure 1 - p_i, has measure at least Phi(a_i + t); so the
/// points of class i within latent distance t of another class have measure at least
/// Phi(a_i + t) - Phi(a_i) = Q(a_i) - Q(a_i + t). Summing over i bounds P(r_Z <= t); a modulus
/// of continuity omega turns latent distance t into image distance omega(t).
///
/// **Numerics.** Each term is computed by `Gaussian.intervalProbability(from:width:)`, never as
/// a difference of two distribution functions, so it keeps relative accuracy near 1e-15 for
/// p_i down to the smallest normal doubles and for any t. All terms are non-negative, so the sum
/// adds no cancellation. Identical classes are grouped (K = 10^4 equiprobable classes cost one
/// term).
///
/// **Worst case over a box.** When each p_i is only known to lie in an interval [l_i, u_i], the
/// bound that holds for every admissible p is the minimum of sum_i d_i(p_i) over the box, where
/// d(p) = p - Q(Q^{-1}(p) + t) is one term as a function of its measure. Its derivative is
/// 1 - exp(-a t - t^2 / 2) (a = Q^{-1}(p)), positive for p < Phi(t/2) and negative above, and
/// decreasing in p: d is concave (increasing, then decreasing), so over an interval its minimum
/// sits at one of the two ends.
/// - *Ignoring sum p_i = 1* (`usingSumConstraint: false`): minimise each term separately,
///   sum_i min(d_i(l_i), d_i(u_i)). The box is larger than its part on the simplex, so this can
///   only lower (make more conservative) the bound; but it tends to sum_i l_i < 1 as t grows.
/// - *Using sum p_i = 1* (the default): for every lambda,
///   sum_i d_i(p_i) = lambda + sum_i (d_i(p_i) - lambda p_i) >= lambda + sum_i min over the ends
///   of (d_i - lambda p), since d_i - lambda p is still concave. The best such lambda (Lagrangian
///   duality; equivalently, replacing each d_i by its chord over [l_i, u_i], which turns the
///   problem into a linear program) gives a bound that is rigorous, never below the first
///   (lambda = 0 is one choice) and tends to 1 as t grows. The function of lambda is concave and
///   piecewise linear with kinks at the chord slopes, so its maximum is found exactly by sorting
///   them.
public struct IsoperimetricSum: Sendable, Equatable {
    /// Classes sharing the same interval of measures (a single point for exact measures).
    struct Group: Sendable, Equatable {
        var lower: Double
        var upper: Double
        var lowerThreshold: Double
        var upperThreshold: Double
        var multiplicity: Int
    }

    let groups: [Group]
    /// Whether sum p_i = 1 is used for boxes.
    let usesSumConstraint: Bool

    /// eq. (2) for exact class measures.
    public init(_ measures: ClassMeasures) {
        self.init(intervals: measures.values.map { ($0, $0) }, usingSumConstraint: false)
    }

    /// A lower bound on the minimum of eq. (2) over a box of class measures, one interval per
    /// class (clamped to [0, 1]); see the type's documentation for the two variants.
    public init(worstCaseOver intervals: [ClosedRange<Double>], usingSumConstraint: Bool = true) {
        self.init(intervals: intervals.map { ($0.lowerBound, $0.upperBound) }, usingSumConstraint: usingSumConstraint)
    }

    private init(intervals: [(Double, Double)], usingSumConstraint: Bool) {
        var groups: [Group] = []
        var index: [[Double]: Int] = [:]
        for (rawLower, rawUpper) in intervals {
            let lower = min(max(rawLower, 0), 1)
            let upper = min(max(rawUpper, lower), 1)
            if let existing = index[[lower, upper]] {
                groups[existing].multiplicity += 1
            } else {
                index[[lower, upper]] = groups.count
                groups.append(Group(
                    lower: lower, upper: upper, lowerThreshold: Gaussian.upperQuantile(lower),
                    upperThreshold: Gaussian.upperQuantile(upper), multiplicity: 1))
            }
        }
        self.groups = groups
        self.usesSumConstraint = usingSumConstraint
    }

    /// The bound at latent radius t, clamped to [0, 1]; 0 for t <= 0. Non-decreasing in t.
    public func callAsFunction(_ t: Double) -> Double {
        guard t > 0 else { return 0 }
        var ends: [(lower: Double, upper: Double)] = []
        ends.reserveCapacity(groups.count)
        var separate = 0.0
        var hasInterval = false
        for group in groups {
            let atLower = Gaussian.intervalProbability(from: group.lowerThreshold, width: t)
            let atUpper = group.upper == group.lower ? atLower : Gaussian.intervalProbability(from: group.upperThreshold, width: t)
            if group.upper > group.lower { hasInterval = true }
            ends.append((atLower, atUpper))
            separate += Double(group.multiplicity) * min(atLower, atUpper)
        }
        guard usesSumConstraint, hasInterval else { return min(max(separate, 0), 1) }
        return min(max(separate, dual(ends)), 1)
    }

    /// max over lambda of lambda + sum_i m_i min(d_i(l_i) - lambda l_i, d_i(u_i) - lambda u_i).
    private func dual(_ ends: [(lower: Double, upper: Double)]) -> Double {
        // Slope of the dual function below every kink: 1 - sum of the lower ends.
        var slope = 1.0
        var kinks: [(lambda: Double, drop: Double)] = []
        for (group, end) in zip(groups, ends) {
            let m = Double(group.multiplicity)
            slope -= m * group.lower
            if group.upper > group.lower {
                kinks.append(((end.upper - end.lower) / (group.upper - group.lower), m * (group.upper - group.lower)))
            }
        }
        // A box that misses the simplex (sum of lower ends above 1, or of upper ends below 1)
        // cannot contain the true measures: it carries no information.
        if slope < 0 { return 0 }
        kinks.sort { $0.lambda < $1.lambda }
        // The maximum is at the first kink after which the slope is no longer positive.
        var best = kinks.first?.lambda ?? 0
        for kink in kinks {
            best = kink.lambda
            slope -= kink.drop
            if slope <= 0 { break }
        }
        if slope > 0 { return 0 }
        var value = best
        for (group, end) in zip(groups, ends) {
            value += Double(group.multiplicity) * min(end.lower - best * group.lower, end.upper - best * group.upper)
        }
        return value
    }

    /// lim B(t) as t -> infinity. Each term tends to its own measure, so: sum p_i for exact
    /// measures (1 up to rounding); for a box, 1 with the sum constraint (when the box meets the
    /// simplex) and sum_i l_i without.
    public var limit: Double {
        let lowerSum = groups.reduce(0) { $0 + Double($1.multiplicity) * $1.lower }
        let upperSum = groups.reduce(0) { $0 + Double($1.multiplicity) * $1.upper }
        let hasInterval = groups.contains { $0.upper > $0.lower }
        if usesSumConstraint, hasInterval { return lowerSum <= 1 && upperSum >= 1 ? 1 : lowerSum }
        return min(1, lowerSum)
    }
}
