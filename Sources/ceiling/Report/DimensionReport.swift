import CeilingScience
import Foundation

/// The text of `ceiling dimension`: per width the mean loss-gradient norms with their bootstrap
/// intervals and the 10-90% spread over networks, then the fitted exponents of d beside the
/// predicted ones.
struct DimensionReport {
    let experiment: DimensionExperiment

    var lines: [String] {
        let s = experiment.settings
        var lines = ["Loss-gradient norms at He initialisation (cross-entropy at the predicted label), \(s.nets) networks per width, "
                     + "each on \(s.inputsPerNet) \(s.inputsPerNet == 1 ? "input" : "inputs") with i.i.d. Uniform(0, 1) pixels, seed \(s.seed); d = 3 w^2:"]
        let confidence = percent(s.confidence)
        let rows = experiment.series.flatMap { series in
            series.widths.indices.map { i -> [String] in
                let a = series.l1Fit.levels[i], b = series.l2Fit.levels[i]
                return [series.architecture.rawValue, series.downsampling.rawValue, "\(series.widths[i])", "\(series.dimensions[i])",
                        "\(fmt(a.mean, digits: 3)) [\(fmt(a.meanLower, digits: 3)), \(fmt(a.meanUpper, digits: 3))]",
                        "\(fmt(a.quantile10, digits: 3))-\(fmt(a.quantile90, digits: 3))",
                        "\(fmt(b.mean, digits: 3)) [\(fmt(b.meanLower, digits: 3)), \(fmt(b.meanUpper, digits: 3))]",
                        "\(fmt(b.quantile10, digits: 3))-\(fmt(b.quantile90, digits: 3))",
                        percent((series.support[i].reduce(0, +) / Double(series.support[i].count) * 1000).rounded() / 1000)]
            }
        }
        lines += TextTable(header: ["net", "pools", "width", "d", "mean ||g||_1 [\(confidence)]", "10-90% of nets",
                                    "mean ||g||_2 [\(confidence)]", "10-90% of nets", "pixels reached"], rows: rows).lines(indent: "  ")
        lines.append("")
        lines.append("Fitted exponent a of E||g|| ~ d^a (least squares on log mean against log d), \(confidence) bootstrap interval over networks (\(s.resamples) resamples):")
        let fits = experiment.series.flatMap { series in
            [("||g||_1", series.l1Fit, series.predictedL1), ("||g||_2", series.l2Fit, series.predictedL2)].map { norm, fit, predicted in
                [series.architecture.rawValue, series.downsampling.rawValue, norm, String(format: "%+.3f [%+.3f, %+.3f]", fit.exponent, fit.lower, fit.upper),
                 String(format: "%+.2f", predicted), fit.covers(predicted) ? "yes" : String(format: "no (off by %+.3f)", fit.exponent - predicted)]
            }
        }
        lines += TextTable(header: ["net", "pools", "norm", "exponent [\(confidence)]", "predicted", "interval covers it"], rows: fits).lines(indent: "  ")
        lines.append("  predicted: max pools / strided layers (Corollary 6) 1/2 for l1, 0 for l2; average pools (Theorem 7) 0 and -1/2.")
        lines.append("  pixels reached: the mean fraction of input coordinates where the gradient is not zero. The l1 law needs it near 1 (their symmetry")
        lines.append("  assumption S); where it falls like 1/d, ||g||_1 / ||g||_2 stops growing and the l1 exponent falls short while l2 holds.")
        lines.append("  The interval is the Monte Carlo error of the means over the drawn networks, not a test that the law is a power law.")
        return lines
    }
}
