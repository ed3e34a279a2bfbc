import ArgumentParser
import CeilingBounds
import CeilingEngine
import CeilingScience
import Foundation

struct ModulusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modulus",
        abstract: "Estimate the generator's modulus of continuity omega (sampled, with confidence) and a certified Lipschitz bound.",
        discussion: """
            For anchors z_k from the generator's prior and each latent radius s, M_k(s) = the largest \
            ||g(z_k + r) - g(z_k)|| found over ||r|| <= s (random directions on the sphere, then \
            projected gradient ascent). omega_hat(s) is the order statistic of the M_k(s) that bounds \
            the (1 - epsilon)-quantile of M(s) with the given confidence (binomial tail), made monotone. \
            By default the confidence holds at all radii at once (Bonferroni over the grid). When the \
            anchors are too few for the requested epsilon, the sample maximum is used and the epsilon \
            actually achieved is printed and written to the JSON; the note says how many anchors the \
            request needs. Beside it: a certified global Lipschitz constant from per-layer operator \
            norms (power iteration, batch norm folded into the preceding layer). Radii are in \
            standardised latent units u = (z - mean) / std of the prior. The JSON file is what \
            `ceiling bound --modulus FILE` reads.
            """)

    @Option(help: "The generator model file (.bin).")
    var generator: String

    @Option(help: "Anchors z_k drawn from the prior.")
    var anchors: Int = ModulusSettings.defaultAnchors

    @Option(help: "Comma-separated latent radii, increasing (default: 16 log-spaced from 0.01 to E||z||).")
    var radii: String?

    @Option(help: "Random directions per anchor and radius.")
    var directions: Int = ModulusSettings.defaultDirections

    @Option(help: "Gradient-ascent steps per chain (0: random directions only).")
    var steps: Int = ModulusSettings.defaultAscentSteps

    @Option(help: "Ascent chains per anchor and radius, from the best starts.")
    var starts: Int = ModulusSettings.defaultAscentStarts

    @Option(help: "Failure probability over z, in (0, 1).")
    var epsilon: Double = 0.01

    @Option(help: "Confidence of the sampling statement, in (0, 1).")
    var confidence: Double = 0.95

    @Flag(help: "State the confidence per radius instead of for all radii at once.")
    var pointwise = false

    @Option(help: "Seed of every random draw.")
    var seed: UInt64 = 0

    @Option(help: "Write the sampled curve and its details as JSON (the file `ceiling bound --modulus` reads).")
    var json: String?

    @Option(name: .customLong("certified-json"), help: "Write the certified curve omega(s) = L s on the same radii (kind \"certified\").")
    var certifiedJSON: String?

    @Option(help: "Relative margin on power-iteration norms in the certified bound.")
    var margin: Double = LipschitzCertificate.defaultMargin

    @Option(help: "Engine threads (results do not depend on it).")
    var threads: Int?

    @Flag(help: "No progress on standard error.")
    var quiet = false

    func run() throws {
        if let threads {
            guard threads >= 1 else { throw CommandError("--threads must be at least 1 (got \(threads))") }
            EngineThreads.count = threads
        }
        guard epsilon > 0, epsilon < 1 else { throw CommandError("--epsilon must be in the open interval (0, 1) (got \(epsilon))") }
        guard confidence > 0, confidence < 1 else { throw CommandError("--confidence must be in the open interval (0, 1) (got \(confidence))") }
        guard margin >= 0, margin.isFinite else { throw CommandError("--margin must be finite and non-negative (got \(margin))") }
        guard FileManager.default.fileExists(atPath: generator) else { throw CommandError("\(generator): no such file") }
        let model = try Model.load(generator)
        let estimator = try ModulusEstimator(model)
        let grid = try radii.map { try RadiusGrid.parse($0) } ?? estimator.defaultRadii()
        let settings = ModulusSettings(radii: grid, anchors: anchors, directions: directions, ascentStarts: starts,
                                       ascentSteps: steps, epsilon: epsilon, confidence: confidence,
                                       simultaneous: !pointwise, seed: seed)
        try settings.validate()

        let clock = ContinuousClock()
        let started = clock.now
        var reported = 0
        let estimate = try estimator.estimate(settings) { fraction in
            guard !quiet else { return }
            let percent = Int(fraction * 100)
            if percent / 10 > reported / 10 || percent == 100 && reported < 100 {
                reported = percent
                let elapsed = (clock.now - started).seconds
                FileHandle.standardError.write(Data(String(format: "sampling: %3d%%  (%.1f s)\n", percent, elapsed).utf8))
            }
        }
        let sampledSeconds = (clock.now - started).seconds

        let certifyStarted = clock.now
        var certificate: LipschitzCertificate?
        var certificateProblem: String?
        do {
            certificate = try estimator.certify(margin: margin, seed: seed)
        } catch {
            certificateProblem = error.description
        }
        let certifySeconds = (clock.now - certifyStarted).seconds

        print(ModulusReport(model: model, estimator: estimator, settings: settings, estimate: estimate,
                            certificate: certificate, certificateProblem: certificateProblem,
                            sampledSeconds: sampledSeconds, certifySeconds: certifySeconds).text)

        if let json {
            let file = ModulusFile(estimate: estimate, settings: settings, estimator: estimator, certificate: certificate, generator: generator)
            try write(file.jsonData(), to: json)
            print("wrote \(json)")
        }
        if let certifiedJSON {
            guard let certificate else { throw CommandError("no certified curve to write: \(certificateProblem ?? "unknown reason")") }
            try write(estimator.certifiedCurve(certificate, radii: grid).jsonData(), to: certifiedJSON)
            print("wrote \(certifiedJSON)")
        }
    }

    private func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw CommandError("cannot write \(path)")
        }
    }
}

