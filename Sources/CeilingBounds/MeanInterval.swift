@preconcurrency import CGSL

/// Student's t confidence interval for the mean of independent samples:
/// mean ± t_{1 - alpha/2, n - 1} s / sqrt(n), s the sample standard deviation.
///
/// Exact for normal samples and approximate otherwise (by the central limit theorem, good for a
/// few hundred samples of a distribution without heavy tails); there is no distribution-free
/// interval for a mean of unbounded values, so this one is labelled an approximation wherever it
/// is shown.
public struct MeanInterval: Codable, Sendable, Equatable {
    public let mean: Double
    public let lower: Double
    public let upper: Double
    public let confidence: Double
    public let points: Int

    /// - Throws: `BoundError.invalidConfidence`, `.noSamples` (fewer than two samples),
    ///   `.numericalFailure` (a non-finite sample).
    public init(_ samples: [Double], confidence: Double) throws {
        guard confidence > 0, confidence < 1 else { throw BoundError.invalidConfidence(confidence) }
        guard samples.count >= 2 else { throw BoundError.noSamples }
        guard samples.allSatisfy(\.isFinite) else { throw BoundError.numericalFailure("the mean of samples that are not all finite") }
        let n = Double(samples.count)
        let mean = samples.reduce(0, +) / n
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        GSL.prepare()
        let t = gsl_cdf_tdist_Pinv(1 - (1 - confidence) / 2, n - 1)
        guard t.isFinite else { throw BoundError.numericalFailure("t quantile at \(confidence) with \(samples.count - 1) degrees of freedom") }
        let half = t * (variance / n).squareRoot()
        self.mean = mean
        lower = mean - half
        upper = mean + half
        self.confidence = confidence
        points = samples.count
    }
}
