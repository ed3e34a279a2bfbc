import CeilingBounds
import CeilingEngine
import Foundation

/// The robustness notions of Fawzi et al. (DESIGN §1).
public enum RobustnessNotion: String, Codable, CaseIterable, Sendable {
    case latent = "z"
    case inDistribution = "in"
    case unconstrained = "unc"
    /// r_unc of Theorem 2's projection classifier f~ (needs r_in, which it is checked against).
    case projection
}

/// Settings of a robustness measurement; every random draw follows from `seed`.
public struct RobustnessSettings: Codable, Sendable {
    public var samples = 64
    /// Generated points used to estimate the class measures (forward passes only).
    public var measureSamples = 2000
    public var seed: UInt64 = 0
    /// The projection classifier costs far more than the rest: measured only when asked for.
    public var notions: [RobustnessNotion] = [.latent, .inDistribution, .unconstrained]
    /// Confidence of the class-measure intervals and of the r_Z self-check band.
    public var confidence = 0.95
    /// Steps of the DDN-style refinement after DeepFool.
    public var refinementSteps = MinimalNormRefinement.standardSteps
    /// Consider only the top-k classes in DeepFool (nil: all).
    public var candidates: Int? = nil
    /// Metric-refinement passes of the r_in attack (nil: `InDistributionAttack.standardPasses`).
    public var inDistributionPasses: Int? = nil
    /// Rounds of extra effort (ball searches) when the r_Z self-check is violated.
    public var selfCheckRounds = 2
    /// The projection classifier's stage (only when `notions` has `.projection`).
    public var projection = ProjectionStageSettings.standard

    public init() {}
}

/// Per-notion measurements: one norm per sample (+infinity when censored) and its normalised form.
public struct NotionMeasurement: Codable, Sendable {
    public let notion: RobustnessNotion
    public let norms: [Double]
    /// norms / E||z|| for r_Z, / E||g(z)|| otherwise.
    public let normalised: [Double]
    public let censored: Int
    public let normaliser: Double

    public func quantile(_ q: Double, normalised useNormalised: Bool = false) -> Double {
        EmpiricalDistribution(useNormalised ? normalised : norms).quantile(q)
    }
}

/// Everything measured on one classifier under one generator.
public struct RobustnessMeasurement: Sendable {
    public let settings: RobustnessSettings
    public let latentDimension: Int
    public let expectedLatentNorm: Double
    /// The mean of ||g(z)|| over the measure samples.
    public let expectedImageNorm: Double
    /// Labels of the measure samples, counted per class.
    public let classCounts: [Int]
    public let labels: [Int]
    public let measurements: [NotionMeasurement]
    /// Median image distance per r_in method (what each contributes).
    public let inDistributionMethods: [(name: String, norms: [Double])]
    /// The r_Z self-check before and after the extra effort (nil when r_Z was not measured).
    public let selfCheckBefore: LatentBoundCheck?
    public let selfCheckAfter: LatentBoundCheck?
    /// Latent codes, and the latent / image perturbations of the adversaries, for later stages
    /// (the adversaries are nil where not measured, and after shards are merged: a shard record
    /// keeps per-point numbers, not perturbations).
    public let latents: Tensor
    public let latentAdversary: AttackResult?
    public let inDistributionAdversary: AttackResult?
    public let unconstrainedAdversary: AttackResult?
    /// r_unc of the projection classifier at the first `settings.projection.samples` points.
    public let projection: ProjectionMeasurement?

    public func measurement(_ notion: RobustnessNotion) -> NotionMeasurement? { measurements.first { $0.notion == notion } }
}

/// Runs the attacks of DESIGN §4 for one generator and one classifier.
public struct RobustnessStudy: Sendable {
    public let generator: any DifferentiableMap
    public let classifier: any DifferentiableMap
    public let settings: RobustnessSettings

    public init(generator: any DifferentiableMap, classifier: any DifferentiableMap, settings: RobustnessSettings) {
        self.generator = generator
        self.classifier = classifier
        self.settings = settings
    }

