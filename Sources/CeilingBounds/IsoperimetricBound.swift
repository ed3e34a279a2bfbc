import Foundation

/// Theorem 1 of Fawzi, Fawzi & Fawzi (2018) and its two closed-form corollaries, as functions of
/// the latent radius t = omega^{-1}(eta). Each is a lower bound on P(r_in(x) <= omega(t)) for
/// every classifier; with omega the identity (Remark 5) they bound P(r_Z <= t) with no assumption
/// on the generator at all.
///
/// eq. (3) and eq. (4) are weaker than eq. (2) in their regimes (they are derived from it); they
/// are here to reproduce the paper's statements and as cross-checks.
public enum IsoperimetricBound {
    /// log sqrt(pi / 2), the constant of eq. (3), (4) and Theorem 3.
    static let logSqrtHalfPi = 0.5 * log(Double.pi / 2)

    /// eq. (2): sum_i [Phi(a_i + t) - Phi(a_i)] for arbitrary class measures; see
    /// `IsoperimetricSum` for the derivation and the numerics.
    public static func general(_ measures: ClassMeasures, latentRadius t: Double) -> Double {
        IsoperimetricSum(measures)(t)
    }

    /// eq. (3), valid when every p_i <= 1/2: 1 - sqrt(pi / 2) exp(-t^2 / 2), clamped at 0.
    ///
    /// Computed as -expm1(log sqrt(pi / 2) - t^2 / 2), which keeps relative accuracy even where
    /// the value is small (t near sqrt(log(pi / 2)) ~ 0.672, below which the bound is vacuous).
    /// At t = 2 it is 0.8304: "robustness below 2L with probability exceeding 0.8" (Remark 1).
    public static func balanced(latentRadius t: Double) -> Double {
        guard t > 0 else { return 0 }
        return max(0, -expm1(logSqrtHalfPi - 0.5 * t * t))
    }

    /// The rate s_K = sqrt(log(K^2 / (4 pi log K))) of eq. (4); real for K >= 5.
    /// - Throws: `BoundError.needsFiveEquiprobableClasses` for K < 5.
    public static func equiprobableRate(classes k: Int) throws -> Double {
        guard k >= 5 else { throw BoundError.needsFiveEquiprobableClasses(k) }
        let logK = log(Double(k))
        return (2 * logK - log(4 * Double.pi * logK)).squareRoot()
    }

    /// eq. (4), valid for K >= 5 equiprobable classes:
    /// 1 - sqrt(pi / 2) exp(-t^2 / 2) exp(-t s_K), clamped at 0.
    ///
    /// The paper prints eta in the last exponent; the derivation (and the case omega = identity,
    /// where both agree) gives t = omega^{-1}(eta), which is what is used here.
    /// - Throws: `BoundError.needsFiveEquiprobableClasses` for K < 5.
    public static func equiprobable(classes k: Int, latentRadius t: Double) throws -> Double {
        let rate = try equiprobableRate(classes: k)
        guard t > 0 else { return 0 }
        return max(0, -expm1(logSqrtHalfPi - 0.5 * t * t - t * rate))
    }

    /// The smallest t with eq. (3) - deduction >= q, in closed form:
    /// t = sqrt(2 (log sqrt(pi / 2) - log(1 - q - deduction))); nil when 1 - q - deduction <= 0
    /// (the bound never reaches q). `deduction` is the epsilon of a probabilistic modulus, or
    /// 2 delta in Theorem 3.
    public static func balancedRadius(reaching q: Double, deduction: Double = 0) -> Double? {
        let room = 1 - q - deduction
        guard room > 0 else { return nil }
        return (2 * (logSqrtHalfPi - log(room))).squareRoot()
    }

    /// The smallest t with eq. (4) - deduction >= q, in closed form: with
    /// c = log sqrt(pi / 2) - log(1 - q - deduction) > 0, t solves t^2 / 2 + s_K t = c, so
    /// t = 2c / (s_K + sqrt(s_K^2 + 2c)) (the cancellation-free root). nil when the bound never
    /// reaches q.
    /// - Throws: `BoundError.needsFiveEquiprobableClasses` for K < 5.
    public static func equiprobableRadius(classes k: Int, reaching q: Double, deduction: Double = 0) throws -> Double? {
        let rate = try equiprobableRate(classes: k)
        let room = 1 - q - deduction
        guard room > 0 else { return nil }
        let c = logSqrtHalfPi - log(room)
        return 2 * c / (rate + (rate * rate + 2 * c).squareRoot())
    }
}
