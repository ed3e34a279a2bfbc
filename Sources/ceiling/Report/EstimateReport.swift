import CeilingScience
import Foundation

/// The terminal report in the layout of Tables 1-2 of Fawzi et al.: rows are the robustness
/// notions, columns the upper bound and each classifier, cells the normalised percentile.
struct EstimateReport {
    let results: EstimateResults

    static func cell(_ value: Double??) -> String {
        guard let inner = value, let v = inner else { return "—" }
        return v.isFinite ? String(format: "%.3g", v) : "censored"
    }

    /// A measured percentile with its interval: "0.00143 [0.00091, 0.0021]"; an open upper end
    /// (among the censored points, or too few points) is "inf".
    static func cell(_ notion: EstimateResults.NotionRecord?, level q: Double) -> String {
        guard let notion else { return "—" }
        let estimate = cell(notion.percentiles[String(q)])
        guard let interval = notion.intervals?.first(where: { $0.level == q }) else { return estimate }
        return estimate + " [" + String(format: "%.3g", interval.lower) + ", " + (interval.upper.map { String(format: "%.3g", $0) } ?? "inf") + "]"
    }

    var text: String {
        let r = results
        var lines = r.settings.percentiles.flatMap(percentileTable)
        lines += modulusLines + classMeasureLines + GradientReport.lines(r) + checkLines
        lines += TransferSummary(records: r.transfer).lines
        if let w = r.wasserstein { lines += WassersteinSummary(record: w, imageNorm: r.expectedImageNorm).lines }
        for note in r.notes { lines.append("  note: \(note)") }
        return lines.joined(separator: "\n")
    }

    /// Table 1-2 at level q: the bound beside every classifier's measured percentile per notion.
    private func percentileTable(_ q: Double) -> [String] {
        let r = results
        let confidence = Int(r.settings.confidence * 100)
        var lines = [String]()
        lines.append("Robustness ceiling: the \(Int(q * 100))% percentile of normalised robustness (r_Z / E||z||; r_in, r_unc / E||g(z)||)")
        var header = ["", "upper bound"] + r.classifiers.map(\.name)
        header[1] = "upper bound (any classifier)"
        func bound(_ pick: (EstimateResults.BoundRecord) -> Double?) -> String {
            // The bound depends on each classifier's class measures: show the largest over them.
            let values = r.classifiers.compactMap { $0.bounds.first { $0.level == q }.flatMap(pick) }
            return values.isEmpty ? "not reached" : String(format: "%.3g", values.max()!)
        }
        func measured(_ notion: String) -> [String] {
            r.classifiers.map { c in Self.cell(c.notions.first { $0.notion == notion }, level: q) }
        }
        var rows = [[String]]()
        if r.classifiers.contains(where: { $0.errorRate != nil }) {
            rows.append(["error rate (labelled real data)", "-"] + r.classifiers.map { c in
                c.errors.map { String(format: "%.1f%% [%.1f%%, %.1f%%]", $0.rate * 100, $0.lower * 100, $0.upper * 100) }
                    ?? c.errorRate.map { String(format: "%.1f%%", $0 * 100) } ?? "—"
            })
        }
        rows.append(["robustness in Z-space r_Z", bound { $0.latent }] + measured("z"))
        rows.append(["in-distribution r_in", bound { $0.image }] + measured("in"))
        rows.append(["unconstrained r_unc", bound { $0.image }] + measured("unc"))
        if let row = CertifiedReport.estimateRow(r.classifiers, level: q) { rows.append(row) }
        if r.classifiers.contains(where: { $0.projection != nil }) {
            rows.append(["projection classifier r_unc", bound { $0.image }] + measured("projection"))
        }
        lines += TextTable(header: header, rows: rows).lines(indent: "  ")
        lines.append("  bound: Theorem 1, \(r.classifiers.first?.equation ?? "eq. (2)"), class measures at \(confidence)% confidence from \(r.settings.measureSamples) generated points;")
        lines.append("         r_Z row with omega = identity (no assumption on g); image rows with the sampled modulus (holds for z with prob. 1 - epsilon).")
        lines.append("  certified image bound (global Lipschitz constant, rigorous but loose): " +
                     r.classifiers.map { c in "\(c.name) " + Self.cell(c.bounds.first { $0.level == q }.map { $0.imageCertified }) }.joined(separator: ", "))
        lines += measuredLines(q)
        lines += CertifiedReport.estimateLines(r.classifiers, level: q)
        if let p = r.classifiers.compactMap(\.projection).first {
            lines.append("  projection classifier: its r_unc on the first \(p.reconstructionErrors.count) of those points (decision-based search; each query inverts g).")
        }
        if r.classifiers.contains(where: { $0.errorRate != nil }) {
            lines.append("  error rate: on \(r.realData?.images ?? 0) labelled real images, with its \(confidence)% Clopper–Pearson interval.")
        }
        lines.append("")
        return lines
    }

