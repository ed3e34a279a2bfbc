import CeilingBounds
import CeilingEngine
import Foundation

/// The whole estimate of DESIGN §1-4 for one generator and one or more classifiers: class
/// measures -> modulus -> bounds -> measured robustness (r_Z, r_in, r_unc, projection classifier)
/// -> transfer for each pair of classifiers -> Wasserstein slack when real images are given.
/// After each stage the partial results go to `checkpoint`, so an interrupted run leaves a
/// consistent record of what it finished.
public struct CeilingEstimate: Sendable {
    public struct Subject: Sendable {
        public let name: String
        public let map: any DifferentiableMap
        public init(name: String, map: any DifferentiableMap) {
            self.name = name
            self.map = map
        }
    }

    /// Real images in the generator's output space, with labels when known.
    public struct RealData: Sendable {
        public let images: Tensor
        public let labels: [Int]?
        public init(images: Tensor, labels: [Int]?) {
            self.images = images
            self.labels = labels
        }
    }

    public let generator: any DifferentiableMap
    public let generatorGraph: Graph
    public let classifiers: [Subject]
    public let settings: EstimateSettings
    public let realData: RealData?

    public init(generator: Graph, classifiers: [Subject], settings: EstimateSettings, realData: RealData? = nil) {
        self.generatorGraph = generator
        self.generator = GraphMap(generator)
        self.classifiers = classifiers
        self.settings = settings
        self.realData = realData
    }

    /// The estimate from its per-point values: `points` when given (the joined shards of a
    /// study, `EstimatePoints.appending`), otherwise each stage's points computed here over its
    /// whole range just before the stage's statistics. Either way every statistic comes from the
    /// per-point values alone, so merged shards give the numbers of one whole run.
    public func run(into results: inout EstimateResults, points given: EstimatePoints? = nil, progress: (String, Double) -> Void,
                    checkpoint: (EstimateResults) -> Void) throws {
        let d = generator.inputSize
        results.latentDimension = d
        results.expectedLatentNorm = try LatentGaussian.expectedNorm(dimension: d)

        let modulus = try timed("modulus", &results) {
            try estimateModulus((given?.modulus ?? modulusPoints(.whole) { progress("generator modulus omega", 0.3 * $0) }).samples,
                                progress: progress)
        }
        results.modulus = modulus.record
        checkpoint(results)

        results.kDependence = try KDependence.curve(classCounts: KDependence.logSpacedClassCounts(upTo: 10_000, perDecade: 4))
            .map { EstimateResults.KPoint(classes: $0.classes, medianOverSqrtD: $0.latentRadius) }

        let pairs = comparablePairs
        let skipped = classifierPairs.filter { p in !pairs.contains { $0 == p } }
        let stages = Double(classifiers.count + pairs.count + (realData == nil ? 0 : 1))
        for (index, subject) in classifiers.enumerated() {
            let share = 1 / stages
            let latentNorm = results.expectedLatentNorm
            let record = try timed("classifier \(subject.name)", &results) {
                try measure(subject, given: given?.classifiers[index], modulus: modulus, expectedLatentNorm: latentNorm) { name, fraction in
                    progress("\(subject.name): \(name)", 0.3 + 0.7 * share * (Double(index) + fraction))
                }
            }
            results.expectedImageNorm = record.imageNorm
            results.classifiers.append(record.record)
            results.stageSeconds.merge(record.certifiedSeconds) { $1 }
            checkpoint(results)
        }

        for (i, j) in skipped {
            let f = classifiers[i], h = classifiers[j]
            results.notes.append("transfer \(f.name) / \(h.name) skipped: \(f.map.outputSize) and \(h.map.outputSize) classes (Theorem 3 compares labels)")
        }
        for (done, (i, j)) in pairs.enumerated() {
            let f = classifiers[i], h = classifiers[j]
            let start = (Double(classifiers.count) + Double(done)) / stages
            let record = try timed("transfer \(f.name) / \(h.name)", &results) {
                try transfer(f, h, given: given?.transfer[done].points, modulus: .curve(modulus.estimate.curve)) { stage, fraction in
                    progress("transfer \(f.name) / \(h.name): \(stage)", 0.3 + 0.7 * (start + fraction / stages))
                }
            }
            results.transfer.append(record)
            checkpoint(results)
        }

        if let realData {
            progress("Wasserstein slack", 0.3 + 0.7 * (stages - 1) / stages)
            let records = results.classifiers
            results.wasserstein = try timed("Wasserstein slack", &results) {
                try wasserstein(realData, sampled: modulus.estimate.curve, certified: modulus.certified, classifiers: records)
            }
            checkpoint(results)
        }
    }

