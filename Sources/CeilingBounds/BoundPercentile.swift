/// One percentile of a robustness bound: the smallest radius at which the bound on
/// P(robustness <= radius) reaches the level q. Robustness is then at most that radius for a
/// fraction at least q of the data, whatever the classifier.
///
/// When the bound never reaches q (a confidence-adjusted or epsilon-reduced bound tops out below
/// q, or a sampled modulus stops before), every radius is nil and `note` says why: no number is
/// made up.
public struct BoundPercentile: Sendable, Equatable {
    /// The level q in (0, 1).
    public let level: Double
    /// The latent radius t (nil: not reached).
    public let latentRadius: Double?
    /// The image-space radius eta = omega(t) (equal to t for the identity modulus).
    public let eta: Double?
    /// t / E||z||_2: the normalised latent robustness of the paper's tables.
    public let normalisedLatent: Double?
    /// eta / E||g(z)||: normalised image-space robustness, when E||g(z)|| was given.
    public let normalisedImage: Double?
    /// Which statement produced it, e.g. "eq. (2)".
    public let equation: String
    /// Why the level is not reached (nil when it is).
    public let note: String?

    /// Whether the bound reaches the level.
    public var isReached: Bool { latentRadius != nil }

    public init(
        level: Double, latentRadius: Double?, eta: Double?, normalisedLatent: Double?,
        normalisedImage: Double?, equation: String, note: String?
    ) {
        self.level = level
        self.latentRadius = latentRadius
        self.eta = eta
        self.normalisedLatent = normalisedLatent
        self.normalisedImage = normalisedImage
        self.equation = equation
        self.note = note
    }
}