    /// What the measured cells and their intervals are statements about.
    private func measuredLines(_ q: Double) -> [String] {
        let r = results
        let levels = r.settings.percentiles.count
        let each = EstimateResults.perLevelConfidence(r.settings.confidence, levels: levels)
        let together = levels > 1 ? String(format: " (%.4g%% each, so that the %d levels hold together)", each * 100, levels) : ""
        var lines = [
            "  measured: the \(Int(q * 100))% percentile of the radii the attacks found on \(pointCounts) generated points per classifier, every adversary verified; censored points count as +inf.",
            "  [a, b]: \(Int(r.settings.confidence * 100))% order-statistic interval\(together) for the quantile of what the attacks find;",
            "          its upper end is also an upper confidence bound on the true robustness quantile (attacks only over-estimate distances).",
        ]
        for c in r.classifiers {
            guard let p = c.precision else { continue }
            lines.append("  --precision \(p.target): \(c.name) \(p.samples) points after \(p.rounds) round(s), largest relative half-width "
                         + (p.achieved.map { String(format: "%.3g", $0) } ?? "open") + "; \(p.reason)")
        }
        return lines
    }

    /// The attacked points per classifier ("256", or "256, 512, 256" when --precision chose them).
    private var pointCounts: String {
        let counts = results.classifiers.map { $0.notions.first { $0.notion == "z" }?.norms.count ?? results.settings.samples }
        return Set(counts).count <= 1 ? String(counts.first ?? results.settings.samples) : counts.map(String.init).joined(separator: ", ")
    }

    private var modulusLines: [String] {
        var lines = [String]()
        if let m = results.modulus {
            lines.append("Generator smoothness (estimate, \(m.anchors) anchors, epsilon \(String(format: "%.3g", m.epsilon)) at \(Int(m.confidence * 100))% confidence" +
                         (m.epsilon > m.requestedEpsilon ? "; requested epsilon \(m.requestedEpsilon) needs more anchors" : "") + "):")
            lines.append(String(format: "  sampled Lipschitz summary sup omega(s)/s = %.4g;  certified global Lipschitz bound = %.4g", m.lipschitzSummary, m.certifiedLipschitz))
            if let rank = m.rank, let range = m.lipschitzSummaryRange, let replicates = m.bootstrapReplicates {
                let which = rank == m.anchors ? "the largest of \(m.anchors) anchors" : "the \(rank)th smallest of \(m.anchors) anchors"
                lines.append("  omega_hat is \(which) at each radius; " + String(format: "over %d bootstrap resamples of the anchors the Lipschitz summary spans %.4g to %.4g (5-95%%, an estimate of the spread)",
                                                                                  replicates, range[0], range[1]))
            }
            let picks = [0, m.radii.count / 2, m.radii.count - 1]
            lines.append("  omega(s): " + picks.map { j in
                String(format: "s = %.3g -> %.4g", m.radii[j], m.omega[j])
                    + (m.bootstrapLower.flatMap { lower in m.bootstrapUpper.map { String(format: " [%.4g, %.4g]", lower[j], $0[j]) } } ?? "")
            }.joined(separator: ", ") + (m.bootstrapLower == nil ? "" : "  ([5%, 95%] over resampled anchors)"))
            lines.append("")
        }
        return lines
    }

    private var classMeasureLines: [String] {
        var lines = ["Class measures (counts of generated points per class):"]
        for c in results.classifiers {
            lines.append("  \(c.name): " + c.classCounts.map(String.init).joined(separator: " "))
        }
        return lines + [""]
    }

    /// The r_Z self-check against Theorem 1 and the Theorem 2 check of the projection classifier.
    private var checkLines: [String] {
        var lines = ["Checks:"]
        for c in results.classifiers {
            lines += CertifiedReport.checkLines(c)
            if let s = c.selfCheck {
                lines.append("  \(c.name): r_Z versus Theorem 1: " + (s.violated
                    ? String(format: "VIOLATED by %.3f at t = %.3g after extra effort (the attack misses adversaries there)", s.worstGapAfter, s.atRadius)
                    : String(format: "consistent (largest gap %.3f, noise band %.3f%@)", max(0, s.worstGapAfter), s.band,
                             s.worstGapBefore > s.band ? String(format: "; the first pass fell %.3f below, ball searches closed it", s.worstGapBefore) : "")))
            }
            if let p = c.projection {
                let errors = p.reconstructionErrors.sorted()
                lines.append("  \(c.name): " + p.theoremTwo.notes.joined(separator: " ")
                             + String(format: " Smallest r_unc(f~) / r_in %@; reconstruction error of f~'s inversion median %.2g, max %.2g.",
                                      p.theoremTwo.minimumRatio.map { String(format: "%.3f", $0) } ?? "-",
                                      errors.isEmpty ? 0 : errors[errors.count / 2], errors.last ?? 0))
            }
        }
        return lines
    }
}
