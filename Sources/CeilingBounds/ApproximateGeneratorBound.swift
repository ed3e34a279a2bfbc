import Foundation

/// Theorem 4 (approximate generator): if the generated distribution is within delta of the data
/// distribution mu in 1-Wasserstein distance (in the image norm) and omega is concave, then for
/// every classifier
///
///     E_{x ~ mu} r_unc(x) <= omega( sum_i [ -a_i Phi(-a_i) + exp(-a_i^2 / 2) / sqrt(2 pi) ] ) + delta.
///
/// Since Phi(-a_i) = Q(a_i) = p_i, each summand is phi(a_i) - a_i p_i = E[(Z - a_i)^+], the
/// expected excess of a standard normal over a_i: non-negative, 0 for p_i = 0, and +infinity for
/// p_i = 1 (a classifier with a single class has no adversarial examples at all). For K >= 5
/// equiprobable classes the sum is at most log(4 pi log K) / sqrt(2 log K).
///
/// Only the summand's phi(a) - a p loses digits to cancellation when a is large (about a^2 of
/// them in relative terms, ~1e-13 at p = 1e-9); the summands are non-negative, so the sum keeps
/// that accuracy.
public enum ApproximateGeneratorBound {
    /// E[(Z - a)^+] = phi(a) - a Q(a) with Q(a) = p given exactly.
    static func excess(measure p: Double, threshold a: Double) -> Double {
        if p == 0 { return 0 }
        if p == 1 { return .infinity }
        return Gaussian.density(a) - a * p
    }

    /// The latent argument sum_i [phi(a_i) - a_i p_i] of Theorem 4 (the bound for omega = identity
    /// and delta = 0, i.e. on E r_Z).
    public static func latentArgument(_ measures: ClassMeasures) -> Double {
        measures.values.reduce(0) { $0 + excess(measure: $1, threshold: Gaussian.upperQuantile($1)) }
    }

    /// The worst case of the latent argument over a box of class measures. Each summand increases
    /// with p (d/dp [phi(a) - a p] = Q(a) / phi(a) > 0), so the worst case takes every upper end;
    /// ignoring sum p_i = 1 can only enlarge (make more conservative) the bound.
    public static func latentArgument(worstCaseOver intervals: [ClosedRange<Double>]) -> Double {
        intervals.reduce(0) { sum, interval in
            let p = min(max(interval.upperBound, 0), 1)
            return sum + excess(measure: p, threshold: Gaussian.upperQuantile(p))
        }
    }

    /// The closed form log(4 pi log K) / sqrt(2 log K) for K >= 5 equiprobable classes.
    /// - Throws: `BoundError.needsFiveEquiprobableClasses` for K < 5.
    public static func equiprobableArgument(classes k: Int) throws -> Double {
        guard k >= 5 else { throw BoundError.needsFiveEquiprobableClasses(k) }
        let logK = log(Double(k))
        return log(4 * Double.pi * logK) / (2 * logK).squareRoot()
    }

    /// omega^(argument) + delta, with omega^ the least concave majorant of the modulus.
    ///
    /// - Parameters:
    ///   - argument: the latent argument (`latentArgument` or `equiprobableArgument`).
    ///   - modulus: must hold for every z (epsilon = 0): an expectation bound cannot absorb a
    ///     failure probability, since robustness is unbounded on the failure event.
    ///   - wassersteinSlack: delta >= W1(g#nu, mu); 0 when the data is exactly generated.
    /// - Throws: `BoundError.invalidWassersteinSlack`, `.probabilisticModulus` for a modulus with
    ///   epsilon > 0, `.beyondModulusRange` when the argument is beyond a curve's last radius.
    public static func expectedRobustness(argument: Double, modulus: Modulus, wassersteinSlack delta: Double) throws -> Double {
        guard delta.isFinite, delta >= 0 else { throw BoundError.invalidWassersteinSlack(delta) }
        guard modulus.failureProbability == 0 else {
            throw BoundError.probabilisticModulus(epsilon: modulus.failureProbability)
        }
        let concave = modulus.leastConcaveMajorant
        guard argument <= concave.maxRadius else {
            throw BoundError.beyondModulusRange(radius: argument, maxRadius: concave.maxRadius)
        }
        return concave(argument) + delta
    }

    /// Theorem 4 for given class measures.
    /// - Throws: as `expectedRobustness(argument:modulus:wassersteinSlack:)`.
    public static func expectedRobustness(measures: ClassMeasures, modulus: Modulus, wassersteinSlack delta: Double) throws -> Double {
        try expectedRobustness(argument: latentArgument(measures), modulus: modulus, wassersteinSlack: delta)
    }
}
