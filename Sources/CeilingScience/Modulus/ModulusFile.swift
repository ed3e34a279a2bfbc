import CeilingBounds
import CeilingJSON
import Foundation

/// The JSON document of a modulus estimate: the curve in the shape `SampledModulus` reads
/// (`kind`, `radii`, `omega`, `epsilon`, `confidence`; what `ceiling bound --modulus FILE` uses)
/// followed by everything needed to judge and reproduce it. Readers of the curve ignore the
/// extra keys.
///
/// Extra keys: `requested_epsilon`, `simultaneous`, `alpha_per_radius`, `rank` (of the order
/// statistic), `anchors_for_requested_epsilon`, `order_statistic` (omega_hat before the
/// monotone envelope), `quantiles` (p50, p90, p99, max of M(s) per radius), `lipschitz_summary`
/// (sup omega_hat(s) / s), `concave_majorant` (radii, omega), `ascent_gain` (median and maximum
/// per radius of M_k with ascent over M_k from random directions alone), `certified`
/// (the Lipschitz bound in standardised units and in the generator's own, margin, and the
/// per-layer norms), `settings` (anchors, directions, ascent starts and steps, seed), `latent`
/// (dimension, prior mean and std: radii are in standardised units u = (z - mean) / std),
/// `generator`, and `samples` (M_k(s_j), one list of anchors per radius).
public struct ModulusFile: Codable, Sendable {
    public struct Quantiles: Codable, Sendable {
        public let p50: [Double], p90: [Double], p99: [Double], max: [Double]
    }
    public struct Curve: Codable, Sendable {
        public let radii: [Double], omega: [Double]
    }
    public struct Gain: Codable, Sendable {
        public let median: [Double], max: [Double]
        public let overallMedian: Double, overallMax: Double
        enum CodingKeys: String, CodingKey {
            case median, max
            case overallMedian = "overall_median", overallMax = "overall_max"
        }
    }
    public struct Layer: Codable, Sendable {
        public let name: String, kind: String
        public let inputShape: [Int]
        public let norm: Double
        public let method: String
        public let iterations: Int?
        public let converged: Bool?
        enum CodingKeys: String, CodingKey {
            case name, kind, norm, method, iterations, converged
            case inputShape = "input_shape"
        }
    }
    public struct Certified: Codable, Sendable {
        public let lipschitz: Double
        public let lipschitzGeneratorUnits: Double
        public let margin: Double
        public let converged: Bool
        public let layers: [Layer]
        enum CodingKeys: String, CodingKey {
            case lipschitz, margin, converged, layers
            case lipschitzGeneratorUnits = "lipschitz_generator_units"
        }
    }
    public struct Settings: Codable, Sendable {
        public let anchors: Int, directions: Int, ascentStarts: Int, ascentSteps: Int
        public let seed: UInt64
        enum CodingKeys: String, CodingKey {
            case anchors, directions, seed
            case ascentStarts = "ascent_starts", ascentSteps = "ascent_steps"
        }
    }
    public struct Latent: Codable, Sendable {
        public let dimension: Int
        public let priorMean: Double, priorStd: Double
        enum CodingKeys: String, CodingKey {
            case dimension
            case priorMean = "prior_mean", priorStd = "prior_std"
        }
    }

    public let kind: String
    public let radii: [Double]
    public let omega: [Double]
    public let epsilon: Double
    public let confidence: Double
    public let requestedEpsilon: Double
    public let simultaneous: Bool
    public let alphaPerRadius: Double
    public let rank: Int
    public let anchorsForRequestedEpsilon: Int
    public let orderStatistic: [Double]
    public let quantiles: Quantiles
    public let lipschitzSummary: Double
    public let concaveMajorant: Curve
    public let ascentGain: Gain
    public let certified: Certified?
    public let settings: Settings
    public let latent: Latent
    public let generator: String?
    public let samples: [[Double]]

