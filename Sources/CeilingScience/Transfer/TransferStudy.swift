import CeilingBounds
import CeilingEngine
import Foundation

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
    public var refinementSteps = MinimalNormRefinement.standardSteps
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

    /// The whole measurement: every point, then what follows from all of them.
    public func run(progress: (String, Double) -> Void = { _, _ in }) throws -> TransferMeasurement {
        try measurement(points(measure: 0..<settings.measureSamples, attacked: 0..<settings.samples, progress: progress))
    }

    /// The per-point stage for disagreement samples `measure` and attacked points `attacked`,
    /// each point drawn from its own stream of the seed, computed in chunks as
    /// `RobustnessStudy.points` does, chunks side by side (nil: 256 disagreement samples, all
    /// attacked points together).
    public func points(measure: Range<Int>, attacked: Range<Int>, chunks: (measure: Int, points: Int)? = nil,
                       progress: (String, Double) -> Void = { _, _ in }) -> TransferPoints {
        progress("disagreement and class measures", 0)
        let (measureF, measureH) = Disagreement.labels(generator: generator, pair: pair, indices: measure, seed: settings.seed &+ 1,
                                                       batch: chunks?.measure ?? 256)
        var points = TransferPoints(measureRange: measure, attackedRange: attacked.lowerBound..<attacked.lowerBound,
                                    measureLabelsF: measureF, measureLabelsH: measureH, normsF: [], normsH: [], jointNorms: [],
                                    fromFNorms: [], fromHNorms: [], attackNorms: [], transfersF: [], transfersH: [], labelsF: [], labelsH: [],
                                    imageNorms: [])
        let parts = concurrentChunks(of: attacked, size: chunks?.points ?? attacked.count, progress: progress) { range, progress in
            let x = generator(LatentSampler.latents(range, shape: generator.inputShape, seed: settings.seed))
            return (range, x, attack.attack(pair: pair, x: x) { stage in progress(stage, 0) })
        }
        for (range, x, found) in parts {
            points = points.appending(TransferPoints(
                measureRange: measure.upperBound..<measure.upperBound, attackedRange: range, measureLabelsF: [], measureLabelsH: [],
                normsF: found.ownF.norms, normsH: found.ownH.norms, jointNorms: found.best.norms,
                fromFNorms: found.fromF.norms, fromHNorms: found.fromH.norms, attackNorms: found.joint.norms,
                transfersF: found.transfersF, transfersH: found.transfersH, labelsF: found.labelsF, labelsH: found.labelsH,
                imageNorms: sampleNorms(x)))
        }
        progress("done", 1)
        return points
    }

    /// Shard `shard` of the disagreement samples and attacked points, in `chunks` (shards split
    /// only between chunks, so any split gives the points of one whole run with the same chunks).
    public func points(_ shard: Shard, chunks: StageChunks, progress: (String, Double) -> Void = { _, _ in }) -> TransferPoints {
        points(measure: shard.range(settings.measureSamples, chunk: chunks.measure), attacked: shard.range(settings.samples, chunk: chunks.points),
               chunks: (chunks.measure, chunks.points), progress: progress)
    }

    /// The disagreement with its interval, the class-measure intervals and the bound's curve
    /// from all the points.
    public func measurement(_ points: TransferPoints) throws -> TransferMeasurement {
        let share = (1 - settings.confidence) / 3
        let disagreement = try Disagreement(labelsF: points.measureLabelsF, labelsH: points.measureLabelsH,
                                            classes: (pair.f.outputSize, pair.h.outputSize), confidence: 1 - 2 * share)
        // Two-sided interval at 1 - 2 share: its upper end alone holds with 1 - share.
        let countsF = try ClassCounts(disagreement.countsF), countsH = try ClassCounts(disagreement.countsH)
        let largestF = try countsF.simultaneousIntervals(confidence: 1 - share).map(\.upperBound)
        let largestH = try countsH.simultaneousIntervals(confidence: 1 - share).map(\.upperBound)

        let finite = (points.jointNorms + points.normsF + points.normsH).filter(\.isFinite)
        let top = max(finite.max() ?? 1, 1e-12)
        let eta = Self.etaGrid(top: top, points: max(settings.gridPoints, 2), delta: disagreement.upper,
                               largestMeasures: [largestF, largestH], modulus: modulus)
        let curve = try TransferCurve.make(eta: eta, delta: disagreement.upper,
                                       measuresF: try ClassMeasures(countsF.empiricalMeasures), largestF: largestF,
                                       measuresH: try ClassMeasures(countsH.empiricalMeasures), largestH: largestH,
                                       modulus: modulus, joint: points.jointNorms, fromF: points.fromFNorms, fromH: points.fromHNorms,
                                       confidence: settings.confidence)
        func rate(_ flags: [Bool]) -> Double { Double(flags.filter { $0 }.count) / Double(max(flags.count, 1)) }
        return TransferMeasurement(settings: settings, disagreement: disagreement, delta: disagreement.upper,
                                   modulus: modulus.description,
                                   normsF: points.normsF, normsH: points.normsH, jointNorms: points.jointNorms,
                                   fromFNorms: points.fromFNorms, fromHNorms: points.fromHNorms, attackNorms: points.attackNorms,
                                   transferRateF: rate(points.transfersF), transferRateH: rate(points.transfersH),
                                   labelsF: points.labelsF, labelsH: points.labelsH, curve: curve,
                                   meanImageNorm: points.imageNorms.reduce(0, +) / Double(max(points.imageNorms.count, 1)))
    }
}

