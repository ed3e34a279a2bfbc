import CeilingEngine

/// The standardised latent coordinates in which every latent radius is measured.
///
/// The bounds of Fawzi et al. rest on Gaussian isoperimetry for z ~ N(0, I_d). A generator whose
/// declared prior is N(mean, std^2 I) is the same model as u -> g(mean + std u) with u ~ N(0, I_d),
/// and that map is the one whose modulus the bounds need: its modulus at radius s is the
/// generator's own modulus at radius std * s. Radii, anchors and Lipschitz constants are
/// therefore stated in u; for the standard prior (mean 0, std 1) u and z coincide.
public struct LatentCoordinates: Sendable, Equatable {
    /// The prior's mean (the same for every coordinate).
    public let mean: Double
    /// The prior's standard deviation (the same for every coordinate), positive.
    public let std: Double

    /// The standard normal prior: u = z.
    public static let standard = LatentCoordinates(uncheckedMean: 0, std: 1)

    private init(uncheckedMean mean: Double, std: Double) {
        self.mean = mean
        self.std = std
    }

    /// - Throws: `ModulusError.unsupportedGenerator` unless the mean is finite and the standard
    ///   deviation finite and positive.
    public init(mean: Double, std: Double) throws(ModulusError) {
        guard mean.isFinite, std.isFinite, std > 0 else {
            throw .unsupportedGenerator("the latent prior N(\(mean), \(std)^2) needs a finite mean and a finite positive standard deviation")
        }
        self.init(uncheckedMean: mean, std: std)
    }

    /// The coordinates of a loaded generator's declared prior (standard when none is declared).
    /// - Throws: `ModulusError.unsupportedGenerator` for a prior other than a normal one.
    public init(prior: LatentPrior?) throws(ModulusError) {
        guard let prior else {
            self = .standard
            return
        }
        guard prior.distribution == "normal" else {
            throw .unsupportedGenerator("the latent prior '\(prior.distribution)' is not Gaussian: the bounds need z ~ N(0, I)")
        }
        try self.init(mean: prior.mean ?? 0, std: prior.std ?? 1)
    }

    var isStandard: Bool { mean == 0 && std == 1 }

    /// z = mean + std * u, elementwise.
    func generatorInput(_ u: Tensor) -> Tensor {
        if isStandard { return u }
        let m = Float(mean), s = Float(std)
        return Tensor(shape: u.shape, data: u.data.map { m + s * $0 })
    }
}
