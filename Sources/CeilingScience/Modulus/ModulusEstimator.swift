import CeilingBounds
import CeilingEngine

/// Estimates the modulus of continuity of a generator g: latent -> image (DESIGN.md section 3):
/// the sampled curve omega_hat with its confidence statement, and beside it a certified global
/// Lipschitz bound. Radii are in standardised latent units (`LatentCoordinates`).
///
///     let estimator = try ModulusEstimator(model)
///     let omega = try estimator.estimate(ModulusSettings(radii: estimator.defaultRadii()))
///     let certificate = try estimator.certify()
///
/// Sampling needs only a `DifferentiableMap`; the certificate needs the network's graph.
public struct ModulusEstimator: Sendable {
    /// The generator as a map: latent -> image.
    public let map: any DifferentiableMap
    /// The graph behind the map and the value it stops at, when the map is a graph.
    public let graph: (graph: Graph, at: Int)?
    public let coordinates: LatentCoordinates
    /// Samples per forward/backward pass.
    public let samplesPerPass: Int

    /// A generator given as any differentiable map (no certificate then, unless it is a
    /// `GraphMap`). `samplesPerPass` bounds the memory of one linearisation; for a `GraphMap` it is
    /// derived from the graph's value sizes instead (about 128 MB per pass).
    public init(map: any DifferentiableMap, coordinates: LatentCoordinates = .standard, samplesPerPass: Int = 64) throws(ModulusError) {
        guard samplesPerPass >= 1 else { throw .invalidSetting("at least one sample per pass is needed (got \(samplesPerPass))") }
        self.map = map
        self.coordinates = coordinates
        if let graphMap = map as? GraphMap {
            guard graphMap.at > 0 else { throw .unsupportedGenerator("the generator's output is its input: there is nothing to measure") }
            graph = (graphMap.graph, graphMap.at)
            self.samplesPerPass = BallAscent.samplesPerPass(for: graphMap.graph)
        } else {
            graph = nil
            self.samplesPerPass = samplesPerPass
        }
    }

    /// A generator given as a graph (its output is the image).
    public init(graph: Graph, coordinates: LatentCoordinates = .standard) throws(ModulusError) {
        try self.init(map: GraphMap(graph), coordinates: coordinates)
    }

    /// A loaded generator, in the coordinates of its declared prior.
    /// - Throws: `ModulusError.unsupportedGenerator` for a classifier or a non-Gaussian prior.
    public init(_ model: Model) throws(ModulusError) {
        guard model.role == .generator else {
            throw .unsupportedGenerator("\(model.path) is a \(model.role.rawValue), not a generator: the modulus is measured on a generator (latent -> image)")
        }
        try self.init(map: model.map, coordinates: LatentCoordinates(prior: model.prior))
    }

    /// The latent dimension d.
    public var latentDimension: Int { map.inputSize }

    /// The default radius grid for this generator (`RadiusGrid.standard`).
    public func defaultRadii() throws(ModulusError) -> [Double] {
        try RadiusGrid.standard(latentDimension: latentDimension)
    }

    /// The anchors `indices` of a seed, in standardised coordinates: anchor k is the first draw
    /// of its own stream, so more anchors extend the same sample and any split of the indices
    /// gives the same anchors.
    public func anchors(_ indices: Range<Int>, seed: UInt64) -> Tensor {
        LatentSampler.latents(indices, shape: map.inputShape, seed: seed)
    }

    /// The local suprema M_k(s_j) for the settings' radii at anchors `indices` (all
    /// `settings.anchors` by default; a shard computes a part, see `SupremumSamples.appending`),
    /// `chunk` anchors at a time (nil: `BallAscent.anchorsPerChunk`). `progress` gets the
    /// fraction done.
    public func sample(_ settings: ModulusSettings, anchors indices: Range<Int>? = nil, chunk: Int? = nil,
                       progress: (Double) -> Void = { _ in }) throws(ModulusError) -> SupremumSamples {
        try settings.validate()
        let indices = indices ?? 0..<settings.anchors
        let ascent = BallAscent(map: map, coordinates: coordinates, settings: settings, samplesPerPass: samplesPerPass)
        return ascent.run(anchors: anchors(indices, seed: settings.seed), first: indices.lowerBound, chunk: chunk ?? BallAscent.anchorsPerChunk,
                          progress: progress)
    }

    /// Shard `shard` of the local suprema: its share of the settings' anchors, `chunk` anchors
    /// at a time (shards split only between chunks, so any split gives the samples of one whole
    /// run with the same chunk).
    public func points(_ settings: ModulusSettings, shard: Shard, chunk: Int,
                       progress: (Double) -> Void = { _ in }) throws(ModulusError) -> ModulusPoints {
        let anchors = shard.range(settings.anchors, chunk: chunk)
        return ModulusPoints(anchors: anchors, samples: try sample(settings, anchors: anchors, chunk: chunk, progress: progress))
    }

    /// The sampled modulus with its confidence statement.
    public func estimate(_ settings: ModulusSettings, progress: (Double) -> Void = { _ in }) throws(ModulusError) -> EstimatedModulus {
        let samples = try sample(settings, progress: progress)
        return try EstimatedModulus(samples: samples, epsilon: settings.epsilon, confidence: settings.confidence,
                                    simultaneous: settings.simultaneous)
    }

    /// The certified Lipschitz bound of the graph (in the generator's own latent units; multiply
    /// by `coordinates.std` for standardised units, see `certifiedLipschitz(_:)`).
    /// - Throws: `ModulusError.uncertifiable` when the map is not a graph or holds an operation
    ///   with no known constant.
    public func certify(margin: Double = LipschitzCertificate.defaultMargin, seed: UInt64 = 0) throws(ModulusError) -> LipschitzCertificate {
        guard let graph else { throw .uncertifiable(node: "(the whole map)", kind: "\(type(of: map))") }
        return try LipschitzCertificate(graph.graph, at: graph.at, margin: margin, seed: seed)
    }

    /// A certificate's constant in standardised latent units: std times the graph's constant.
    public func certifiedLipschitz(_ certificate: LipschitzCertificate) -> Double {
        certificate.constant * coordinates.std
    }

    /// The certified modulus omega(s) = L s as a curve on `radii`, in the bounds' format.
    public func certifiedCurve(_ certificate: LipschitzCertificate, radii: [Double]) throws(ModulusError) -> SampledModulus {
        let constant = certifiedLipschitz(certificate)
        do {
            return try SampledModulus(radii: radii, omega: radii.map { constant * $0 }, kind: .certified)
        } catch {
            throw .invalidRadii("\(error)")
        }
    }
}
