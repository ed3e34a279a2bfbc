@preconcurrency import CGSL
import Foundation

/// The standard normal distribution N(0, 1): density phi, distribution function Phi, upper tail
/// Q = 1 - Phi, and their inverses, computed so that small probabilities keep full *relative*
/// accuracy.
///
/// Every bound in this module is a sum of Gaussian probabilities of half-lines and intervals.
/// Writing them as `1 - Phi(x)` throws away all digits once `Phi(x)` rounds to 1 (x > 8.3), so
/// the upper tail Q is always computed directly (GSL's `gsl_cdf_ugaussian_Q`, Cody's rational
/// approximations, relative accuracy about 1e-15 down to Q ~ 1e-300), and quantiles of small
/// probabilities use `Q^{-1}` rather than `Phi^{-1}(1 - p)`.
public enum Gaussian {
    /// 1 / sqrt(2 pi).
    static let inverseSqrtTwoPi = 0.398_942_280_401_432_677_94

    /// The density phi(x) = exp(-x^2 / 2) / sqrt(2 pi).
    public static func density(_ x: Double) -> Double {
        inverseSqrtTwoPi * exp(-0.5 * x * x)
    }

    /// The distribution function Phi(x) = P(Z <= x).
    public static func cdf(_ x: Double) -> Double {
        gsl_cdf_ugaussian_P(x)
    }

    /// The upper tail Q(x) = P(Z > x) = 1 - Phi(x), accurate relative to its own (possibly tiny)
    /// size.
    public static func upperTail(_ x: Double) -> Double {
        gsl_cdf_ugaussian_Q(x)
    }

    /// The quantile Phi^{-1}(p) for p in [0, 1]: -infinity at 0, +infinity at 1, NaN outside.
    public static func quantile(_ p: Double) -> Double {
        GSL.prepare()
        guard p >= 0, p <= 1 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        return gsl_cdf_ugaussian_Pinv(p)
    }

    /// The upper quantile Q^{-1}(p) = Phi^{-1}(1 - p), computed without forming 1 - p, so that
    /// p = 1e-12 still gives a threshold accurate to the last digits: +infinity at 0,
    /// -infinity at 1, NaN outside [0, 1].
    public static func upperQuantile(_ p: Double) -> Double {
        GSL.prepare()
        guard p >= 0, p <= 1 else { return .nan }
        if p == 0 { return .infinity }
        if p == 1 { return -.infinity }
        return gsl_cdf_ugaussian_Qinv(p)
    }

    /// The probability of an interval, Phi(a + t) - Phi(a) = P(a < Z <= a + t), for t >= 0,
    /// with relative accuracy near 1e-15 everywhere, including both tails and tiny widths.
    ///
    /// This is one term of Theorem 1, eq. (2). The naive difference of two distribution
    /// functions cancels catastrophically in two places, so the computation is split by where the
    /// interval lies:
    /// - **Both ends in the upper half (a >= 0).** Write the term as Q(a) - Q(a + t), a difference
    ///   of two accurate small numbers. When Q(a + t) <= Q(a) / 2 the subtraction loses at most
    ///   one bit. Otherwise the interval is short: since Q(a + t) <= exp(-a t - t^2 / 2) Q(a),
    ///   it satisfies a t + t^2 / 2 < log 2, and the term is evaluated as
    ///   phi(a) * integral_0^t exp(-a s - s^2 / 2) ds by Gauss–Legendre quadrature; on such an
    ///   interval the integrand varies by less than a factor 2 and is entire, so 16 nodes give
    ///   full double precision. No subtraction of nearly equal numbers is left.
    /// - **Both ends in the lower half (a + t <= 0).** By symmetry of N(0, 1) the term equals the
    ///   one for the mirrored interval [-(a + t), -a], which is in the upper half.
    /// - **The interval straddles 0.** The term is P(0 < Z <= a + t) + P(a < Z <= 0)
    ///   = (erf((a + t) / sqrt 2) + erf(-a / sqrt 2)) / 2, a sum of two non-negative numbers
    ///   (erf is computed by its series near 0, so small arguments keep relative accuracy).
    ///
    /// - Parameters:
    ///   - a: the lower end; may be +-infinity (then the probability is 0).
    ///   - t: the width, t >= 0; +infinity gives Q(a).
    /// - Returns: the probability, in [0, 1]; 0 for t <= 0 or NaN inputs.
    public static func intervalProbability(from a: Double, width t: Double) -> Double {
        guard t > 0, !a.isNaN else { return 0 }
        if a.isInfinite { return 0 }
        if t.isInfinite { return upperTail(a) }
        if a >= 0 { return upperHalfInterval(from: a, width: t) }
        if a + t <= 0 { return upperHalfInterval(from: -(a + t), width: t) }
        let sqrtHalf = 0.707_106_781_186_547_524_40
        return 0.5 * (gsl_sf_erf((a + t) * sqrtHalf) + gsl_sf_erf(-a * sqrtHalf))
    }

    /// P(a < Z <= a + t) for a >= 0, t > 0 finite; see `intervalProbability(from:width:)`.
    static func upperHalfInterval(from a: Double, width t: Double) -> Double {
        let qa = upperTail(a)
        let qb = upperTail(a + t)
        if qb <= 0.5 * qa { return qa - qb }
        // Short interval: phi(a + s) = phi(a) exp(-a s - s^2 / 2) for s in [0, t].
        let half = 0.5 * t
        var sum = 0.0
        for (x, w) in GaussLegendre.rule16 {
            let s = half * (1 + x)
            sum += w * exp(-s * (a + 0.5 * s))
        }
        return density(a) * half * sum
    }
}
