import CeilingEngine

extension Certification {
    /// The check against a measurement's adversaries at the same points: the r_unc ones, or the
    /// r_in ones when r_unc was not measured (r_unc <= r_in, so a bound on r_unc is one on r_in
    /// too), and those norms. Nil when neither was measured.
    public func checked(against measurement: RobustnessMeasurement) -> (CertificationCheck?, adversaryNorms: [Double]?) {
        let norms = (measurement.measurement(.unconstrained) ?? measurement.measurement(.inDistribution))?.norms
        return (norms.map { CertificationCheck(self, adversaryNorms: $0) }, norms)
    }

    /// These points' bounds followed by `next`'s (the same bounds at the points that follow):
    /// the per-point radii joined, the setup time the larger, the time per point averaged.
    public func appending(_ next: Certification) -> Certification {
        let total = Double(max(labels.count + next.labels.count, 1))
        return Certification(labels: labels + next.labels, bounds: zip(bounds, next.bounds).map { a, b in
            CertifiedBoundResult(kind: a.kind, points: a.points.flatMap { p in b.points.map { p + $0 } }, reason: a.reason ?? b.reason,
                                 setupSeconds: max(a.setupSeconds, b.setupSeconds),
                                 secondsPerPoint: (a.secondsPerPoint * Double(labels.count) + b.secondsPerPoint * Double(next.labels.count)) / total)
        })
    }
}
