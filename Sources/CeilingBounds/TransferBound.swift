import Foundation

/// Theorem 3 (transferability): if two classifiers f and h disagree on generated data with
/// probability at most delta, P(f(g(z)) != h(g(z))) <= delta, and p_i(f) + delta <= 1/2 for every
/// class, then a single perturbation v with ||v|| <= eta fools both at g(z) with probability
///
///     P(exists v, ||v|| <= eta, fooling f and h) >= 1 - sqrt(pi / 2) exp(-t^2 / 2) - 2 delta,
///
/// t = omega^{-1}(eta). The price of transfer over eq. (3) is 2 delta. With a sampled modulus
/// that fails with probability epsilon, epsilon is deducted as well.
public enum TransferBound {
    /// Checks delta in [0, 1/2] and p_i + delta <= 1/2 for every class.
    /// - Parameter largestMeasures: the class measures, or for measures known only to lie in
    ///   intervals, the intervals' upper ends (the condition must hold for every p in the box).
    /// - Throws: `BoundError.invalidDelta`, `.transferPreconditionViolated`.
    public static func validate(delta: Double, largestMeasures: [Double]) throws {
        guard delta.isFinite, delta >= 0, delta <= 0.5 else { throw BoundError.invalidDelta(delta) }
        for (index, p) in largestMeasures.enumerated() where p + delta > 0.5 {
            throw BoundError.transferPreconditionViolated(index: index, measure: p, delta: delta)
        }
    }

    /// Checks delta in [0, 1/2] and p_i + delta <= 1/2 for every class.
    /// - Throws: `BoundError.invalidDelta`, `.transferPreconditionViolated`.
    public static func validate(delta: Double, measures: ClassMeasures) throws {
        try validate(delta: delta, largestMeasures: measures.values)
    }

    /// The bound at latent radius t: max(0, -expm1(log sqrt(pi / 2) - t^2 / 2) - 2 delta - epsilon)
    /// (the expm1 form keeps the eq. (3) part accurate where it is small).
    /// - Throws: as `validate(delta:measures:)`.
    public static func probability(latentRadius t: Double, delta: Double, measures: ClassMeasures, epsilon: Double = 0) throws -> Double {
        try validate(delta: delta, measures: measures)
        return max(0, IsoperimetricBound.balanced(latentRadius: t) - 2 * delta - epsilon)
    }

    /// The smallest t with the bound >= q, in closed form (see
    /// `IsoperimetricBound.balancedRadius`); nil when 1 - q - 2 delta - epsilon <= 0.
    /// - Throws: `BoundError.invalidPercentile`, and as `validate(delta:measures:)`.
    public static func radius(reaching q: Double, delta: Double, measures: ClassMeasures, epsilon: Double = 0) throws -> Double? {
        try radius(reaching: q, delta: delta, largestMeasures: measures.values, epsilon: epsilon)
    }

    /// As `radius(reaching:delta:measures:epsilon:)`, for measures known through their largest
    /// possible values (see `validate(delta:largestMeasures:)`).
    public static func radius(reaching q: Double, delta: Double, largestMeasures: [Double], epsilon: Double = 0) throws -> Double? {
        guard q > 0, q < 1 else { throw BoundError.invalidPercentile(q) }
        try validate(delta: delta, largestMeasures: largestMeasures)
        return IsoperimetricBound.balancedRadius(reaching: q, deduction: 2 * delta + epsilon)
    }
}
