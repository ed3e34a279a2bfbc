import CeilingEngine
import CeilingScience
import Foundation

/// The terminal report of `ceiling modulus`.
struct ModulusReport {
    let model: Model
    let estimator: ModulusEstimator
    let settings: ModulusSettings
    let estimate: EstimatedModulus
    let certificate: LipschitzCertificate?
    let certificateProblem: String?
    let sampledSeconds: Double
    let certifySeconds: Double

    var text: String {
        let c = estimator.coordinates
        let n = settings.anchors, radii = estimate.radii
        var lines = [String]()
        lines.append("modulus of continuity of \(model.path)")
        lines.append("  latent dimension \(estimator.latentDimension), prior N(\(fmt(c.mean)), \(fmt(c.std))^2); radii s in standardised latent units")
        lines.append("  \(n) anchors x \(settings.directions) random directions, \(settings.ascentStarts) ascent chain(s) x \(settings.ascentSteps) steps, seed \(settings.seed)")
        lines.append("  epsilon \(fmt(settings.epsilon)) requested, confidence \(fmt(settings.confidence)) "
                     + (settings.simultaneous ? "for all \(radii.count) radii at once" : "per radius"))
        lines.append("")
        let samples = estimate.samples
        let rows = radii.indices.map { j -> [String] in
            let gains = samples.gainRatios(at: j)
            return [fmt(radii[j]), fmt(estimate.quantile(0.5, at: j)), fmt(estimate.quantile(0.9, at: j)), fmt(estimate.quantile(0.99, at: j)),
                    fmt(estimate.quantile(1, at: j)), fmt(estimate.omega[j]), fmt(estimate.omega[j] / radii[j]),
                    gains.isEmpty ? "-" : String(format: "%.3f", median(gains)), gains.isEmpty ? "-" : String(format: "%.3f", gains.max()!)]
        }
        lines.append(contentsOf: TextTable(header: ["s", "M p50", "M p90", "M p99", "M max", "omega_hat(s)", "omega_hat/s", "gain p50", "gain max"],
                                       rows: rows).lines(indent: "  "))
        lines.append("  (M: largest ||g(z_k + r) - g(z_k)|| found with ||r|| <= s; gain: M with ascent / M from random directions alone)")
        lines.append("")
        let which = estimate.rank == n ? "the largest of \(n) anchors" : "the \(ordinal(estimate.rank)) smallest of \(n) anchors"
        lines.append("statement: with confidence \(fmt(estimate.confidence))"
                     + (estimate.simultaneous ? " at every radius of the grid at once" : " at each radius separately")
                     + ", P_z(M(s) <= omega_hat(s)) >= 1 - \(fmt(estimate.epsilon))  (omega_hat = \(which))")
        if !estimate.meetsRequest {
            lines.append("note: epsilon \(fmt(estimate.requestedEpsilon)) at confidence \(fmt(estimate.confidence))"
                         + (estimate.simultaneous ? " over \(radii.count) radii" : "")
                         + " needs at least \(estimate.anchorsForRequest) anchors; with \(n) the curve holds with epsilon = \(fmt(estimate.epsilon)),"
                         + " and that is the epsilon written to the JSON (pass --anchors \(estimate.anchorsForRequest) for \(fmt(estimate.requestedEpsilon)))")
        }
        let ratios = radii.indices.map { estimate.omega[$0] / radii[$0] }
        let at = ratios.indices.max { ratios[$0] < ratios[$1] }!
        lines.append("Lipschitz summary: sup omega_hat(s)/s = \(fmt(estimate.lipschitzSummary)) (at s = \(fmt(radii[at])))")
        let all = samples.allGainRatios
        if !all.isEmpty {
            lines.append(String(format: "ascent gain over random directions: median %.3f, max %.3f (over anchors and radii)", median(all), all.max()!))
        }
        lines.append("")
        lines += certificateLines
        lines.append("")
        lines.append(String(format: "time: sampling %.1f s, certification %.1f s (%d threads)", sampledSeconds, certifySeconds, EngineThreads.count))
        return lines.joined(separator: "\n")
    }

    /// The certified Lipschitz constant with its per-layer factors.
    private var certificateLines: [String] {
        var lines = [String]()
        let c = estimator.coordinates, samples = estimate.samples, radii = estimate.radii
        if let certificate {
            let constant = estimator.certifiedLipschitz(certificate)
            lines.append("certified Lipschitz bound: L = \(fmt(constant))  (holds for every z; per-layer norms by power iteration, margin \(fmt(certificate.margin)))")
            let layerRows = certificate.factors.map { f -> [String] in
                let how: String
                switch f.method {
                case .powerIteration(let iterations, let converged): how = "power iteration, \(iterations) it." + (converged ? "" : " NOT CONVERGED")
                case .exact: how = "exact"
                case .nonlinearity: how = "Lipschitz constant"
                }
                return [f.name, f.kind, batchShape(f.inputShape), fmt(f.norm), how]
            }
            lines.append(contentsOf: TextTable(header: ["layer", "operation", "input", "norm", "method"], rows: layerRows).lines(indent: "  "))
            if c.std != 1 { lines.append("  (L in the generator's own latent units: \(fmt(certificate.constant)); times the prior's std \(fmt(c.std)))") }
            let largest = samples.ascent.indices.flatMap { j in samples.ascent[j].map { $0 / radii[j] } }.max() ?? 0
            lines.append("  largest sampled ratio M/s: \(fmt(largest))" + (largest <= constant ? " (below L, as it must be)" : "  WARNING: above L"))
            if !certificate.converged { lines.append("  warning: a power iteration hit its iteration cap; that layer's norm may be low") }
        } else {
            lines.append("certified Lipschitz bound: unavailable (\(certificateProblem ?? "unknown reason"))")
        }
        return lines
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    private func ordinal(_ k: Int) -> String {
        let suffix = (k % 100 >= 11 && k % 100 <= 13) ? "th" : ["th", "st", "nd", "rd", "th", "th", "th", "th", "th", "th"][k % 10]
        return "\(k)\(suffix)"
    }
}
