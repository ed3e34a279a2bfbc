import CeilingScience
import Foundation

/// The report's plots from results.json: bound CDF versus empirical CDFs per classifier, the
/// modulus with its quantile bands, the K-dependence of Figure 2. SVG always, PNG as well when
/// `rsvg-convert` is installed.
struct PlotWriter {
    let directory: URL
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

    /// Writes every plot; returns the file names written.
    func writeAll(_ results: EstimateResults) throws -> [String] {
        var written = [String]()
        for c in results.classifiers { written += try write(cdf(c, results), name: "cdf_\(c.name)") }
        if let m = results.modulus { written += try write(modulus(m), name: "modulus") }
        if !results.kDependence.isEmpty { written += try write(kDependence(results.kDependence), name: "k_dependence") }
        for t in results.transfer { written += try write(transfer(t), name: "transfer_\(t.first)_\(t.second)") }
        return written
    }

    /// Writes `name`.svg, and `name`.png when rsvg-convert is there; returns the names written.
    func write(_ chart: SVGChart, name: String) throws -> [String] {
        let svg = directory.appendingPathComponent("\(name).svg")
        try OutputFiles.write(Data(chart.render().utf8), to: svg.path)
        var names = ["\(name).svg"]
        if let converter = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first(where: FileManager.default.isExecutableFile) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: converter)
            process.arguments = ["-o", directory.appendingPathComponent("\(name).png").path, svg.path]
            try? process.run()
            process.waitUntilExit()
            if process.terminationStatus == 0 { names.append("\(name).png") }
        }
        return names
    }

    /// Empirical CDF as step points; censored samples keep it below 1.
    private func empirical(_ values: [Double?]) -> [(Double, Double)] {
        let finite = values.compactMap { $0 }.filter { $0 > 0 }.sorted()
        let n = Double(values.count)
        guard let first = finite.first else { return [] }
        return [(first, 0)] + finite.enumerated().map { ($1, Double($0 + 1) / n) }
    }

    /// The DKW band around a step CDF, as a staircase: with probability 1 - alpha the true CDF of
    /// what the attack finds lies within sqrt(log(2 / alpha) / (2 n)) of the empirical one at
    /// every radius at once.
    private func band(_ steps: [(Double, Double)], samples n: Int, confidence: Double) -> (lower: [(Double, Double)], upper: [(Double, Double)]) {
        let width = (log(2 / (1 - confidence)) / (2 * Double(max(n, 1)))).squareRoot()
        var stairs = [(Double, Double)]()
        for (i, p) in steps.enumerated() {
            if i > 0 { stairs.append((p.0, steps[i - 1].1)) }
            stairs.append(p)
        }
        return (stairs.map { ($0.0, max(0, $0.1 - width)) }, stairs.map { ($0.0, min(1, $0.1 + width)) })
    }

    func cdf(_ c: EstimateResults.ClassifierRecord, _ results: EstimateResults) -> SVGChart {
        var chart = SVGChart(title: "\(c.name): robustness versus the ceiling (normalised)", xLabel: "normalised robustness r / E||z|| (r_Z) or r / E||g(z)|| (r_in, r_unc), log scale",
                             yLabel: "P(robustness <= r)", logX: true)
        chart.yRange = (0, 1)
        let measured = (c.notions.flatMap { $0.normalised.compactMap { $0 } } + (c.certified?.best ?? [])).filter { $0 > 0 && $0.isFinite }
        let lowest = max((measured.min() ?? 1e-3) / 3, 1e-9), highest = (c.boundCurve.last?.normalisedRadius ?? 1)
        let curve = c.boundCurve.filter { $0.normalisedRadius >= lowest && $0.normalisedRadius <= highest }
        chart.series.append(.init(label: "bound, Z-space (Thm 1)", points: curve.map { ($0.normalisedRadius, $0.latent) }, color: Self.palette[0], dashed: true))
        chart.series.append(.init(label: "bound, image space", points: curve.compactMap { p in p.image.map { (p.normalisedRadius, $0) } }, color: Self.palette[1], dashed: true))
        let names = ["z": "measured r_Z", "in": "measured r_in", "unc": "measured r_unc", "projection": "projection classifier r_unc"]
        let colors = ["z": Self.palette[0], "in": Self.palette[1], "unc": Self.palette[2], "projection": Self.palette[3]]
        let confidence = results.settings.confidence
        for n in c.notions {
            let steps = empirical(n.normalised)
            // The projection classifier's few points would give a band over the whole chart; its
            // interval is in the table.
            if n.notion != "projection" {
                let (lower, upper) = band(steps, samples: n.normalised.count, confidence: confidence)
                chart.series.append(.init(label: String(format: "%.0f%% DKW band, n = %d", confidence * 100, n.normalised.count), points: lower,
                                          color: colors[n.notion] ?? "#000", upper: upper))
            }
            let label = (names[n.notion] ?? n.notion) + (n.notion == "projection" ? " (n = \(n.normalised.count))" : "")
            chart.series.append(.init(label: label, points: steps, color: colors[n.notion] ?? "#000", step: true))
        }
        // The lower side of the sandwich: below this curve's radius no perturbation changes the label.
        if let certified = c.certified {
            chart.series.append(.init(label: "certified lower bound, r_unc", points: empirical(certified.best.map { $0 }),
                                      color: Self.palette[4], step: true))
        }
        return chart
    }

    func modulus(_ m: EstimateResults.ModulusRecord) -> SVGChart {
        var chart = SVGChart(title: "Generator modulus of continuity omega(s)", xLabel: "latent radius s (log scale)",
                             yLabel: "||g(z + r) - g(z)||, ||r|| <= s (log scale)", logX: true, logY: true)
        let r = m.radii
        chart.series.append(.init(label: "50-90% of anchors", points: Array(zip(r, m.quantile50)), color: Self.palette[0], upper: Array(zip(r, m.quantile90))))
        chart.series.append(.init(label: "90-99% of anchors", points: Array(zip(r, m.quantile90)), color: Self.palette[4], upper: Array(zip(r, m.quantile99))))
        chart.series.append(.init(label: "max over anchors", points: Array(zip(r, m.maximum)), color: "#555"))
        chart.series.append(.init(label: "random directions only (max)", points: Array(zip(r, m.randomOnlyMaximum)), color: "#999", dashed: true))
        if let lower = m.bootstrapLower, let upper = m.bootstrapUpper {
            chart.series.append(.init(label: "omega_hat, resampled anchors", points: Array(zip(r, lower)), color: Self.palette[1],
                                      upper: Array(zip(r, upper))))
        }
        chart.series.append(.init(label: String(format: "omega_hat (eps %.2g)", m.epsilon), points: Array(zip(r, m.omega)), color: Self.palette[1]))
        chart.series.append(.init(label: String(format: "certified L s (L = %.3g)", m.certifiedLipschitz), points: r.map { ($0, m.certifiedLipschitz * $0) },
                                  color: Self.palette[3], dashed: true))
        return chart
    }

    /// Theorem 3's lower bound beside the measured fraction of points fooled by one perturbation.
    func transfer(_ t: EstimateResults.TransferRecord) -> SVGChart {
        let c = t.measurement.curve
        // A grid that runs on to where the bound rises spans decades: a log axis shows both ends.
        let wide = (c.eta.last ?? 0) > 20 * (c.eta.first ?? 0)
        var chart = SVGChart(title: "Transfer \(t.first) / \(t.second): one perturbation changing both labels",
                             xLabel: "perturbation norm eta (image space, L2\(wide ? ", log scale" : ""))", yLabel: "P(exists ||v|| <= eta fooling both)",
                             logX: wide)
        chart.yRange = (0, 1)
        let bound = zip(c.eta, c.bound).compactMap { eta, b in b.map { (eta, max(0, $0)) } }
        if !bound.isEmpty {
            chart.series.append(.init(label: "Theorem 3 lower bound", points: bound, color: Self.palette[1], dashed: true))
        }
        if let lower = c.empiricalLower, let upper = c.empiricalUpper, let confidence = c.confidence {
            chart.series.append(.init(label: String(format: "%.0f%% interval at each eta", confidence * 100), points: Array(zip(c.eta, lower)),
                                      color: Self.palette[0], upper: Array(zip(c.eta, upper))))
        }
        chart.series.append(.init(label: "measured, best of all", points: Array(zip(c.eta, c.empirical)), color: Self.palette[0], step: true))
        chart.series.append(.init(label: "\(t.first)'s adversary", points: Array(zip(c.eta, c.fromF)), color: Self.palette[2], step: true))
        chart.series.append(.init(label: "\(t.second)'s adversary", points: Array(zip(c.eta, c.fromH)), color: Self.palette[4], step: true))
        if bound.isEmpty {
            chart.subtitle = "Theorem 3 does not apply (p_i + delta <= 1/2 fails): measured curves only"
        } else if bound.allSatisfy({ $0.1 <= 0 }) {
            chart.subtitle = "Theorem 3's lower bound is 0 at every eta shown (it needs larger radii)"
        }
        return chart
    }

    func kDependence(_ points: [EstimateResults.KPoint]) -> SVGChart {
        var chart = SVGChart(title: "Bound on the median of r / sqrt(d) versus the number of classes K", xLabel: "K, equiprobable classes (log scale)",
                             yLabel: "median r_Z / sqrt(d) upper bound", logX: true)
        chart.series.append(.init(label: "Theorem 1, omega = id", points: points.map { (Double($0.classes), $0.medianOverSqrtD) }, color: Self.palette[0]))
        return chart
    }
}
