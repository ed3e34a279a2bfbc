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

    public func run(into results: inout EstimateResults, progress: (String, Double) -> Void,
                    checkpoint: (EstimateResults) -> Void) throws {
        let d = generator.inputSize
        results.latentDimension = d
        results.expectedLatentNorm = try LatentGaussian.expectedNorm(dimension: d)

        let modulus = try timed("modulus", &results) { try estimateModulus(progress: progress) }
        results.modulus = modulus.record
        checkpoint(results)

        results.kDependence = try KDependence.curve(classCounts: KDependence.logSpacedClassCounts(upTo: 10_000, perDecade: 4))
            .map { EstimateResults.KPoint(classes: $0.classes, medianOverSqrtD: $0.latentRadius) }

        let pairs = classifiers.indices.flatMap { i in classifiers.indices.filter { $0 > i }.map { (i, $0) } }
        let stages = Double(classifiers.count + pairs.count + (realData == nil ? 0 : 1))
        for (index, subject) in classifiers.enumerated() {
            let share = 1 / stages
            let latentNorm = results.expectedLatentNorm
            let record = try timed("classifier \(subject.name)", &results) {
                try measure(subject, modulus: modulus, expectedLatentNorm: latentNorm) { name, fraction in
                    progress("\(subject.name): \(name)", 0.3 + 0.7 * share * (Double(index) + fraction))
                }
            }
            results.expectedImageNorm = record.imageNorm
            results.classifiers.append(record.record)
            results.stageSeconds.merge(record.certifiedSeconds) { $1 }
            checkpoint(results)
        }

        for (done, (i, j)) in pairs.enumerated() {
            let f = classifiers[i], h = classifiers[j]
            guard f.map.outputSize == h.map.outputSize else {
                results.notes.append("transfer \(f.name) / \(h.name) skipped: \(f.map.outputSize) and \(h.map.outputSize) classes (Theorem 3 compares labels)")
                continue
            }
            let start = (Double(classifiers.count) + Double(done)) / stages
            let record = try timed("transfer \(f.name) / \(h.name)", &results) {
                try transfer(f, h, modulus: .curve(modulus.estimate.curve)) { stage, fraction in
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

    private func estimateModulus(progress: (String, Double) -> Void) throws -> ModulusOutcome {
        let estimator = try ModulusEstimator(graph: generatorGraph)
        let modulusSettings = ModulusSettings(radii: try estimator.defaultRadii(), anchors: settings.modulusAnchors,
                                              ascentSteps: settings.modulusSteps, epsilon: settings.epsilon,
                                              confidence: settings.confidence, seed: settings.seed &+ 7)
        let estimate = try estimator.estimate(modulusSettings) { progress("generator modulus omega", 0.3 * $0) }
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

    private func measure(_ subject: Subject, modulus: ModulusOutcome, expectedLatentNorm: Double,
                         progress: (String, Double) -> Void) throws -> (record: EstimateResults.ClassifierRecord, imageNorm: Double, certifiedSeconds: [String: Double]) {
        var robustness = RobustnessSettings()
        robustness.samples = settings.samples
        robustness.measureSamples = settings.measureSamples
        robustness.seed = settings.seed
        robustness.confidence = settings.confidence
        robustness.refinementSteps = settings.refinementSteps
        if let projection = settings.projection {
            robustness.projection = projection
            robustness.notions.append(.projection)
        }
        let (measurement, precision) = try measureToPrecision(subject, robustness, progress: progress)
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
        progress("input gradients", 0.94)
        record.gradients = EstimateResults.GradientRecord(InputGradients(classifier: subject.map, at: generator(measurement.latents)),
                                                          normaliser: measurement.expectedImageNorm, levels: settings.percentiles)
        progress("certified lower bounds", 0.95)
        let certified = try certify(subject, measurement)
        record.certified = certified?.record
        return (record, measurement.expectedImageNorm, certified?.seconds ?? [:])
    }
}