    /// The per-point values of shard `shard`: its share of the modulus anchors, of every
    /// classifier's class-measure samples and attacked points (with their certified bounds), and
    /// of every pair's disagreement samples and transfer points. No statistic is computed.
    public func points(_ shard: Shard, progress: (String, Double) -> Void) throws -> EstimatePoints {
        let stages = Double(1 + classifiers.count + comparablePairs.count)
        let modulus = try modulusPoints(shard) { progress("generator modulus omega", $0 / stages) }
        let measured = try classifiers.enumerated().map { index, subject in
            try classifierPoints(subject, robustnessSettings(), shard) { name, fraction in
                progress("\(subject.name): \(name)", (1 + Double(index) + fraction) / stages)
            }
        }
        let transfer = comparablePairs.enumerated().map { done, pair in
            let f = classifiers[pair.0], h = classifiers[pair.1]
            return EstimatePoints.Pair(first: f.name, second: h.name, points: transferPoints(f, h, shard) { stage, fraction in
                progress("transfer \(f.name) / \(h.name): \(stage)", (1 + Double(classifiers.count + done) + fraction) / stages)
            })
        }
        return EstimatePoints(modulus: modulus, classifiers: measured, transfer: transfer)
    }

    /// The number of points of every stage, in the order of `EstimatePoints.ranges`.
    public var stageSizes: [Int] {
        [settings.modulusAnchors] + classifiers.flatMap { _ in [settings.measureSamples, settings.samples] }
            + comparablePairs.flatMap { _ in [settings.measureSamples, settings.transferSamples] }
    }

    /// Every pair (i < j) of classifiers, and those with the same classes (Theorem 3 compares labels).
    var classifierPairs: [(Int, Int)] { classifiers.indices.flatMap { i in classifiers.indices.filter { $0 > i }.map { (i, $0) } } }
    var comparablePairs: [(Int, Int)] {
        classifierPairs.filter { classifiers[$0.0].map.outputSize == classifiers[$0.1].map.outputSize }
    }

    private func timed<T>(_ stage: String, _ results: inout EstimateResults, _ body: () throws -> T) rethrows -> T {
        let start = Date()
        let value = try body()
        results.stageSeconds[stage] = Date().timeIntervalSince(start)
        return value
    }

    struct ModulusOutcome {
        let estimate: EstimatedModulus
        let certified: Double
        let record: EstimateResults.ModulusRecord
    }

    private var modulusSettings: ModulusSettings {
        get throws {
            ModulusSettings(radii: try ModulusEstimator(graph: generatorGraph).defaultRadii(), anchors: settings.modulusAnchors,
                            ascentSteps: settings.modulusSteps, epsilon: settings.epsilon, confidence: settings.confidence, seed: settings.seed &+ 7)
        }
    }

    /// The local suprema at the modulus anchors of `shard`.
    private func modulusPoints(_ shard: Shard, progress: (Double) -> Void) throws -> ModulusPoints {
        try ModulusEstimator(graph: generatorGraph).points(try modulusSettings, shard: shard, chunk: settings.chunks.anchors, progress: progress)
    }