    enum CodingKeys: String, CodingKey {
        case kind, radii, omega, epsilon, confidence, simultaneous, rank, quantiles, certified, settings, latent, generator, samples
        case requestedEpsilon = "requested_epsilon", alphaPerRadius = "alpha_per_radius"
        case anchorsForRequestedEpsilon = "anchors_for_requested_epsilon", orderStatistic = "order_statistic"
        case lipschitzSummary = "lipschitz_summary", concaveMajorant = "concave_majorant", ascentGain = "ascent_gain"
    }

    /// Gathers an estimate, its settings and optionally a certificate into one document.
    public init(estimate: EstimatedModulus, settings: ModulusSettings, estimator: ModulusEstimator,
                certificate: LipschitzCertificate?, generator: String?) {
        let j = estimate.radii.indices
        kind = SampledModulus.Kind.sampled.rawValue
        radii = estimate.radii
        omega = estimate.omega
        epsilon = estimate.epsilon
        confidence = estimate.confidence
        requestedEpsilon = estimate.requestedEpsilon
        simultaneous = estimate.simultaneous
        alphaPerRadius = estimate.alphaPerRadius
        rank = estimate.rank
        anchorsForRequestedEpsilon = estimate.anchorsForRequest
        orderStatistic = estimate.orderStatistic
        quantiles = Quantiles(p50: j.map { estimate.quantile(0.5, at: $0) }, p90: j.map { estimate.quantile(0.9, at: $0) },
                              p99: j.map { estimate.quantile(0.99, at: $0) }, max: j.map { estimate.quantile(1, at: $0) })
        lipschitzSummary = estimate.lipschitzSummary
        let hull = estimate.leastConcaveMajorant
        concaveMajorant = Curve(radii: hull.radii, omega: hull.omega)
        let samples = estimate.samples
        let ratios = j.map { samples.gainRatios(at: $0) }
        let all = samples.allGainRatios
        ascentGain = Gain(median: ratios.map { $0.isEmpty ? 1 : CeilingScience.Quantiles.median($0) },
                          max: ratios.map { $0.max() ?? 1 },
                          overallMedian: all.isEmpty ? 1 : CeilingScience.Quantiles.median(all), overallMax: all.max() ?? 1)
        certified = certificate.map { c in
            Certified(lipschitz: estimator.certifiedLipschitz(c), lipschitzGeneratorUnits: c.constant, margin: c.margin,
                      converged: c.converged, layers: c.factors.map(Self.layer))
        }
        self.settings = Settings(anchors: settings.anchors, directions: settings.directions, ascentStarts: settings.ascentStarts,
                                 ascentSteps: settings.ascentSteps, seed: settings.seed)
        latent = Latent(dimension: estimator.latentDimension, priorMean: estimator.coordinates.mean, priorStd: estimator.coordinates.std)
        self.generator = generator
        self.samples = samples.ascent
    }

    private static func layer(_ factor: LipschitzCertificate.Factor) -> Layer {
        switch factor.method {
        case .powerIteration(let iterations, let converged):
            return Layer(name: factor.name, kind: factor.kind, inputShape: factor.inputShape, norm: factor.norm,
                         method: "power_iteration", iterations: iterations, converged: converged)
        case .exact:
            return Layer(name: factor.name, kind: factor.kind, inputShape: factor.inputShape, norm: factor.norm,
                         method: "exact", iterations: nil, converged: nil)
        case .nonlinearity:
            return Layer(name: factor.name, kind: factor.kind, inputShape: factor.inputShape, norm: factor.norm,
                         method: "nonlinearity", iterations: nil, converged: nil)
        }
    }

    /// The document as JSON (sorted keys), checked to read back as a valid `SampledModulus`.
    /// - Throws: `ModulusError.invalidRadii` if the curve would not read back.
    public func jsonData() throws(ModulusError) -> Data {
        let data: Data
        do {
            data = try JSONCoding.encoder().encode(self)
            _ = try SampledModulus(json: data)
        } catch {
            throw .invalidRadii("the modulus file would not read back: \(error)")
        }
        return data
    }
}
