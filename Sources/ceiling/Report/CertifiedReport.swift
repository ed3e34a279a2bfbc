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
        let rows = certification.bounds.map { result -> [String] in
            let name = result.kind.title + (result.kind.isSound ? "" : " (not a proof)")
            guard let radii = result.radii else {
                return [name] + levels.map { _ in "n/a" } + ["", "", "cannot be computed: \(result.reason ?? "")"]
            }
            let distribution = EmpiricalDistribution(radii.map { $0 / normaliser })
            let violations = check?.violations(result.kind).map { "\($0) of \(check!.checkedPoints)" } ?? "not checked"
            return [name] + levels.map { fmt(distribution.quantile($0)) }
                + [duration(result.secondsPerPoint), duration(result.setupSeconds), violations]
        }
        var lines = TextTable(header: header, rows: rows).lines(indent: indent)
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