/// A one-line error for the command line.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

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
        lines.append("  latent dimension \(estimator.latentDimension), prior N(\(g(c.mean)), \(g(c.std))^2); radii s in standardised latent units")
        lines.append("  \(n) anchors x \(settings.directions) random directions, \(settings.ascentStarts) ascent chain(s) x \(settings.ascentSteps) steps, seed \(settings.seed)")
        lines.append("  epsilon \(g(settings.epsilon)) requested, confidence \(g(settings.confidence)) "
                     + (settings.simultaneous ? "for all \(radii.count) radii at once" : "per radius"))
        lines.append("")
        let samples = estimate.samples
        let rows = radii.indices.map { j -> [String] in
            let gains = samples.gainRatios(at: j)
            return [g(radii[j]), g(estimate.quantile(0.5, at: j)), g(estimate.quantile(0.9, at: j)), g(estimate.quantile(0.99, at: j)),
                    g(estimate.quantile(1, at: j)), g(estimate.omega[j]), g(estimate.omega[j] / radii[j]),
                    gains.isEmpty ? "-" : String(format: "%.3f", median(gains)), gains.isEmpty ? "-" : String(format: "%.3f", gains.max()!)]
        }
        lines.append(contentsOf: table(header: ["s", "M p50", "M p90", "M p99", "M max", "omega_hat(s)", "omega_hat/s", "gain p50", "gain max"],
                                       rows: rows).map { "  " + $0 })
        lines.append("  (M: largest ||g(z_k + r) - g(z_k)|| found with ||r|| <= s; gain: M with ascent / M from random directions alone)")
        lines.append("")
        let which = estimate.rank == n ? "the largest of \(n) anchors" : "the \(ordinal(estimate.rank)) smallest of \(n) anchors"
        lines.append("statement: with confidence \(g(estimate.confidence))"
                     + (estimate.simultaneous ? " at every radius of the grid at once" : " at each radius separately")
                     + ", P_z(M(s) <= omega_hat(s)) >= 1 - \(g(estimate.epsilon))  (omega_hat = \(which))")
        if !estimate.meetsRequest {
            lines.append("note: epsilon \(g(estimate.requestedEpsilon)) at confidence \(g(estimate.confidence))"
                         + (estimate.simultaneous ? " over \(radii.count) radii" : "")
                         + " needs at least \(estimate.anchorsForRequest) anchors; with \(n) the curve holds with epsilon = \(g(estimate.epsilon)),"
                         + " and that is the epsilon written to the JSON (pass --anchors \(estimate.anchorsForRequest) for \(g(estimate.requestedEpsilon)))")
        }
        let ratios = radii.indices.map { estimate.omega[$0] / radii[$0] }
        let at = ratios.indices.max { ratios[$0] < ratios[$1] }!
        lines.append("Lipschitz summary: sup omega_hat(s)/s = \(g(estimate.lipschitzSummary)) (at s = \(g(radii[at])))")
        let all = samples.allGainRatios
        if !all.isEmpty {
            lines.append(String(format: "ascent gain over random directions: median %.3f, max %.3f (over anchors and radii)", median(all), all.max()!))
        }
        lines.append("")
        if let certificate {
            let constant = estimator.certifiedLipschitz(certificate)
            lines.append("certified Lipschitz bound: L = \(g(constant))  (holds for every z; per-layer norms by power iteration, margin \(g(certificate.margin)))")
            let layerRows = certificate.factors.map { f -> [String] in
                let how: String
                switch f.method {
                case .powerIteration(let iterations, let converged): how = "power iteration, \(iterations) it." + (converged ? "" : " NOT CONVERGED")
                case .exact: how = "exact"
                case .nonlinearity: how = "Lipschitz constant"
                }
                return [f.name, f.kind, batchShape(f.inputShape), g(f.norm), how]
            }
            lines.append(contentsOf: table(header: ["layer", "operation", "input", "norm", "method"], rows: layerRows).map { "  " + $0 })
            if c.std != 1 { lines.append("  (L in the generator's own latent units: \(g(certificate.constant)); times the prior's std \(g(c.std)))") }
            let largest = samples.ascent.indices.flatMap { j in samples.ascent[j].map { $0 / radii[j] } }.max() ?? 0
            lines.append("  largest sampled ratio M/s: \(g(largest))" + (largest <= constant ? " (below L, as it must be)" : "  WARNING: above L"))
            if !certificate.converged { lines.append("  warning: a power iteration hit its iteration cap; that layer's norm may be low") }
        } else {
            lines.append("certified Lipschitz bound: unavailable (\(certificateProblem ?? "unknown reason"))")
        }
        lines.append("")
        lines.append(String(format: "time: sampling %.1f s, certification %.1f s (%d threads)", sampledSeconds, certifySeconds, EngineThreads.count))
        return lines.joined(separator: "\n")
    }

    private func g(_ x: Double) -> String { String(format: "%.4g", x) }

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
