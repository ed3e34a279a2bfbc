import CeilingBounds
import CeilingJSON

/// `ceiling bound --json`: every field always present (null where it does not apply), every
/// non-finite number null.
struct BoundRecord: Encodable {
    let latentDimension: Int
    @NonFiniteAsNull var expectedLatentNorm: Double
    @NonFiniteAsNull var expectedImageNorm: Double?
    let classes: Int
    @ExplicitNull var classMeasures: [Double]?
    @ExplicitNull var classCounts: [Int]?
    @ExplicitNull var confidence: Double?
    @ExplicitNull var intervals: [[Double]]?
    let modulus: ModulusRecord
    @NonFiniteAsNull var epsilon: Double
    let equation: String
    @NonFiniteAsNull var supremum: Double
    let percentiles: [PercentileRecord]
    @ExplicitNull var pointEstimatePercentiles: [PercentileRecord]?
    @ExplicitNull var eq3Percentiles: [PercentileRecord]?
    @ExplicitNull var eq4Percentiles: [PercentileRecord]?
    let grid: [GridRecord]
    @ExplicitNull var transfer: TransferRecord?
    let theorem4: TheoremFourRecord

    struct GridRecord: Encodable {
        @NonFiniteAsNull var eta: Double
        @NonFiniteAsNull var t: Double
        @NonFiniteAsNull var bound: Double
        @NonFiniteAsNull var eq3: Double?
        @NonFiniteAsNull var eq4: Double?
    }

    struct TransferRecord: Encodable {
        @NonFiniteAsNull var delta: Double
        let percentiles: [PercentileRecord]
    }

    struct TheoremFourRecord: Encodable {
        @NonFiniteAsNull var argument: Double
        @NonFiniteAsNull var wassersteinSlack: Double
        @NonFiniteAsNull var expectedRobustness: Double?
        @ExplicitNull var note: String?
    }

    init(_ summary: BoundSummary, modulusFile: String?) {
        let bound = summary.bound
        latentDimension = bound.latentDimension
        expectedLatentNorm = bound.expectedLatentNorm
        expectedImageNorm = bound.expectedImageNorm
        classes = bound.classCount
        switch bound.classInformation {
        case .exact(let measures):
            classMeasures = measures.values
        case .counts(let counts, let confidence):
            classCounts = counts.counts
            self.confidence = confidence
            intervals = (bound.intervals ?? []).map { [$0.lowerBound, $0.upperBound] }
        }
        modulus = ModulusRecord(bound.modulus, file: modulusFile)
        epsilon = bound.epsilon
        equation = bound.equation
        supremum = bound.supremum
        percentiles = summary.percentiles.map(PercentileRecord.init)
        pointEstimatePercentiles = summary.pointEstimatePercentiles?.map(PercentileRecord.init)
        eq3Percentiles = summary.balanced.isEmpty ? nil : summary.balanced.map(PercentileRecord.init)
        eq4Percentiles = summary.equiprobable.isEmpty ? nil : summary.equiprobable.map(PercentileRecord.init)
        grid = summary.grid.map { GridRecord(eta: $0.eta, t: $0.t, bound: $0.bound, eq3: $0.balanced, eq4: $0.equiprobable) }
        transfer = summary.transfer.map { TransferRecord(delta: summary.transferDelta ?? 0, percentiles: $0.map(PercentileRecord.init)) }
        let four = summary.theoremFour
        theorem4 = TheoremFourRecord(argument: four.argument, wassersteinSlack: four.wassersteinSlack,
                                     expectedRobustness: four.value, note: four.note)
    }
}

/// One percentile of a bound.
struct PercentileRecord: Encodable {
    @NonFiniteAsNull var q: Double
    let reached: Bool
    @NonFiniteAsNull var t: Double?
    @NonFiniteAsNull var eta: Double?
    @NonFiniteAsNull var tOverExpectedLatentNorm: Double?
    @NonFiniteAsNull var etaOverExpectedImageNorm: Double?
    let equation: String
    @ExplicitNull var note: String?

    init(_ p: BoundPercentile) {
        q = p.level
        reached = p.isReached
        t = p.latentRadius
        eta = p.eta
        tOverExpectedLatentNorm = p.normalisedLatent
        etaOverExpectedImageNorm = p.normalisedImage
        equation = p.equation
        note = p.note
    }
}

/// The modulus a bound used: its kind and, for a curve, the curve.
struct ModulusRecord: Encodable {
    let kind: String
    @NonFiniteAsNull var lipschitz: Double?
    let file: String?
    let radii: [Double]?
    let omega: [Double]?
    @NonFiniteAsNull var epsilon: Double?
    @NonFiniteAsNull var confidence: Double?
    @NonFiniteAsNull var maxRadius: Double?

    /// Writes only the keys its kind has (identity: kind; Lipschitz: kind, lipschitz; a curve:
    /// kind, file, radii, omega, epsilon, confidence, max_radius).
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        if kind == "identity" { return }
        if let lipschitz {
            try container.encode(lipschitz, forKey: .lipschitz)
            return
        }
        try container.encode(file, forKey: .file)
        try container.encode(radii, forKey: .radii)
        try container.encode(omega, forKey: .omega)
        try container.encode(_epsilon, forKey: .epsilon)
        try container.encode(_confidence, forKey: .confidence)
        try container.encode(_maxRadius, forKey: .maxRadius)
    }

    private enum CodingKeys: String, CodingKey {
        case kind, lipschitz, file, radii, omega, epsilon, confidence, maxRadius
    }

    static let identity = ModulusRecord(kind: "identity", lipschitz: nil, file: nil, radii: nil, omega: nil, epsilon: nil, confidence: nil, maxRadius: nil)

    init(kind: String, lipschitz: Double?, file: String?, radii: [Double]?, omega: [Double]?, epsilon: Double?, confidence: Double?, maxRadius: Double?) {
        self.kind = kind
        self.lipschitz = lipschitz
        self.file = file
        self.radii = radii
        self.omega = omega
        self.epsilon = epsilon
        self.confidence = confidence
        self.maxRadius = maxRadius
    }

    init(_ omega: Modulus, file: String?) {
        switch omega.kind {
        case .identity:
            self = .identity
        case .lipschitz(let constant):
            self.init(kind: "lipschitz", lipschitz: constant, file: nil, radii: nil, omega: nil, epsilon: nil, confidence: nil, maxRadius: nil)
        case .curve(let curve):
            self.init(kind: curve.kind.rawValue, lipschitz: nil, file: file, radii: curve.radii, omega: curve.omega,
                      epsilon: curve.epsilon, confidence: curve.confidence, maxRadius: curve.maxRadius)
        }
    }
}

/// `ceiling bound --k-dependence --json`.
struct KDependenceRecord: Encodable {
    struct Level: Encodable {
        @NonFiniteAsNull var q: Double
        @NonFiniteAsNull var t: Double
        @NonFiniteAsNull var tOverSqrtD: Double?
        @NonFiniteAsNull var tOverExpectedLatentNorm: Double?
        @NonFiniteAsNull var tEq4: Double?
    }
    struct Point: Encodable {
        let classes: Int
        let levels: [Level]
    }
    @ExplicitNull var latentDimension: Int?
    let modulus = ModulusRecord.identity
    let points: [Point]
}
