import CeilingBounds
import CeilingEngine

/// The stages of an estimate beyond one classifier: transfer between two classifiers
/// (Theorem 3), and the comparison with real images (error rate, Theorem 4).
extension CeilingEstimate {
    private func transferSettings() -> TransferSettings {
        var transfer = TransferSettings()
        transfer.samples = settings.transferSamples
        transfer.measureSamples = settings.measureSamples
        transfer.seed = settings.seed &+ 500
        transfer.confidence = settings.confidence
        transfer.refinementSteps = settings.refinementSteps
        return transfer
    }

    /// A pair's share `shard` of the disagreement samples and transfer points.
    func transferPoints(_ f: Subject, _ h: Subject, _ shard: Shard, progress: (String, Double) -> Void) -> TransferPoints {
        TransferStudy(generator: generator, pair: ClassifierPair(f.map, h.map), settings: transferSettings())
            .points(shard, chunks: settings.chunks, progress: progress)
    }

    /// Theorem 3 for a pair from its per-point values (`given`, or computed here for every point).
    func transfer(_ f: Subject, _ h: Subject, given: TransferPoints?, modulus: Modulus,
                  progress: (String, Double) -> Void) throws -> EstimateResults.TransferRecord {
        let points = given ?? transferPoints(f, h, .whole, progress: progress)
        let measured = try TransferStudy(generator: generator, pair: ClassifierPair(f.map, h.map), modulus: modulus, settings: transferSettings())
            .measurement(points)
        return EstimateResults.TransferRecord(first: f.name, second: h.name, measurement: measured)
    }

    /// How many of the labelled real images the classifier gets wrong, with the Clopper–Pearson
    /// interval of the error rate; nil without labels.
    func errorCount(_ classifier: any DifferentiableMap, _ data: RealData) throws -> EstimateResults.ProportionRecord? {
        guard let labels = data.labels, !labels.isEmpty else { return nil }
        var wrong = 0
        for start in stride(from: 0, to: labels.count, by: 256) {
            let rows = Array(start..<min(start + 256, labels.count))
            wrong += zip(classifier.labels(gather(data.images, rows)), rows).filter { $0 != labels[$1] }.count
        }
        return try EstimateResults.ProportionRecord(count: wrong, trials: labels.count, confidence: settings.confidence)
    }

    /// W1 between real and generated images, Theorem 4's bound on E_{x~mu} r_unc for each
    /// classifier (class measures from its generated points), and the mean r_unc measured on real
    /// images for comparison. Theorem 4 bounds an expectation, which a modulus failing with
    /// probability epsilon cannot do: the rigorous bound uses the certified Lipschitz constant, and
    /// a second, labelled estimate takes the sampled omega as if it held for every z.
    func wasserstein(_ data: RealData, sampled: SampledModulus, certified: Double,
                     classifiers records: [EstimateResults.ClassifierRecord]) throws -> EstimateResults.WassersteinRecord {
        let slack = try WassersteinEstimator(generator: generator, settings: WassersteinSettings(count: settings.wassersteinSamples, seed: settings.seed &+ 600))
            .estimate(realImages: data.images)
        var rng = SeededGenerator(seed: settings.seed &+ 601)
        var order = Array(0..<data.images.batch)
        order.shuffle(using: &rng)
        let x = gather(data.images, Array(order.prefix(settings.samples)))
        let attack = MinimalAdversary(refinement: MinimalNormRefinement(steps: settings.refinementSteps))
        var ceilings = [EstimateResults.WassersteinRecord.Ceiling]()
        for (subject, record) in zip(classifiers, records) {
            let measures = try ClassMeasures(try ClassCounts(record.classCounts).empiricalMeasures)
            let typical = try SampledModulus(radii: sampled.radii, omega: sampled.omega, epsilon: 0, confidence: sampled.confidence)
            // One class holding every generated point makes the argument infinite (no adversarial
            // examples at all); a sampled curve may also end before the argument.
            func ceiling(_ modulus: Modulus) throws -> ApproximateGeneratorCeiling? {
                do { return try slack.theoremFour(measures: measures, modulus: modulus) } catch BoundError.beyondModulusRange { return nil }
            }
            let argument = ApproximateGeneratorBound.latentArgument(measures)
            let usable = argument.isFinite
            let rigorous = usable ? try ceiling(try .lipschitz(certified)) : nil
            let estimate = usable ? try ceiling(.curve(typical)) : nil
            let note = !usable ? "every generated point falls in one class: the bound is infinite (vacuous)"
                : estimate == nil ? String(format: "Theorem 4's argument %.3g lies beyond the sampled modulus's last radius", argument) : nil
            // In chunks side by side, as the generated points are attacked: in one batch of all the
            // real images, the attacks' per-sample loops run on one core.
            let norms = concurrentChunks(of: 0..<x.batch, size: settings.chunks.points) { rows, _ in
                let part = x.samples(rows)
                return attack.attack(map: subject.map, x: part, labels: subject.map.labels(part)).norms
            }.flatMap { $0 }
            let finite = norms.allSatisfy { $0.isFinite }
            let interval = finite && norms.count >= 2 ? try MeanInterval(norms, confidence: settings.confidence) : nil
            let mean = finite ? interval?.mean ?? norms.reduce(0, +) / Double(max(norms.count, 1)) : nil
            ceilings.append(.init(classifier: subject.name, certified: rigorous, sampled: estimate, note: note, measuredMean: mean,
                                  measuredMeanInterval: interval, realPoints: x.batch))
        }
        return EstimateResults.WassersteinRecord(slack: slack, ceilings: ceilings)
    }
}
