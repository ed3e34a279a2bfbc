import CeilingBounds
import CeilingJSON
import Foundation

/// Everything one `ceiling` run finds, as written to results.json. Censored robustness values
/// (no adversary found) are `nil` (JSON null) and count as +infinity in every percentile.
public struct EstimateResults: Codable, Sendable {
    /// results.json in the tool's one JSON configuration (`JSONCoding`): equal results give
    /// equal bytes; the few non-finite numbers (censored norms inside sub-records) are the
    /// strings "inf" / "nan".
    public func json() throws -> Data {
        try JSONCoding.encoder().encode(self)
    }

    public static func decode(json data: Data) throws -> EstimateResults {
        try JSONCoding.decoder().decode(EstimateResults.self, from: data)
    }

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

    /// The real images given for the error rate and the Wasserstein slack.
    public struct DataRecord: Codable, Sendable {
        public let path: String
        public let sha256: String
        public let images: Int
        /// The labels file, when the images are labelled.
        public let labelsPath: String?

        public init(path: String, sha256: String, images: Int, labelsPath: String?) {
            self.path = path
            self.sha256 = sha256
            self.images = images
            self.labelsPath = labelsPath
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
        /// One interval per level, in the order of `settings.percentiles`, holding together at
        /// `settings.confidence`; absent in results written before intervals were recorded.
        public let intervals: [IntervalRecord]?
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
        /// The same as a count with its Clopper–Pearson interval.
        public var errors: ProportionRecord?
        public let bounds: [BoundRecord]
        public let boundCurve: [CurvePoint]
        public let equation: String
        public var notions: [NotionRecord]
        public let inDistributionMethods: [String: [Double?]]
        public let selfCheck: SelfCheckRecord?
        public var projection: ProjectionRecord?
        /// How `--precision` chose the number of attacked points (nil when it was not asked for).
        public var precision: PrecisionRecord?
        /// Certified lower bounds on r_unc at the attacked points (nil in results without them).
        public var certified: CertifiedRecord? = nil
        /// Input-gradient figures at the attacked points (nil in results without them).
        public var gradients: GradientRecord? = nil
    }

    /// The projection classifier's stage (its settings are in `settings.projection`); its r_unc
    /// is the notion "projection".
    public struct ProjectionRecord: Codable, Sendable {
        /// ||g(z*(x)) - x|| per point, one per searched point: how exactly f~ was computed.
        public let reconstructionErrors: [Double]
        /// Which candidate set each point's adversary came from.
        public let sources: [String]
        public let theoremTwo: TheoremTwoCheck
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
        /// The order statistic omega_hat uses (the rank-th smallest of `anchors`).
        public var rank: Int? = nil
        /// Anchor-to-anchor variability (`ModulusBootstrap`): 5% and 95% of omega_hat over
        /// resampled anchors per radius, and of the Lipschitz summary.
        public var bootstrapLower: [Double]? = nil
        public var bootstrapUpper: [Double]? = nil
        public var lipschitzSummaryRange: [Double]? = nil
        public var bootstrapReplicates: Int? = nil
    }

    public struct KPoint: Codable, Sendable {
        public let classes: Int
        public let medianOverSqrtD: Double
    }

    /// "partial" while running and after an interruption (the stages present are complete;
    /// `stage_seconds` lists them), "complete" at the end.
    public var status: String
    public var ceilingVersion: String
    public var seed: UInt64
    public var settings: EstimateSettings
    public var models: [ModelRecord]
    public var realData: DataRecord?
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

    /// Theorem 3 for one pair of classifiers (f = first, h = second).
    public struct TransferRecord: Codable, Sendable {
        public let first: String
        public let second: String
        public let measurement: TransferMeasurement
    }

    /// Theorem 4: the Wasserstein slack against real images and the bound on E r_unc per classifier.
    public struct WassersteinRecord: Codable, Sendable {
        public struct Ceiling: Codable, Sendable {
            public let classifier: String
            /// With the certified global Lipschitz constant: rigorous given the slack.
            public let certified: ApproximateGeneratorCeiling?
            /// With the sampled omega taken as exact: an estimate of the typical case.
            public let sampled: ApproximateGeneratorCeiling?
            /// Why a bound is missing.
            public let note: String?
            /// Mean r_unc measured on `realPoints` real images (nil when any is censored).
            public let measuredMean: Double?
            /// Its t interval at the run's confidence (an approximation; nil in earlier results).
            public let measuredMeanInterval: MeanInterval?
            public let realPoints: Int
        }
        public let slack: WassersteinSlack
        public let ceilings: [Ceiling]
    }
}
