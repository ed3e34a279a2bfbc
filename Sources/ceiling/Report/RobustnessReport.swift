import CeilingEngine
import CeilingJSON
import CeilingScience
import Foundation

/// The terminal table and the JSON of a robustness measurement.
struct RobustnessReport {
    let measurement: RobustnessMeasurement
    let percentiles: [Double]

    static func number(_ value: Double) -> String {
        value.isFinite ? String(format: "%.4g", value) : "censored"
    }

    static let names: [RobustnessNotion: String] = [
        .latent: "latent r_Z", .inDistribution: "in-distribution r_in", .unconstrained: "unconstrained r_unc",
        .projection: "projection f~ r_unc",
    ]

    /// The confidence of each level's interval, so that all levels hold together.
    var levelConfidence: Double { EstimateResults.perLevelConfidence(measurement.settings.confidence, levels: percentiles.count) }

    var text: String {
        let m = measurement
        var lines = ["Measured robustness (estimates from \(m.settings.samples) generated points, seed \(m.settings.seed); every adversary verified by a fresh forward pass)"]
        var header = ["notion"]
        for q in percentiles { header += ["\(Int(q * 100))%", "\(Int(q * 100))% normalised"] }
        header += ["censored"]
        let rows = m.measurements.map { notion -> [String] in
            var row = [Self.names[notion.notion]!]
            for q in percentiles {
                let interval = try? EmpiricalDistribution(notion.norms).interval(q, confidence: levelConfidence)
                let ends = interval.map { " [" + Self.number($0.lower) + ", " + ($0.upper.isFinite ? Self.number($0.upper) : "inf") + "]" } ?? ""
                row += [Self.number(notion.quantile(q)) + ends, Self.number(notion.quantile(q, normalised: true))]
            }
            return row + ["\(notion.censored) of \(notion.norms.count)"]
        }
        lines += TextTable(header: header, rows: rows).lines(indent: "  ")
        lines.append(String(format: "  [a, b]: %.4g%% order-statistic interval of the quantile of what the attacks find (the levels together at %.0f%%); its upper end also bounds the true robustness quantile from above",
                            levelConfidence * 100, m.settings.confidence * 100))
        lines.append(String(format: "  normalised by E||z|| = %.4g (exact) for r_Z and by E||g(z)|| = %.4g (mean over %d points) otherwise",
                            m.expectedLatentNorm, m.expectedImageNorm, m.settings.measureSamples))
        if !m.inDistributionMethods.isEmpty {
            lines.append("  r_in by method (median image distance, censored as +inf): " + m.inDistributionMethods.map {
                "\($0.name) \(Self.number(EmpiricalDistribution($0.norms).quantile(0.5)))"
            }.joined(separator: ", "))
        }
        if let before = m.selfCheckBefore, let after = m.selfCheckAfter {
            lines.append(String(format: "  r_Z self-check against Theorem 1 (DKW band %.3f at %.0f%%): ", after.band, m.settings.confidence * 100)
                         + (before.violated
                            ? String(format: "the first attack fell %.3f below the bound at t = %.3g; ", before.worstGap, before.worstRadius)
                                + (after.violated ? String(format: "after ball searches %.3f remains at t = %.3g (attack too weak there)", after.worstGap, after.worstRadius)
                                                  : "ball searches closed it")
                            : "consistent (largest gap \(String(format: "%.3f", max(0, before.worstGap))))"))
        }
        if let projection = m.projection {
            lines += Self.projectionLines(projection, inversion: m.settings.projection.inversion).map { "  " + $0 }
        }
        lines.append("  class counts of \(m.settings.measureSamples) generated points: " + m.classCounts.map(String.init).joined(separator: " "))
        return lines.joined(separator: "\n")
    }

    /// Reconstruction quality and the Theorem 2 check of the projection classifier.
    static func projectionLines(_ p: ProjectionMeasurement, inversion: InversionSettings) -> [String] {
        let errors = EmpiricalDistribution(p.robustness.reconstructionErrors)
        var lines = [String(format: "projection classifier f~ on the first %d points: inversion %d + %d steps, %d restart%@; reconstruction error ||g(z*) - x|| median %.2g, max %.2g",
                            p.robustness.count, inversion.steps, inversion.polishSteps, inversion.restarts, inversion.restarts == 1 ? "" : "s",
                            errors.quantile(0.5), p.robustness.reconstructionErrors.max() ?? 0)]
        lines += p.theoremTwo.notes
        if let ratio = p.theoremTwo.minimumRatio { lines.append(String(format: "smallest r_unc(f~) / r_in: %.3f (Theorem 2 needs >= 0.5)", ratio)) }
        for v in p.theoremTwo.violations {
            lines.append(String(format: "  point %d: r_unc(f~) %.4g < r_in / 2 = %.4g (%@; reconstruction errors %.2g at x, %.2g at the adversary)",
                                v.index, v.unconstrained, v.inDistribution / 2, v.cause.rawValue, v.reconstructionError, v.adversarialReconstructionError))
        }
        return lines
    }

    /// JSON with censored values as null.
    func json(models: [Model], certified: EstimateResults.CertifiedRecord? = nil) throws -> Data {
        var record = try RobustnessRecord(measurement, percentiles: percentiles, levelConfidence: levelConfidence, models: models)
        record.certified = certified
        return try JSONCoding.encoder().encode(record)
    }
}
