import CeilingBounds

/// The terminal report of `ceiling bound`: what the bound rests on, its percentiles, the
/// closed-form corollaries, Theorems 3 and 4, and the bound against eta.
struct BoundReport {
    let summary: BoundSummary
    /// The classes were taken as equiprobable (no measures or counts given).
    let equiprobableMeasures: Bool
    /// A Wasserstein slack was given (Theorem 4 is then about image space, not E r_Z).
    let wassersteinGiven: Bool

    var lines: [String] {
        header + [""] + percentiles + corollaries + transfer + [""] + theoremFour + [""] + grid
    }

    private var bound: RobustnessBound { summary.bound }

    /// Numbers right-aligned, the equation column left-aligned.
    private func table(_ header: [String], _ rows: [[String]]) -> [String] {
        TextTable(header: header, rows: rows, alignments: header.map { $0 == "equation" ? .left : .right }).lines(indent: "  ")
    }

    private var header: [String] {
        var lines = ["Robustness ceiling: Theorem 1 of Fawzi, Fawzi & Fawzi (2018), valid for every classifier"]
        lines.append("  latent dimension d = \(bound.latentDimension), E||z||_2 = \(fmt(bound.expectedLatentNorm, digits: 6))")
        switch bound.classInformation {
        case .exact(let measures):
            if equiprobableMeasures {
                lines.append("  classes K = \(measures.count), equiprobable (p_i = \(fmt(1 / Double(measures.count))))")
            } else {
                let shown = list(Array(measures.values.prefix(20))) + (measures.count > 20 ? ", ..." : "")
                lines.append("  classes K = \(measures.count), measures p = \(shown)")
            }
        case .counts(let counts, let confidence):
            let shown = counts.counts.prefix(20).map(String.init).joined(separator: ", ") + (counts.count > 20 ? ", ..." : "")
            lines.append("  classes K = \(counts.count), counts n = \(shown) out of N = \(counts.total)")
            lines.append("  class measures known with confidence \(percent(confidence)): simultaneous Clopper–Pearson intervals (Bonferroni over K):")
            let intervals = bound.intervals ?? []
            for (i, interval) in intervals.enumerated().prefix(20) {
                lines.append("    p\(i + 1) in [\(fmt(interval.lowerBound)), \(fmt(interval.upperBound))]")
            }
            if intervals.count > 20 { lines.append("    ... (\(intervals.count - 20) more)") }
            lines.append("  the bound is a lower bound on the minimum of eq. (2) over these intervals with sum p_i = 1")
            lines.append("  (each term replaced by its chord over its interval, which only lowers it); Theorem 4 takes the upper ends")
        }
        lines.append("  modulus: \(bound.modulus)")
        if bound.epsilon > 0 { lines.append("  the modulus fails with probability epsilon = \(fmt(bound.epsilon)): every bound below is reduced by epsilon") }
        if let overall = summary.overallConfidence { lines.append("  everything below holds with confidence at least \(percent(overall))") }
        if let image = bound.expectedImageNorm { lines.append("  E||g(z)|| = \(fmt(image))") }
        return lines
    }

    private var percentiles: [String] {
        var lines = ["Percentiles: smallest eta with P(r <= eta) >= q (robustness of at least a fraction q of the data is at most eta)"]
        let point = summary.pointEstimatePercentiles
        var headers = ["q", "t", "eta = omega(t)", "t / E||z||"]
        if bound.expectedImageNorm != nil { headers.append("eta / E||g(z)||") }
        if point != nil { headers.append("eta at p = n/N") }
        headers.append("equation")
        let rows = summary.percentiles.indices.map { i -> [String] in
            let p = summary.percentiles[i]
            var row = [fmt(p.level), fmt(p.latentRadius), fmt(p.eta), fmt(p.normalisedLatent)]
            if bound.expectedImageNorm != nil { row.append(fmt(p.normalisedImage)) }
            if let point { row.append(fmt(point[i].eta)) }
            row.append(p.equation)
            return row
        }
        lines += table(headers, rows) + notes(summary.percentiles)
        if point != nil {
            lines.append("  (\"eta at p = n/N\" plugs in the point estimates: no confidence statement, for comparison only)")
        }
        return lines
    }

    /// "  - q = ...: note" for every percentile with a note.
    private func notes(_ percentiles: [BoundPercentile], prefix: String = "") -> [String] {
        percentiles.compactMap { p in p.note.map { "  - \(prefix)q = \(fmt(p.level)): \($0)" } }
    }

    private var corollaries: [String] {
        let balanced = summary.balanced, equiprobable = summary.equiprobable
        guard !balanced.isEmpty || !equiprobable.isEmpty else { return [] }
        var headers = ["q"]
        if !balanced.isEmpty { headers.append("t eq. (3)") }
        if !equiprobable.isEmpty { headers.append("t eq. (4)") }
        var notes: [String] = []
        let rows = summary.levels.indices.map { i -> [String] in
            var row = [fmt(summary.levels[i])]
            for (name, list) in [("eq. (3)", balanced), ("eq. (4)", equiprobable)] where !list.isEmpty {
                row.append(fmt(list[i].latentRadius))
                if let note = list[i].note { notes.append("  - \(name), q = \(fmt(summary.levels[i])): \(note)") }
            }
            return row
        }
        return ["", "Closed-form corollaries (looser than eq. (2); latent radius t at each level)"] + table(headers, rows) + notes
    }

    private var transfer: [String] {
        guard let transfer = summary.transfer, let delta = summary.transferDelta else { return [] }
        let rows = transfer.map { p in [fmt(p.level), fmt(p.latentRadius), fmt(p.eta), fmt(p.normalisedLatent)] }
        return ["", "Transfer (Theorem 3, delta = \(fmt(delta))): smallest eta at which one perturbation fools both classifiers for a fraction q"]
            + table(["q", "t", "eta = omega(t)", "t / E||z||"], rows) + notes(transfer)
    }

    private var theoremFour: [String] {
        let four = summary.theoremFour
        var lines = [
            "Expected robustness (Theorem 4): E r <= omega^(S) + delta, S = sum_i [phi(a_i) - a_i p_i] = \(fmt(four.argument)),",
            "  omega^ the least concave majorant of omega, delta = \(fmt(four.wassersteinSlack)) (Wasserstein slack)",
        ]
        if let value = four.value {
            lines.append("  bound: \(fmt(value))" + (bound.modulus.isIdentity && !wassersteinGiven ? " (latent robustness, E r_Z)" : ""))
        } else if let note = four.note {
            lines.append("  not available: \(note)")
        }
        return lines
    }

    private var grid: [String] {
        let grid = summary.grid, omega = bound.modulus
        var headers = ["eta", "t = omega^-1(eta)", "bound"]
        let showBalanced = grid.contains { $0.balanced != nil }
        let showEquiprobable = grid.contains { $0.equiprobable != nil }
        if showBalanced { headers.append("eq. (3)") }
        if showEquiprobable { headers.append("eq. (4)") }
        var lines = ["The bound against eta (P(r <= eta) >= bound)"]
        lines += table(headers, grid.map { row in
            var cells = [fmt(row.eta), fmt(row.t), fmt(row.bound)]
            if showBalanced { cells.append(fmt(row.balanced)) }
            if showEquiprobable { cells.append(fmt(row.equiprobable)) }
            return cells
        })
        if omega.maxRadius.isFinite {
            lines.append("  (the modulus is known up to s = \(fmt(omega.maxRadius)), eta = \(fmt(omega(omega.maxRadius))); the bound is not extended beyond)")
        }
        return lines
    }
}