    /// Label and ||g(z)|| of the class-measure samples `indices` (sample i drawn from its own
    /// stream of `seed`), in batches.
    public static func classLabels(generator: any DifferentiableMap, classifier: any DifferentiableMap, indices: Range<Int>, seed: UInt64,
                                   batch: Int = 256) -> (labels: [Int], norms: [Double]) {
        var labels = [Int](), norms = [Double]()
        for first in stride(from: indices.lowerBound, to: indices.upperBound, by: batch) {
            let x = generator(LatentSampler.latents(first..<min(first + batch, indices.upperBound), shape: generator.inputShape, seed: seed))
            norms += sampleNorms(x)
            labels += classifier.labels(x)
        }
        return (labels, norms)
    }

    /// Labels counted per class.
    static func counts(_ labels: [Int], classes: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for label in labels { counts[label] += 1 }
        return counts
    }

    /// The mean, summed in index order (so joined shards give the same sum).
    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }

    /// The whole measurement: every point, then what follows from all of them.
    public func run(progress: (String, Double) -> Void = { _, _ in }) throws -> RobustnessMeasurement {
        let (points, adversaries) = try self.points(measure: 0..<settings.measureSamples, attacked: 0..<settings.samples, progress: progress)
        return try measurement(points, adversaries: adversaries)
    }

    /// The adversaries found at the attacked points (perturbations included), kept in memory only.
    public struct Adversaries: Sendable {
        public var latent: AttackResult?
        public var inDistribution: AttackResult?
        public var unconstrained: AttackResult?

        /// These adversaries followed by those of the points after them.
        func appending(_ next: Adversaries) -> Adversaries {
            func join(_ a: AttackResult?, _ b: AttackResult?) -> AttackResult? { a.map { a in b.map(a.appending) ?? a } ?? b }
            return Adversaries(latent: join(latent, next.latent), inDistribution: join(inDistribution, next.inDistribution),
                               unconstrained: join(unconstrained, next.unconstrained))
        }
    }

    /// The attacked points' latent codes: point i is the first draw of its own stream of the seed.
    public func latents(_ indices: some Sequence<Int>) -> Tensor {
        LatentSampler.latents(indices, shape: generator.inputShape, seed: settings.seed)
    }

    /// The per-point stage for class-measure samples `measure` and attacked points `attacked`:
    /// every attack at every point, `chunks.points` points at a time (nil: all together) and the
    /// class-measure samples `chunks.measure` at a time (nil: 256), each chunk starting at a
    /// multiple of its size so that a point's results depend on its own chunk alone; chunks run
    /// side by side, as many as the engine has threads. The projection classifier's search runs
    /// point by point, the points side by side (its query batches would otherwise mix the points
    /// of a chunk).
    public func points(measure: Range<Int>, attacked: Range<Int>, chunks: (measure: Int, points: Int)? = nil,
                       progress: (String, Double) -> Void = { _, _ in }) throws -> (RobustnessPoints, Adversaries) {
        progress("class measures", 0)
        let (measureLabels, measureNorms) = Self.classLabels(generator: generator, classifier: classifier, indices: measure, seed: settings.seed &+ 1,
                                                             batch: chunks?.measure ?? 256)
        let wants = Set(settings.notions)
        let attacksLatent = wants.contains(.latent) || wants.contains(.inDistribution) || wants.contains(.projection)
        let attacksInDistribution = wants.contains(.inDistribution) || wants.contains(.projection)
        let start = attacked.lowerBound..<attacked.lowerBound
        var points = RobustnessPoints(
            measureRange: measure, attackedRange: start, measureLabels: measureLabels, measureNorms: measureNorms, labels: [],
            latent: attacksLatent ? [] : nil, inDistribution: attacksInDistribution ? [] : nil, inDistributionMethods: [],
            unconstrained: wants.contains(.unconstrained) ? [] : nil, projection: nil)
        var adversaries = Adversaries()
        let parts = try concurrentChunks(of: attacked, size: chunks?.points ?? attacked.count, progress: progress) { range, progress in
            try attack(latents(range), at: range, after: measure.upperBound, progress: progress)
        }
        for (part, found) in parts {
            points = points.appending(part)
            adversaries = adversaries.appending(found)
        }
        progress("done", 1)
        return (points, adversaries)
    }

    /// The attacks at latent codes `z`, the study's points `range` (which name the projection
    /// search's streams; no class-measure samples: those end at `measureEnd`).
    func attack(_ z: Tensor, at range: Range<Int>, after measureEnd: Int = 0,
                progress: (String, Double) -> Void = { _, _ in }) throws -> (RobustnessPoints, Adversaries) {
        let x = generator(z)
        let labels = classifier.labels(x)
        let composed = ComposedMap(classifier, after: generator)
        let wants = Set(settings.notions)
        let needsInDistribution = wants.contains(.inDistribution) || wants.contains(.projection)

        var latent: AttackResult? = nil
        if wants.contains(.latent) || needsInDistribution {
            progress("latent robustness r_Z", 0.1)
            latent = attack.attack(map: composed, x: z, labels: labels)
        }

        var inDistribution: InDistributionAttack.Outcome? = nil
        if needsInDistribution, let latent {
            progress("in-distribution robustness r_in", 0.4)
            let passes = settings.inDistributionPasses ?? InDistributionAttack.standardPasses
            inDistribution = InDistributionAttack(refinementPasses: passes)
                .attack(generator: generator, classifier: classifier, z: z, labels: labels, latentAdversary: latent)
        }

        var unconstrained: AttackResult? = nil
        if wants.contains(.unconstrained) {
            progress("unconstrained robustness r_unc", 0.7)
            var result = attack.attack(map: classifier, x: x, labels: labels)
            // The r_in adversary g(z + r) - g(z) is an unconstrained adversary too: r_unc <= r_in.
            if let found = inDistribution?.result {
                let moved = shifted(generator(shifted(z, by: found.perturbations)), by: x, scale: -1)
                var candidate = attack.verify(map: classifier, x: x, labels: labels, perturbations: moved)
                for n in 0..<labels.count where !found.success[n] { candidate.success[n] = false; candidate.norms[n] = .infinity }
                result.keepBetter(candidate)
            }
            unconstrained = result
        }

        var projection: ProjectionRobustness? = nil
        if wants.contains(.projection), let found = inDistribution?.result {
            progress("projection classifier r_unc(f~)", 0.8)
            let stage = ProjectionStage(generator: generator, classifier: classifier, settings: settings.projection)
            let searched = range.filter { $0 < settings.projection.samples }
            let searches = try concurrentMap(searched.count) { row in
                var stream = SeededGenerator(seed: settings.seed &+ 300, index: searched[row])
                return try stage.search(z: z.samples(row..<(row + 1)), x: x.samples(row..<(row + 1)), inDistribution: found.rows([row]),
                                        unconstrained: unconstrained?.rows([row]), seed: stream.next())
            }
            projection = searches.dropFirst().reduce(searches.first) { $0?.appending($1) }
        }
        let points = RobustnessPoints(
            measureRange: measureEnd..<measureEnd, attackedRange: range, measureLabels: [], measureNorms: [], labels: labels,
            latent: latent?.norms, inDistribution: inDistribution?.result.norms,
            inDistributionMethods: (inDistribution?.methods ?? []).map { .init(name: $0.name, norms: $0.norms) },
            unconstrained: unconstrained?.norms, projection: projection)
        return (points, Adversaries(latent: latent, inDistribution: inDistribution?.result, unconstrained: unconstrained))
    }

    private var attack: MinimalAdversary {
        MinimalAdversary(deepFool: DeepFool(candidates: settings.candidates), refinement: MinimalNormRefinement(steps: settings.refinementSteps))
    }

    /// Everything that follows from all the points: class counts, the mean image norm, the r_Z
    /// self-check with its extra effort (ball searches at the points above the violating radius,
    /// which improve r_Z there and the latent adversaries when given), Theorem 2's check.
    /// `adversaries`, when given, belong to the same points (nil after shards are merged).
    public func measurement(_ points: RobustnessPoints, adversaries: Adversaries?) throws -> RobustnessMeasurement {
        let d = generator.inputSize
        let counts = Self.counts(points.measureLabels, classes: classifier.outputSize)
        let imageNorm = Self.mean(points.measureNorms)
        let latentNorm = try LatentGaussian.expectedNorm(dimension: d)
        let wants = Set(settings.notions)
        let z = latents(points.attackedRange)
        let labels = points.labels
        var latent = adversaries?.latent
        var latentNorms = points.latent
        var before: LatentBoundCheck? = nil, after: LatentBoundCheck? = nil
        if var norms = latentNorms {
            let bound = try RobustnessBound(latentDimension: d, classes: .counts(try ClassCounts(counts), confidence: settings.confidence))
            before = LatentBoundCheck(norms: norms, bound: bound, confidence: settings.confidence)
            var check = before!
            for round in 0..<settings.selfCheckRounds where check.violated {
                // Extra effort on the samples whose r_Z sits above the violating radii.
                let radius = check.violatingRadii.max()!
                let above = (0..<z.batch).filter { norms[$0] > radius }
                guard !above.isEmpty else { break }
                let found = BallSearch(restarts: 3 + 2 * round).search(
                    map: ComposedMap(classifier, after: generator), x: gather(z, above), labels: above.map { labels[$0] },
                    radius: Array(repeating: radius * 1.5, count: above.count), seed: settings.seed &+ 100 &+ UInt64(round))
                var expanded = AttackResult.empty(labels: labels, shape: z.sampleShape)
                for (j, n) in above.enumerated() where found.success[j] {
                    expanded.norms[n] = found.norms[j]
                    expanded.success[n] = true
                    expanded.adversarialLabels[n] = found.adversarialLabels[j]
                    for i in 0..<d { expanded.perturbations.data[n * d + i] = found.perturbations.data[j * d + i] }
                }
                latent?.keepBetter(expanded)
                for n in 0..<norms.count where expanded.success[n] && expanded.norms[n] < norms[n] { norms[n] = expanded.norms[n] }
                check = LatentBoundCheck(norms: norms, bound: bound, confidence: settings.confidence)
            }
            after = check
            latentNorms = norms
        }

        var projection: ProjectionMeasurement? = nil
        if let robustness = points.projection, let inDistribution = points.inDistribution {
            let check = try TheoremTwoCheck.check(robustness, inDistribution: Array(inDistribution.prefix(robustness.count)))
            projection = ProjectionMeasurement(robustness: robustness, theoremTwo: check)
        }

        var measurements = [NotionMeasurement]()
        func add(_ notion: RobustnessNotion, _ norms: [Double]?, _ normaliser: Double) {
            guard wants.contains(notion), let norms else { return }
            measurements.append(NotionMeasurement(notion: notion, norms: norms, normalised: norms.map { $0 / normaliser },
                                                  censored: norms.filter { !$0.isFinite }.count, normaliser: normaliser))
        }
        add(.latent, latentNorms, latentNorm)
        add(.inDistribution, points.inDistribution, imageNorm)
        add(.unconstrained, points.unconstrained, imageNorm)
        if let robustness = projection?.robustness {
            measurements.append(NotionMeasurement(notion: .projection, norms: robustness.norms, normalised: robustness.norms.map { $0 / imageNorm },
                                                  censored: robustness.censoredCount, normaliser: imageNorm))
        }
        return RobustnessMeasurement(settings: settings, latentDimension: d, expectedLatentNorm: latentNorm, expectedImageNorm: imageNorm,
                                     classCounts: counts, labels: labels, measurements: measurements,
                                     inDistributionMethods: points.inDistributionMethods.map { ($0.name, $0.norms) },
                                     selfCheckBefore: before, selfCheckAfter: after,
                                     latents: z, latentAdversary: latent, inDistributionAdversary: adversaries?.inDistribution,
                                     unconstrainedAdversary: adversaries?.unconstrained, projection: projection)
    }
}
