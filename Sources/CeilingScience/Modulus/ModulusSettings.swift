import CeilingBounds

/// How the modulus is sampled and how its confidence statement is made.
///
/// Cost: for every anchor and radius, `directions + 1` forward passes (the random starts and the
/// warm start) and `ascentStarts * (ascentSteps + 1)` forward-and-backward passes (the ascent;
/// three times the steps at the first radius). With the defaults (128 anchors, 4 directions, 1
/// chain of 10 steps, 16 radii) a 100-dimensional DCGAN-32 (ngf 64) takes about 50 s of CPU
/// time, about half a minute on two cores.
///
/// Confidence: see `EstimatedModulus`. With n anchors, the sample maximum bounds the
/// (1 - epsilon)-quantile with confidence 1 - alpha only when (1 - epsilon)^n <= alpha; with fewer
/// anchors the estimate reports the epsilon it actually achieves rather than the one asked for.
public struct ModulusSettings: Codable, Sendable, Equatable {
    /// Latent radii s (standardised units, see `LatentCoordinates`), strictly increasing.
    public var radii: [Double]
    /// Anchors z_k drawn from the prior, n.
    public var anchors: Int
    /// Random directions uniform on the sphere per anchor and radius.
    public var directions: Int
    /// Ascent chains per anchor and radius, started from the best candidates (the random
    /// directions and the previous radius's maximiser).
    public var ascentStarts: Int
    /// Normalised-gradient steps per chain (0: random directions only).
    public var ascentSteps: Int
    /// Requested failure probability over z, in (0, 1).
    public var epsilon: Double
    /// Requested confidence of the sampling statement, in (0, 1).
    public var confidence: Double
    /// When true, the confidence holds for all radii of the grid at once (Bonferroni: each radius
    /// gets (1 - confidence) / radii.count); when false, for each radius separately.
    public var simultaneous: Bool
    /// Seed of every random draw (anchors and directions).
    public var seed: UInt64

    public static let defaultAnchors = 128
    public static let defaultDirections = 4
    public static let defaultAscentStarts = 1
    public static let defaultAscentSteps = 10

    public init(radii: [Double], anchors: Int = defaultAnchors, directions: Int = defaultDirections,
                ascentStarts: Int = defaultAscentStarts, ascentSteps: Int = defaultAscentSteps,
                epsilon: Double = 0.01, confidence: Double = 0.95, simultaneous: Bool = true, seed: UInt64 = 0) {
        self.radii = radii
        self.anchors = anchors
        self.directions = directions
        self.ascentStarts = ascentStarts
        self.ascentSteps = ascentSteps
        self.epsilon = epsilon
        self.confidence = confidence
        self.simultaneous = simultaneous
        self.seed = seed
    }

    /// The error probability each radius gets: alpha / J when simultaneous, alpha otherwise.
    public var alphaPerRadius: Double {
        let alpha = 1 - confidence
        return simultaneous ? alpha / Double(radii.count) : alpha
    }

    /// Throws the first setting that is out of range.
    public func validate() throws(ModulusError) {
        try RadiusGrid.validate(radii)
        guard anchors >= 1 else { throw .invalidSetting("the number of anchors must be at least 1 (got \(anchors))") }
        guard directions >= 1 else { throw .invalidSetting("the number of directions must be at least 1 (got \(directions))") }
        guard ascentStarts >= 1 else { throw .invalidSetting("the number of ascent starts must be at least 1 (got \(ascentStarts))") }
        guard ascentSteps >= 0 else { throw .invalidSetting("the number of ascent steps must be at least 0 (got \(ascentSteps))") }
        guard epsilon > 0, epsilon < 1 else { throw .invalidSetting("epsilon must be in the open interval (0, 1) (got \(epsilon))") }
        guard confidence > 0, confidence < 1 else { throw .invalidSetting("the confidence must be in the open interval (0, 1) (got \(confidence))") }
        do { _ = try OrderStatistic.requiredSampleSize(epsilon: epsilon, alpha: 1 - confidence) } catch {
            throw .invalidSetting("\(error)")
        }
    }
}
