import CeilingScience

/// The estimate's lines from `ceiling gradients`: one per classifier, the loss-gradient norms at
/// its attacked points and the first-order robustness prediction beside the measured r_unc of
/// the same points, so a reader sees whether the linearised boundary explains the robustness.
enum GradientReport {
    static func lines(_ results: EstimateResults) -> [String] {
        let records = results.classifiers.compactMap { c in c.gradients.map { (c, $0) } }
        guard let first = records.first?.1 else { return [] }
        let levels = results.settings.percentiles
        let header = ["classifier", "median ||g||_1", "median ||g||_2", "first-order median"]
            + levels.flatMap { ["first-order \(percent($0))", "measured r_unc \(percent($0))"] }
        let rows = records.map { c, g in
            [c.name, fmt(g.medianL1, digits: 3), fmt(g.medianL2, digits: 3), EstimateReport.cell(g.medianFirstOrder)]
                + levels.flatMap { q in [EstimateReport.cell(g.firstOrderPercentiles[String(q)]), EstimateReport.cell(c.notions.first { $0.notion == "unc" }, level: q)] }
        }
        return ["Input gradients at the attacked points (cross-entropy at the predicted label, as `ceiling gradients`; d = \(first.dimension)):"]
            + TextTable(header: header, rows: rows).lines(indent: "  ")
            + ["  first-order: min over j != c of (f_c - f_j) / ||grad (f_c - f_j)||_2, the distance to the linearised boundary (an estimate),",
               "  normalised by E||g(z)|| like r_unc; gradient figures are empirical over the \(first.points) points (no interval).", ""]
    }
}
