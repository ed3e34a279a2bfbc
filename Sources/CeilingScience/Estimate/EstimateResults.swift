/// Everything one `ceiling` run finds, as written to results.json. Censored robustness values
/// (no adversary found) are `nil` (JSON null) and count as +infinity in every percentile.
public struct EstimateResults: Codable, Sendable {
    public struct ModelRecord: Codable, Sendable {
        public let name: String
        public let path: String
        public let role: String
        public let sha256: String
        public let parameters: Int

        public init(name: String, path: String, role: String, sha256: String, parameters: Int) {
            self.name = name
            self.path = path
            self.role = role
            self.sha256 = sha256
            self.parameters = parameters
        }
    }

    /// Percentiles of the isoperimetric upper bound (Theorem 1).
    public struct BoundRecord: Codable, Sendable {
        public let level: Double
        /// t / E||z|| with omega = identity: the ceiling of r_Z.
        public let latent: Double?
        /// omega(t) / E||g(z)|| with the sampled modulus: the ceiling of r_in and r_unc.
        public let image: Double?
        /// The same with the certified Lipschitz modulus (rigorous, loose).
        public let imageCertified: Double?
    }

    /// The bound's CDF on a grid, for plots: P(r <= radius) >= probability.
    public struct CurvePoint: Codable, Sendable {
        public let normalisedRadius: Double
        public let latent: Double
        public let image: Double?
    }

    public struct NotionRecord: Codable, Sendable {
        public let notion: String
        public let norms: [Double?]
        public let normalised: [Double?]
        public let censored: Int
        /// level -> normalised percentile (nil: among the censored).
        public let percentiles: [String: Double?]
    }

    public struct SelfCheckRecord: Codable, Sendable {
        public let worstGapBefore: Double
        public let worstGapAfter: Double
        public let atRadius: Double
        public let band: Double
        public let violated: Bool
    }

    public struct ClassifierRecord: Codable, Sendable {
        public let name: String
        public let classCounts: [Int]
        public let measureSamples: Int
        /// Error on labelled real data, when given.
        public var errorRate: Double?
        public let bounds: [BoundRecord]
        public let boundCurve: [CurvePoint]
        public let equation: String
        public var notions: [NotionRecord]
        public let inDistributionMethods: [String: [Double?]]
        public let selfCheck: SelfCheckRecord?
        public var projection: ProjectionRecord?
    }

    public struct ProjectionRecord: Codable, Sendable {
        public let norms: [Double?]
        public let normalised: [Double?]
        public let reconstructionErrors: [Double]
        public let theorem2Violations: [Int]
        public let percentiles: [String: Double?]
        public let note: String
    }

    public struct ModulusRecord: Codable, Sendable {
        public let radii: [Double]
        public let omega: [Double]
        public let quantile50: [Double]
        public let quantile90: [Double]
        public let quantile99: [Double]
        public let maximum: [Double]
        public let randomOnlyMaximum: [Double]
        public let epsilon: Double
        public let requestedEpsilon: Double
        public let confidence: Double
        public let anchors: Int
        public let lipschitzSummary: Double
        public let certifiedLipschitz: Double
        public let layerNorms: [String: Double]
    }

    public struct KPoint: Codable, Sendable {
        public let classes: Int
        public let medianOverSqrtD: Double
    }

    public var status: String
    public var ceilingVersion: String
    public var seed: UInt64
    public var settings: EstimateSettings
    public var models: [ModelRecord]
    public var stageSeconds: [String: Double] = [:]
    public var latentDimension: Int
    public var expectedLatentNorm: Double
    public var expectedImageNorm: Double?
    public var modulus: ModulusRecord?
    public var classifiers: [ClassifierRecord] = []
    public var kDependence: [KPoint] = []
    public var transfer: [TransferRecord] = []
    public var wasserstein: WassersteinRecord?
    public var notes: [String] = []

    public init(status: String, ceilingVersion: String, seed: UInt64, settings: EstimateSettings, models: [ModelRecord],
                latentDimension: Int, expectedLatentNorm: Double) {
        self.status = status
        self.ceilingVersion = ceilingVersion
        self.seed = seed
        self.settings = settings
        self.models = models
        self.latentDimension = latentDimension
        self.expectedLatentNorm = expectedLatentNorm
    }

    public struct TransferRecord: Codable, Sendable {
        public let first: String
        public let second: String
        public let disagreement: Double
        public let disagreementUpper: Double
        /// (eta normalised, Theorem 3 lower bound, empirical fraction fooling both)
        public let curve: [[Double?]]
        public let note: String
    }

    public struct WassersteinRecord: Codable, Sendable {
        public let samples: Int
        public let distance: Double
        public let normalised: Double
        public let theorem4Bound: [String: Double?]
        public let note: String
    }
}