    /// omega_hat from the suprema of every anchor, with the certified Lipschitz bound and the
    /// anchor bootstrap.
    private func estimateModulus(_ samples: SupremumSamples, progress: (String, Double) -> Void) throws -> ModulusOutcome {
        let estimator = try ModulusEstimator(graph: generatorGraph)
        let modulusSettings = try modulusSettings
        let estimate = try EstimatedModulus(samples: samples, epsilon: modulusSettings.epsilon, confidence: modulusSettings.confidence,
                                            simultaneous: modulusSettings.simultaneous)
        progress("certified Lipschitz bound", 0.3)
        let certificate = try estimator.certify(seed: settings.seed &+ 8)
        let certified = estimator.certifiedLipschitz(certificate)
        let quantiles = { (p: Double) in estimate.radii.indices.map { estimate.quantile(p, at: $0) } }
        let spread = ModulusBootstrap(estimate, seed: settings.seed &+ 9)
        var record = EstimateResults.ModulusRecord(
            radii: estimate.radii, omega: estimate.omega, quantile50: quantiles(0.5), quantile90: quantiles(0.9),
            quantile99: quantiles(0.99), maximum: quantiles(1), randomOnlyMaximum: estimate.samples.randomOnly.map { $0.max() ?? 0 },
            epsilon: estimate.epsilon, requestedEpsilon: estimate.requestedEpsilon, confidence: estimate.confidence,
            anchors: estimate.samples.anchorCount, lipschitzSummary: estimate.lipschitzSummary, certifiedLipschitz: certified,
            layerNorms: Dictionary(certificate.factors.map { ($0.name, $0.norm) }, uniquingKeysWith: max))
        record.rank = estimate.rank
        record.bootstrapLower = spread.lower
        record.bootstrapUpper = spread.upper
        record.lipschitzSummaryRange = [spread.lipschitzSummaryRange.lowerBound, spread.lipschitzSummaryRange.upperBound]
        record.bootstrapReplicates = spread.replicates
        return ModulusOutcome(estimate: estimate, certified: certified, record: record)
    }

    func robustnessSettings() -> RobustnessSettings {
        var robustness = RobustnessSettings()
        robustness.samples = settings.samples
        robustness.measureSamples = settings.measureSamples
        robustness.seed = settings.seed
        robustness.confidence = settings.confidence
        robustness.refinementSteps = settings.refinementSteps
        robustness.inDistributionPasses = settings.inDistributionPasses
        if let projection = settings.projection {
            robustness.projection = projection
            robustness.notions.append(.projection)
        }
        return robustness
    }

    /// One classifier's share `shard` of the class-measure samples and attacked points, with the
    /// certified bounds at those points.
    func classifierPoints(_ subject: Subject, _ robustness: RobustnessSettings, _ shard: Shard,
                          progress: (String, Double) -> Void) throws -> EstimatePoints.Classifier {
        let (points, certification) = try RobustnessStudy(generator: generator, classifier: subject.map, settings: robustness)
            .points(shard, chunks: settings.chunks, certifier: certifier(subject), progress: progress)
        return EstimatePoints.Classifier(name: subject.name, robustness: points, certification: certification)
    }

