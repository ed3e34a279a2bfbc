import CeilingScience
import Foundation

/// The certified lower bounds of one classifier as text: per bound its percentiles, its cost
/// and the per-point check against the adversaries found, or why it cannot be computed.
/// Violations of a sound bound are printed loudly: each one is a bug in the bound or the attack.
enum CertifiedReport {
    /// `normaliser` divides every radius (E||g(z)|| in the estimate; 1 for raw image units).
    static func lines(_ certification: Certification, check: CertificationCheck?, normaliser: Double = 1,
                      levels: [Double], indent: String = "  ") -> [String] {
        let header = ["certified bound"] + levels.map { "\(percent($0)) (certified)" } + ["per point", "setup", "bound > adversary"]
        // Reasons are sentences: they follow the table, numbered, so its columns stay narrow.
        var reasons = [String]()
        let rows = certification.bounds.map { result -> [String] in
            let name = result.kind.title + (result.kind.isSound ? "" : " (not a proof)")
            guard let radii = result.radii else {
                reasons.append("(\(reasons.count + 1)) \(result.kind.title): \(result.reason ?? "no reason given")")
                return [name] + levels.map { _ in "n/a" } + ["", "", "cannot be computed (\(reasons.count))"]
            }
            let distribution = EmpiricalDistribution(radii.map { $0 / normaliser })
            let violations = check?.violations(result.kind).map { "\($0) of \(check!.checkedPoints)" } ?? "not checked"
            return [name] + levels.map { fmt(distribution.quantile($0)) }
                + [duration(result.secondsPerPoint), duration(result.setupSeconds), violations]
        }
        var lines = TextTable(header: header, rows: rows).lines(indent: indent) + reasons.map { indent + $0 }
        if certification.hasSoundBound {
            let best = EmpiricalDistribution(certification.best.map { $0 / normaliser })
            lines.append(indent + "best sound bound per point: " + levels.map { "\(percent($0)) \(fmt(best.quantile($0)))" }.joined(separator: ", ")
                         + " (certified: no perturbation below it changes the label)")
        }
        for entry in check?.bounds ?? [] where !entry.points.isEmpty {
            let ratio = entry.worstRatio.map { String(format: "%.3g", $0) } ?? "?"
            let shown = entry.points.prefix(10).map(String.init).joined(separator: ", ") + (entry.points.count > 10 ? ", ..." : "")
            if entry.kind.isSound {
                lines.append(indent + "VIOLATION: the \(entry.kind.title) bound exceeds the adversary found at \(entry.points.count) of \(check!.checkedPoints) points (worst bound / adversary = \(ratio); points \(shown)): a bug in the bound or in the attack")
            } else {
                lines.append(indent + "finding: \(entry.kind.title) exceeds the adversary found at \(entry.points.count) of \(check!.checkedPoints) points (worst bound / adversary = \(ratio)): its convolution step divides by ||W||_F, which is not a convolution's operator norm, and its fully connected step uses the Jacobian at x alone")
            }
        }
        return lines
    }

    /// Seconds as ms below one second.
    static func duration(_ seconds: Double) -> String {
        seconds < 1 ? String(format: "%.3g ms", seconds * 1000) : String(format: "%.3g s", seconds)
    }
}

extension CertifiedReport {
    /// `ceiling robustness`: the bounds at the measured points in image units, and the sandwich.
    static func lines(_ certification: Certification, check: CertificationCheck?, adversaryNorms: [Double]?,
                      measurement: RobustnessMeasurement, levels: [Double]) throws -> [String] {
        var lines = ["", "Certified lower bounds on r_unc at the same \(certification.labels.count) points (image units):"]
        lines += Self.lines(certification, check: check, levels: levels)
        if let check, let adversaryNorms {
            let confidence = EstimateResults.perLevelConfidence(measurement.settings.confidence, levels: levels.count)
            let record = try EstimateResults.CertifiedRecord(certification, check: check, adversaryNorms: adversaryNorms,
                                                             normaliser: 1, levels: levels, confidence: confidence)
            lines += sandwichLines(record)
        }
        return lines
    }

    /// DESIGN §7's two-sided statement per level: certified order statistic <= true quantile
    /// <= the attacks' order statistic.
    static func sandwichLines(_ record: EstimateResults.CertifiedRecord, name: String? = nil, indent: String = "  ") -> [String] {
        record.sandwich.map { i in
            indent + (name.map { "\($0): " } ?? "") + "true r_unc \(percent(i.level)) quantile in [\(fmt(i.lower)), \(i.upper.map { fmt($0) } ?? "inf")]"
                + " at \(fmt(i.confidence * 100))% (lower end: the best certified bound of rank \(i.lowerRank.map(String.init) ?? "-"), upper end: the adversary norm of rank \(i.upperRank.map(String.init) ?? "-"))"
        }
    }

    /// The estimate's table row: the best certified bound's percentile with its interval.
    static func estimateRow(_ classifiers: [EstimateResults.ClassifierRecord], level q: Double) -> [String]? {
        guard classifiers.contains(where: { $0.certified != nil }) else { return nil }
        return ["certified lower bound on r_unc", "-"] + classifiers.map { c in
            guard let record = c.certified, let value = record.percentiles[String(q)] else { return "—" }
            guard let interval = record.intervals.first(where: { $0.level == q }) else { return String(format: "%.3g", value) }
            return String(format: "%.3g [%.3g, ", value, interval.lower) + (interval.upper.map { String(format: "%.3g]", $0) } ?? "inf]")
        }
    }

    /// What the certified row means, the sandwich per classifier and each bound's percentile.
    static func estimateLines(_ classifiers: [EstimateResults.ClassifierRecord], level q: Double) -> [String] {
        let certified = classifiers.filter { $0.certified != nil }
        guard !certified.isEmpty else { return [] }
        var lines = ["  certified: the best sound lower bound per point (no smaller perturbation changes the label), its percentile and order-statistic interval; per bound:"]
        for c in certified {
            let bounds = c.certified!.bounds.map { b in
                "\(b.kind.rawValue) " + (b.percentiles?[String(q)].map { fmt($0, digits: 3) } ?? "n/a")
            }
            lines.append("    \(c.name): " + bounds.joined(separator: ", "))
        }
        lines += certified.flatMap { c in sandwichLines(c.certified!, name: c.name, indent: "  sandwich ").filter { $0.contains("\(percent(q)) quantile") } }
        return lines
    }

    /// The per-point check in the estimate's checks: loud on any violation of a sound bound.
    static func checkLines(_ c: EstimateResults.ClassifierRecord) -> [String] {
        guard let record = c.certified else { return [] }
        var lines = [String]()
        if record.soundViolations == 0 {
            lines.append("  \(c.name): every certified bound <= the adversary found, at each of the \(record.checkedPoints) points with one (no violation)")
        }
        for b in record.bounds {
            guard let points = b.violations, !points.isEmpty else { continue }
            let ratio = b.worstRatio.map { String(format: "%.3g", $0) } ?? "?"
            lines.append(b.sound
                ? "  \(c.name): VIOLATION: \(b.kind.title) exceeds the adversary found at \(points.count) of \(record.checkedPoints) points (worst ratio \(ratio)): a bug in the bound or in the attack"
                : "  \(c.name): finding: \(b.kind.title) exceeds the adversary found at \(points.count) of \(record.checkedPoints) points (worst ratio \(ratio)); it is not a proof")
        }
        return lines
    }
}
