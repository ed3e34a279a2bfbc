import CeilingBounds
import CeilingEngine

/// Settings of a transfer measurement; every random draw follows from `seed`.
public struct TransferSettings: Codable, Sendable {
    /// Generated points attacked.
    public var samples = 64
    /// Generated points on which the disagreement and the class measures are counted.
    public var measureSamples = 2000
    public var seed: UInt64 = 0
    /// Joint confidence of delta's upper end and of the class-measure intervals of f and h
    /// (Bonferroni: each of the three gets a third of 1 - confidence).
    public var confidence = 0.95
    /// Steps of the DDN-style refinement, single and joint.
    public var refinementSteps = 100
    /// Consider only the top-k classes in DeepFool (nil: all).
    public var candidates: Int? = nil
    /// Points of the eta grid.
    public var gridPoints = 12

    public init() {}
}

/// Everything `TransferStudy` measured.
public struct TransferMeasurement: Codable, Sendable {
    public let settings: TransferSettings
    public let disagreement: Disagreement
    /// The delta used by the bound: the disagreement's upper confidence end.
    public let delta: Double
    /// The modulus, in words.
    public let modulus: String
    /// Per attacked point: r_unc of f and of h, and the joint norms (+infinity where censored).
    public let normsF: [Double]
    public let normsH: [Double]
    public let jointNorms: [Double]
    public let fromFNorms: [Double]
    public let fromHNorms: [Double]
    public let attackNorms: [Double]
    /// Whether f's own minimal adversary also changes h's label at its own norm (and vice versa).
    public let transferRateF: Double
    public let transferRateH: Double
    /// Labels of the attacked points under f and h.
    public let labelsF: [Int]
    public let labelsH: [Int]
    public let curve: TransferCurve
    /// The mean image norm ||g(z)|| of the attacked points (to read eta relative to the images).
    public let meanImageNorm: Double
}

/// Theorem 3 measured for one generator and two classifiers: the disagreement delta on generated
/// data with its confidence interval, the bound as a function of eta, and the fraction of
/// points where one perturbation of norm <= eta changes both labels (`TransferAttack`).
public struct TransferStudy: Sendable {
    public let generator: any DifferentiableMap
    public let pair: ClassifierPair
    public let modulus: Modulus
    public let settings: TransferSettings

    public init(generator: any DifferentiableMap, pair: ClassifierPair, modulus: Modulus = .identity, settings: TransferSettings) {
        precondition(generator.outputShape == pair.f.inputShape, "generator and classifiers on different image spaces")
        self.generator = generator
        self.pair = pair
        self.modulus = modulus
        self.settings = settings
    }

    public var attack: TransferAttack {
        TransferAttack(single: MinimalAdversary(deepFool: DeepFool(candidates: settings.candidates),
                                                refinement: MinimalNormRefinement(steps: settings.refinementSteps)),
                       jointDeepFool: JointDeepFool(candidates: settings.candidates),
                       jointRefinement: JointRefinement(steps: settings.refinementSteps))
    }

    public func run(progress: (String, Double) -> Void = { _, _ in }) throws -> TransferMeasurement {
        progress("disagreement and class measures", 0)
        let share = (1 - settings.confidence) / 3
        let disagreement = try Disagreement.estimate(generator: generator, pair: pair, trials: settings.measureSamples,
                                                     seed: settings.seed &+ 1, confidence: 1 - 2 * share)
        // Two-sided interval at 1 - 2 share: its upper end alone holds with 1 - share.
        let countsF = try ClassCounts(disagreement.countsF), countsH = try ClassCounts(disagreement.countsH)
        let largestF = try countsF.simultaneousIntervals(confidence: 1 - share).map(\.upperBound)
        let largestH = try countsH.simultaneousIntervals(confidence: 1 - share).map(\.upperBound)

        var sampler = LatentSampler(seed: settings.seed)
        let x = generator(sampler.latents(settings.samples, shape: generator.inputShape))
        let found = attack.attack(pair: pair, x: x) { stage in progress(stage, 0.2) }
        progress("curves", 0.95)

        let finite = (found.best.norms + found.ownF.norms + found.ownH.norms).filter(\.isFinite)
        let top = max(finite.max() ?? 1, 1e-12)
        let points = max(settings.gridPoints, 2)
        let eta = (1...points).map { top * Double($0) / Double(points) }
        let curve = try TransferCurve.make(eta: eta, delta: disagreement.upper,
                                       measuresF: try ClassMeasures(countsF.empiricalMeasures), largestF: largestF,
                                       measuresH: try ClassMeasures(countsH.empiricalMeasures), largestH: largestH,
                                       modulus: modulus, joint: found.best.norms, fromF: found.fromF.norms, fromH: found.fromH.norms,
                                       confidence: settings.confidence)
        func rate(_ flags: [Bool]) -> Double { Double(flags.filter { $0 }.count) / Double(max(flags.count, 1)) }
        progress("done", 1)
        return TransferMeasurement(settings: settings, disagreement: disagreement, delta: disagreement.upper,
                                   modulus: modulus.description,
                                   normsF: found.ownF.norms, normsH: found.ownH.norms, jointNorms: found.best.norms,
                                   fromFNorms: found.fromF.norms, fromHNorms: found.fromH.norms, attackNorms: found.joint.norms,
                                   transferRateF: rate(found.transfersF), transferRateH: rate(found.transfersH),
                                   labelsF: found.labelsF, labelsH: found.labelsH, curve: curve,
                                   meanImageNorm: sampleNorms(x).reduce(0, +) / Double(max(x.batch, 1)))
    }
}
