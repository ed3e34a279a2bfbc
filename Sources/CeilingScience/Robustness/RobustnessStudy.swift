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
    public var refinementSteps = 100
    /// Consider only the top-k classes in DeepFool (nil: all).
    public var candidates: Int? = nil
    /// Rounds of extra effort (ball searches) when the r_Z self-check is violated.
    public var selfCheckRounds = 2
    /// The projection classifier's stage (only when `notions` has `.projection`).
    public var projection = ProjectionStageSettings()

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
    /// Latent codes, and the latent / image perturbations of the adversaries, for later stages.
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

    /// Labels of `count` generated points, in batches; also returns the mean image norm.
    public static func classCounts(generator: any DifferentiableMap, classifier: any DifferentiableMap, count: Int, seed: UInt64,
                                   batch: Int = 256) -> (counts: [Int], meanImageNorm: Double) {
        var sampler = LatentSampler(seed: seed)
        var counts = [Int](repeating: 0, count: classifier.outputSize)
        var normSum = 0.0
        var done = 0
        while done < count {
            let n = min(batch, count - done)
            let x = generator(sampler.latents(n, shape: generator.inputShape))
            normSum += sampleNorms(x).reduce(0, +)
            for label in classifier.labels(x) { counts[label] += 1 }
            done += n
        }
        return (counts, normSum / Double(count))
    }

    public func run(progress: (String, Double) -> Void = { _, _ in }) throws -> RobustnessMeasurement {
        let d = generator.inputSize
        progress("class measures", 0)
        let (counts, imageNorm) = Self.classCounts(generator: generator, classifier: classifier,
                                                   count: settings.measureSamples, seed: settings.seed &+ 1)
        var sampler = LatentSampler(seed: settings.seed)
        let z = sampler.latents(settings.samples, shape: generator.inputShape)
        let x = generator(z)
        let labels = classifier.labels(x)
        let composed = ComposedMap(classifier, after: generator)
        let attack = MinimalAdversary(deepFool: DeepFool(candidates: settings.candidates),
                                      refinement: MinimalNormRefinement(steps: settings.refinementSteps))
        let latentNorm = try LatentGaussian.expectedNorm(dimension: d)
        let wants = Set(settings.notions)
        let needsInDistribution = wants.contains(.inDistribution) || wants.contains(.projection)

        var latent: AttackResult? = nil
        var before: LatentBoundCheck? = nil, after: LatentBoundCheck? = nil
        if wants.contains(.latent) || needsInDistribution {
            progress("latent robustness r_Z", 0.1)
            var result = attack.attack(map: composed, x: z, labels: labels)
            let bound = try RobustnessBound(latentDimension: d, classes: .counts(try ClassCounts(counts), confidence: settings.confidence))
            before = LatentBoundCheck(norms: result.norms, bound: bound, confidence: settings.confidence)
            var check = before!
            for round in 0..<settings.selfCheckRounds where check.violated {
                // Extra effort on the samples whose r_Z sits above the violating radii.
                let radius = check.violatingRadii.max()!
                let above = (0..<z.batch).filter { result.norms[$0] > radius }
                guard !above.isEmpty else { break }
                progress("r_Z self-check: ball search at t = \(String(format: "%.3g", radius))", 0.2)
                let found = BallSearch(restarts: 3 + 2 * round).search(
                    map: composed, x: gather(z, above), labels: above.map { labels[$0] },
                    radius: Array(repeating: radius * 1.5, count: above.count), seed: settings.seed &+ 100 &+ UInt64(round))
                var expanded = AttackResult.empty(labels: labels, shape: z.sampleShape)
                for (j, n) in above.enumerated() where found.success[j] {
                    expanded.norms[n] = found.norms[j]
                    expanded.success[n] = true
                    expanded.adversarialLabels[n] = found.adversarialLabels[j]
                    for i in 0..<d { expanded.perturbations.data[n * d + i] = found.perturbations.data[j * d + i] }
                }
                result.keepBetter(expanded)
                check = LatentBoundCheck(norms: result.norms, bound: bound, confidence: settings.confidence)
            }
            after = check
            latent = result
        }

        var inDistribution: InDistributionAttack.Outcome? = nil
        if needsInDistribution, let latent {
            progress("in-distribution robustness r_in", 0.4)
            inDistribution = InDistributionAttack().attack(generator: generator, classifier: classifier, z: z, labels: labels, latentAdversary: latent)
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

        var projection: ProjectionMeasurement? = nil
        if wants.contains(.projection), let found = inDistribution?.result {
            progress("projection classifier r_unc(f~)", 0.8)
            projection = try ProjectionStage(generator: generator, classifier: classifier, settings: settings.projection)
                .run(z: z, x: x, inDistribution: found, unconstrained: unconstrained, seed: settings.seed &+ 300)
        }
        progress("done", 1)

        var measurements = [NotionMeasurement]()
        func add(_ notion: RobustnessNotion, _ result: AttackResult?, _ normaliser: Double) {
            guard wants.contains(notion), let result else { return }
            measurements.append(NotionMeasurement(notion: notion, norms: result.norms, normalised: result.norms.map { $0 / normaliser },
                                                  censored: result.censoredCount, normaliser: normaliser))
        }
        add(.latent, latent, latentNorm)
        add(.inDistribution, inDistribution?.result, imageNorm)
        add(.unconstrained, unconstrained, imageNorm)
        if let robustness = projection?.robustness {
            measurements.append(NotionMeasurement(notion: .projection, norms: robustness.norms, normalised: robustness.norms.map { $0 / imageNorm },
                                                  censored: robustness.censoredCount, normaliser: imageNorm))
        }
        return RobustnessMeasurement(settings: settings, latentDimension: d, expectedLatentNorm: latentNorm, expectedImageNorm: imageNorm,
                                     classCounts: counts, labels: labels, measurements: measurements,
                                     inDistributionMethods: inDistribution?.methods ?? [], selfCheckBefore: before, selfCheckAfter: after,
                                     latents: z, latentAdversary: latent, inDistributionAdversary: inDistribution?.result,
                                     unconstrainedAdversary: unconstrained, projection: projection)
    }
}
