extension CeilingEstimate {
    /// The certified lower bounds (`settings.certifiedBounds`) of a classifier at its attacked
    /// points, checked against the adversaries found there, and each bound's time per point
    /// (for `stage_seconds`, which keeps timings out of the reproducible record). Nil when no
    /// bound is asked for or the classifier is not a graph.
    func certify(_ subject: Subject, _ measurement: RobustnessMeasurement) throws -> (record: EstimateResults.CertifiedRecord, seconds: [String: Double])? {
        let kinds = settings.certifiedBounds ?? CertifiedBoundKind.defaults
        guard !kinds.isEmpty, let map = subject.map as? GraphMap else { return nil }
        let certifier = Certifier(graph: map.graph, logits: map.at, kinds: kinds, seed: settings.seed &+ 11)
        let (certification, check, norms) = certifier.certify(measurement, generator: generator)
        guard let check, let norms else { return nil }
        let record = try EstimateResults.CertifiedRecord(
            certification, check: check, adversaryNorms: norms, normaliser: measurement.expectedImageNorm, levels: settings.percentiles,
            confidence: EstimateResults.perLevelConfidence(settings.confidence, levels: settings.percentiles.count))
        var seconds = [String: Double]()
        for result in certification.bounds where result.points != nil {
            seconds["certified \(subject.name): \(result.kind.rawValue) per point"] = result.secondsPerPoint
        }
        return (record, seconds)
    }
}
