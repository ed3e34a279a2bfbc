@preconcurrency import CGSL
import Foundation

/// Facts about the latent prior z ~ N(0, I_d).
public enum LatentGaussian {
    /// E||z||_2 = sqrt(2) Gamma((d + 1) / 2) / Gamma(d / 2), the mean of a chi distribution with
    /// d degrees of freedom; it lies in [sqrt(d - 1), sqrt(d)] (Remark 1) and is what the paper
    /// divides latent robustness by (Tables 1 and 2).
    ///
    /// The Gamma ratio is taken in log space. For d < 100 GSL's log-Pochhammer symbol
    /// `gsl_sf_lnpoch(d/2, 1/2)` = log(Gamma(d/2 + 1/2) / Gamma(d/2)) is accurate to rounding.
    /// For larger d it subtracts two large log-gammas (relative error ~1e-16 log Gamma(d/2): 4e-10
    /// at d = 10^6), so the difference of the two Stirling series is used instead: with x = d/2,
    ///
    ///     log(Gamma(x + 1/2) / Gamma(x)) = (1/2) log x - 1/(8x) + 1/(192x^3) - 1/(640x^5)
    ///                                      + 17/(14336x^7) - ...,
    ///
    /// the coefficients being (B_{n+1}(1/2) - B_{n+1}) / (n (n + 1)) for odd n (Bernoulli
    /// numbers and polynomials; even n vanish). For x >= 50 the omitted terms are below 1e-17,
    /// and E||z|| = sqrt(d) exp(-1/(8x) + ...) needs no large logarithm at all.
    /// - Throws: `BoundError.invalidLatentDimension` for d < 1.
    public static func expectedNorm(dimension d: Int) throws -> Double {
        guard d >= 1 else { throw BoundError.invalidLatentDimension(d) }
        let x = 0.5 * Double(d)
        if d >= 100 {
            let inverse = 1 / x
            let inverse2 = inverse * inverse
            let correction = inverse * (-1.0 / 8 + inverse2 * (1.0 / 192 + inverse2 * (-1.0 / 640 + inverse2 * (17.0 / 14336))))
            return Double(d).squareRoot() * exp(correction)
        }
        GSL.prepare()
        let logRatio = gsl_sf_lnpoch(x, 0.5)
        guard logRatio.isFinite else { throw BoundError.numericalFailure("log Gamma ratio for d = \(d)") }
        return 2.0.squareRoot() * exp(logRatio)
    }
}