    private func measure(_ subject: Subject, given: EstimatePoints.Classifier?, modulus: ModulusOutcome, expectedLatentNorm: Double,
                         progress: (String, Double) -> Void) throws -> (record: EstimateResults.ClassifierRecord, imageNorm: Double, certifiedSeconds: [String: Double]) {
        let (points, measurement, precision) = try given.map { points in
            (points, try RobustnessStudy(generator: generator, classifier: subject.map, settings: robustnessSettings())
                .measurement(points.robustness, adversaries: nil), nil)
        } ?? measureToPrecision(subject, robustnessSettings(), progress: progress)
        let counts = try ClassCounts(measurement.classCounts)
        let classes = RobustnessBound.ClassInformation.counts(counts, confidence: settings.confidence)
        let latentBound = try RobustnessBound(latentDimension: generator.inputSize, classes: classes)
        let imageBound = try RobustnessBound(latentDimension: generator.inputSize, classes: classes,
                                             modulus: .curve(modulus.estimate.curve), expectedImageNorm: measurement.expectedImageNorm)
        let certifiedBound = try RobustnessBound(latentDimension: generator.inputSize, classes: classes,
                                                 modulus: try .lipschitz(modulus.certified), expectedImageNorm: measurement.expectedImageNorm)
        let bounds = try settings.percentiles.map { q in
            EstimateResults.BoundRecord(level: q, latent: try latentBound.percentile(q).normalisedLatent,
                                        image: try imageBound.percentile(q).normalisedImage,
                                        imageCertified: try certifiedBound.percentile(q).normalisedImage)
        }
        // The bound's CDF on a grid of normalised radii, for the plots.
        let curve = (0...120).map { i -> EstimateResults.CurvePoint in
            let r = pow(10, -4 + Double(i) / 30)
            let image = imageBound.probability(eta: r * measurement.expectedImageNorm)
            return EstimateResults.CurvePoint(normalisedRadius: r, latent: latentBound.probability(latentRadius: r * expectedLatentNorm),
                                              image: image)
        }
        let optional = { (xs: [Double]) in xs.map { $0.isFinite ? Optional($0) : nil } }
        let levelConfidence = EstimateResults.perLevelConfidence(settings.confidence, levels: settings.percentiles.count)
        let notions = try measurement.measurements.map { m in
            EstimateResults.NotionRecord(
                notion: m.notion.rawValue, norms: optional(m.norms), normalised: optional(m.normalised), censored: m.censored,
                percentiles: Dictionary(uniqueKeysWithValues: settings.percentiles.map { q in
                    let v = m.quantile(q, normalised: true)
                    return (String(q), v.isFinite ? Optional(v) : nil)
                }),
                intervals: try settings.percentiles.map { q in
                    try EstimateResults.IntervalRecord(level: q, norms: m.norms, normaliser: m.normaliser, confidence: levelConfidence)
                })
        }
        let check = measurement.selfCheckAfter.map { after in
            EstimateResults.SelfCheckRecord(worstGapBefore: measurement.selfCheckBefore?.worstGap ?? after.worstGap,
                                            worstGapAfter: after.worstGap, atRadius: after.worstRadius, band: after.band, violated: after.violated)
        }
        let projection = measurement.projection.map { p in
            EstimateResults.ProjectionRecord(reconstructionErrors: p.robustness.reconstructionErrors, sources: p.robustness.sources,
                                             theoremTwo: p.theoremTwo)
        }
        let errors = try realData.flatMap { try errorCount(subject.map, $0) }
        var record = EstimateResults.ClassifierRecord(
            name: subject.name, classCounts: measurement.classCounts, measureSamples: settings.measureSamples,
            errorRate: errors.map(\.rate), errors: errors,
            bounds: bounds, boundCurve: curve, equation: imageBound.equation, notions: notions,
            inDistributionMethods: Dictionary(uniqueKeysWithValues: measurement.inDistributionMethods.map { ($0.name, optional($0.norms)) }),
            selfCheck: check, projection: projection, precision: precision)
        // Cheap (one backward pass per point) and independent of the split: computed with the statistics.
        progress("input gradients", 0.97)
        record.gradients = EstimateResults.GradientRecord(InputGradients(classifier: subject.map, at: generator(measurement.latents)),
                                                          normaliser: measurement.expectedImageNorm, levels: settings.percentiles)
        let certified = try points.certification.flatMap { try certifiedRecord(subject, $0, measurement) }
        record.certified = certified?.record
        return (record, measurement.expectedImageNorm, certified?.seconds ?? [:])
    }
}
