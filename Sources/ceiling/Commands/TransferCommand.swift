import ArgumentParser
import CeilingBounds
import CeilingEngine
import CeilingScience
import Foundation

/// `ceiling transfer`: Theorem 3 of Fawzi et al. for a generator and two classifiers f, h — the
/// disagreement delta on generated data with its Clopper–Pearson interval, the bound on the
/// probability that one perturbation of norm <= eta changes both labels, and the fraction of
/// generated points where the attacks found such a perturbation.
struct TransferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Transferability (Theorem 3): one perturbation that fools two classifiers.",
        discussion: """
            Give --classifier twice. The bound uses delta = the upper confidence end of the measured \
            disagreement and needs p_i + delta <= 1/2 for every class of f (or of h); when that fails \
            it is reported and the bound is not printed. Without --lipschitz or --modulus, omega is \
            the identity: the bound then speaks of latent radii and is shown for reference only.
            """)

    @Option(help: "Generator model (.bin or .onnx).") var generator: String
    @Option(help: "Classifier model (.bin or .onnx); give exactly two.") var classifier: [String] = []
    @Option(parsing: .unconditional, help: "Generated points to attack.") var samples: Int = 64
    @Option(parsing: .unconditional, help: "Generated points for the disagreement and the class measures.") var measureSamples: Int = 2000
    @Option(parsing: .unconditional, help: "Seed for every random draw.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Steps of the DDN-style refinements.") var refinementSteps: Int = 100
    @Option(parsing: .unconditional, help: "Joint confidence of delta and the class-measure intervals, in (0, 1).") var confidence: Double = 0.95
    @Option(parsing: .unconditional, help: "Lipschitz constant L of the generator: omega(s) = L s.") var lipschitz: Double?
    @Option(help: "Modulus-of-continuity JSON file (as written by `ceiling modulus --json`).") var modulus: String?
    @Option(parsing: .unconditional, help: "Points of the eta grid.") var gridPoints: Int = 10
    @Option(help: "Write the measurement as JSON to this file (the record results.json holds for a pair; censored norms as \"inf\").") var json: String?

    func validate() throws {
        guard classifier.count == 2 else {
            throw ValidationError("give exactly two classifiers (--classifier F.bin --classifier H.bin), got \(classifier.count)")
        }
        guard samples > 0, measureSamples > 0 else { throw ValidationError("--samples and --measure-samples must be positive") }
        guard confidence > 0, confidence < 1 else { throw ValidationError("--confidence must lie in (0, 1)") }
        guard refinementSteps >= 0 else { throw ValidationError("--refinement-steps must be >= 0") }
        guard gridPoints >= 2 else { throw ValidationError("--grid-points must be at least 2") }
        if lipschitz != nil, modulus != nil { throw ValidationError("give either --lipschitz or --modulus, not both") }
    }

    func run() throws {
        if let json { try OutputFiles.checkFile(json, option: "--json") }
        let g = try ModelPair.generator(generator)
        let f = try ModelPair.classifier(classifier[0], for: g), h = try ModelPair.classifier(classifier[1], for: g)
        try Limits.checkPoints(samples, floatsPerPoint: g.inputSize + g.outputSize, copies: 16, option: "--samples")
        guard f.classCount == h.classCount else {
            throw ValidationError("\(classifier[0]) has \(f.classCount) classes but \(classifier[1]) has \(h.classCount); transfer compares labels")
        }
        let omega: Modulus
        do {
            if let lipschitz { omega = try .lipschitz(lipschitz) }
            else if let modulus { omega = .curve(try SampledModulus(contentsOf: URL(fileURLWithPath: modulus))) }
            else { omega = .identity }
        } catch let error as BoundError { throw ValidationError(error.description) }

        var settings = TransferSettings()
        settings.samples = samples
        settings.measureSamples = measureSamples
        settings.seed = seed
        settings.confidence = confidence
        settings.refinementSteps = refinementSteps
        settings.gridPoints = gridPoints
        let progress = Progress(total: 1)
        let measured = try TransferStudy(generator: g.map, pair: ClassifierPair(f.map, h.map), modulus: omega, settings: settings)
            .run { stage, fraction in progress.update(stage, fraction: fraction) }
        progress.finish()
        print(TransferReport(measured, omega: omega).text)
        if let json {
            try OutputFiles.write(TransferReport.json(measured, models: [generator] + classifier), to: json)
        }
    }
}
