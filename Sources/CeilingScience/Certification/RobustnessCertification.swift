import CeilingEngine

extension Certifier {
    /// The bounds at a robustness measurement's generated points g(z), checked point by point
    /// against its adversaries: the r_unc ones, or the r_in ones when r_unc was not measured
    /// (r_unc <= r_in, so a bound on r_unc is one on r_in too). The check is nil when neither
    /// was measured.
    public func certify(_ measurement: RobustnessMeasurement, generator: any DifferentiableMap) -> (Certification, CertificationCheck?, adversaryNorms: [Double]?) {
        let certification = certify(generator(measurement.latents))
        let norms = (measurement.unconstrainedAdversary ?? measurement.inDistributionAdversary)?.norms
        return (certification, norms.map { CertificationCheck(certification, adversaryNorms: $0) }, norms)
    }
}