extension TransferStudy {
    /// The eta grid: `points` even steps up to `top` (the largest norm the attacks found, where the
    /// measured curves change), then, where Theorem 3 applies but its bound is still 0 at `top`,
    /// `points` geometric steps on to the radius at which the bound reaches 90% of its supremum
    /// 1 - 2 delta - epsilon (or to where the modulus is known, if that comes first): with the
    /// sampled modulus of a real generator the bound becomes positive only at radii many times
    /// those of the adversaries, and the grid shows where.
    static func etaGrid(top: Double, points: Int, delta: Double, largestMeasures: [[Double]], modulus: Modulus) -> [Double] {
        let even = (1...points).map { top * Double($0) / Double(points) }
        let applies = largestMeasures.contains { (try? TransferBound.validate(delta: delta, largestMeasures: $0)) != nil }
        let deduction = 2 * delta + modulus.failureProbability
        guard applies, deduction < 1,
              IsoperimetricBound.balanced(latentRadius: modulus.inverse(top)) <= deduction,
              let radius = IsoperimetricBound.balancedRadius(reaching: 0.9 * (1 - deduction), deduction: deduction) else { return even }
        let end = modulus(min(radius, modulus.maxRadius))
        guard end.isFinite, end > top * 1.01 else { return even }
        return even + (1...points).map { top * pow(end / top, Double($0) / Double(points)) }
    }
}

/// The per-point values of a transfer measurement over a range of its points (see
/// `RobustnessPoints`): labels of the disagreement samples, and what the attacks found at each
/// attacked point (+infinity where censored).
public struct TransferPoints: ShardPoints, Equatable {
    public var measureRange: Range<Int>
    public var attackedRange: Range<Int>
    public var measureLabelsF: [Int]
    public var measureLabelsH: [Int]
    public var normsF: [Double]
    public var normsH: [Double]
    public var jointNorms: [Double]
    public var fromFNorms: [Double]
    public var fromHNorms: [Double]
    public var attackNorms: [Double]
    public var transfersF: [Bool]
    public var transfersH: [Bool]
    public var labelsF: [Int]
    public var labelsH: [Int]
    public var imageNorms: [Double]

    public var ranges: [(stage: String, range: Range<Int>)] { [("disagreement samples", measureRange), ("transfer points", attackedRange)] }

    /// These points followed by `next` (the ranges that follow these).
    public func appending(_ next: TransferPoints) -> TransferPoints {
        precondition(measureRange.upperBound == next.measureRange.lowerBound && attackedRange.upperBound == next.attackedRange.lowerBound)
        return TransferPoints(
            measureRange: measureRange.lowerBound..<next.measureRange.upperBound,
            attackedRange: attackedRange.lowerBound..<next.attackedRange.upperBound,
            measureLabelsF: measureLabelsF + next.measureLabelsF, measureLabelsH: measureLabelsH + next.measureLabelsH,
            normsF: normsF + next.normsF, normsH: normsH + next.normsH, jointNorms: jointNorms + next.jointNorms,
            fromFNorms: fromFNorms + next.fromFNorms, fromHNorms: fromHNorms + next.fromHNorms, attackNorms: attackNorms + next.attackNorms,
            transfersF: transfersF + next.transfersF, transfersH: transfersH + next.transfersH,
            labelsF: labelsF + next.labelsF, labelsH: labelsH + next.labelsH, imageNorms: imageNorms + next.imageNorms)
    }
}
