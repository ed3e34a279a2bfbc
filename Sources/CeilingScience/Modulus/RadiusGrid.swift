import CeilingBounds
import Foundation

/// The latent radii s at which the modulus is sampled.
///
/// The default grid is log-spaced from 10^-2 to E||u||_2, the typical latent norm
/// (sqrt(2) Gamma((d + 1) / 2) / Gamma(d / 2)): the radii Theorem 1 uses at any useful percentile
/// lie far below E||u|| (the paper's 25% percentiles are near 0.016 E||u||), and at s = E||u|| the
/// bound of eq. (2) is already close to 1. Log spacing resolves the small radii, where a smooth
/// generator's modulus is nearly linear, as finely as the large ones, where it saturates.
public enum RadiusGrid {
    /// Number of radii in the default grid.
    public static let defaultCount = 16
    /// The smallest radius of the default grid.
    public static let defaultSmallest = 1e-2

    /// `count` radii from `lower` to `upper`, equally spaced in log s (both ends included).
    public static func logSpaced(from lower: Double, to upper: Double, count: Int) throws(ModulusError) -> [Double] {
        guard lower.isFinite, upper.isFinite, lower > 0, upper > lower else {
            throw .invalidRadii("a log-spaced grid needs 0 < lower < upper, got \(lower) and \(upper)")
        }
        guard count >= 2 else { throw .invalidRadii("a log-spaced grid needs at least 2 radii, got \(count)") }
        let step = log(upper / lower) / Double(count - 1)
        var radii = (0..<count).map { lower * exp(Double($0) * step) }
        radii[count - 1] = upper
        return radii
    }

    /// The default grid for latent dimension d: `defaultCount` radii from 10^-2 to E||u||.
    public static func standard(latentDimension d: Int) throws(ModulusError) -> [Double] {
        let top: Double
        do {
            top = try LatentGaussian.expectedNorm(dimension: d)
        } catch {
            throw .invalidSetting("the latent dimension must be at least 1 (got \(d))")
        }
        return try logSpaced(from: min(defaultSmallest, top / 2), to: top, count: defaultCount)
    }

    /// Checks a user's grid: at least one radius, every radius finite and positive, strictly
    /// increasing. Returns it unchanged.
    @discardableResult
    public static func validate(_ radii: [Double]) throws(ModulusError) -> [Double] {
        guard !radii.isEmpty else { throw .invalidRadii("the list is empty") }
        for (j, s) in radii.enumerated() where !(s.isFinite && s > 0) {
            throw .invalidRadii("radius \(j + 1) = \(s) is not a finite positive number")
        }
        for j in radii.indices.dropFirst() where !(radii[j] > radii[j - 1]) {
            throw .invalidRadii("radii must be strictly increasing: \(radii[j - 1]) is followed by \(radii[j])")
        }
        return radii
    }

    /// Parses a comma-separated list such as "0.01,0.1,1" and validates it.
    public static func parse(_ text: String) throws(ModulusError) -> [Double] {
        let fields = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        var radii = [Double]()
        for field in fields {
            guard let value = Double(field) else {
                throw .invalidRadii("'\(field)' in '\(text)' is not a number (expected a comma-separated list such as 0.01,0.1,1)")
            }
            radii.append(value)
        }
        return try validate(radii)
    }
}
