import CeilingEngine

extension CeilingEstimate {
    /// The certifier of `settings.certifiedBounds` for a classifier; nil when no bound is asked
    /// for or the classifier is not a graph.
    func certifier(_ subject: Subject) -> Certifier? {
        let kinds = settings.certifiedBounds ?? CertifiedBoundKind.defaults
        guard !kinds.isEmpty, let map = subject.map as? GraphMap else { return nil }
        return Certifier(graph: map.graph, logits: map.at, kinds: kinds, seed: settings.seed &+ 11)
    }

    /// The certified lower bounds of a classifier at its attacked points, checked against the
    /// adversaries found there, and each bound's time per point (for `stage_seconds`, which keeps
    /// timings out of the reproducible record). Nil when there is nothing to check against.
    func certifiedRecord(_ subject: Subject, _ certification: Certification,
                         _ measurement: RobustnessMeasurement) throws -> (record: EstimateResults.CertifiedRecord, seconds: [String: Double])? {
        let (check, norms) = certification.checked(against: measurement)
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
