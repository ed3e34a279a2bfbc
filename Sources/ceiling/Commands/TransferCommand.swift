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
    @Option(parsing: .unconditional, help: RefinementStepsOption.help) var refinementSteps: Int = MinimalNormRefinement.standardSteps
    @Option(parsing: .unconditional, help: "Joint confidence of delta and the class-measure intervals, in (0, 1).") var confidence: Double = 0.95
    @Option(parsing: .unconditional, help: "Lipschitz constant L of the generator: omega(s) = L s.") var lipschitz: Double?
    @Option(help: "Modulus-of-continuity JSON file (as written by `ceiling modulus --json`).") var modulus: String?
    @Option(parsing: .unconditional, help: "Points of the eta grid (the default is the whole estimate's).") var gridPoints: Int = TransferSettings().gridPoints
    @Option(help: "Write the measurement as JSON to this file (the record results.json holds for a pair; censored norms as \"inf\").") var json: String?
    @Option(parsing: .unconditional, help: "Worker threads (results do not depend on it).") var threads: Int?
    @Option(parsing: .unconditional, help: ChunkOption.help("Points computed together (default: 256 disagreement samples, 8 attacked points)"))
    var chunk: Int?
    @OptionGroup var sharding: ShardOptions

    func validate() throws {
        guard classifier.count == 2 else {
            throw ValidationError("give exactly two classifiers (--classifier F.bin --classifier H.bin), got \(classifier.count)")
        }
        guard samples > 0, measureSamples > 0 else { throw ValidationError("--samples and --measure-samples must be positive") }
        guard confidence > 0, confidence < 1 else { throw ValidationError("--confidence must lie in (0, 1)") }
        try RefinementStepsOption.validate(refinementSteps)
        guard gridPoints >= 2 else { throw ValidationError("--grid-points must be at least 2") }
        if lipschitz != nil, modulus != nil { throw ValidationError("give either --lipschitz or --modulus, not both") }
        if let threads { try Limits.checkThreads(threads) }
        try ChunkOption.validate(chunk)
        try sharding.refuse([("--json", json)])
    }

    func run() throws {
        if let threads { EngineThreads.count = threads }
        if let json { try OutputFiles.checkFile(json, option: "--json") }
        let inputs = try TransferRun.inputs(generator: generator, classifiers: classifier, lipschitz: lipschitz, modulus: modulus)
        let g = inputs.generator
        try Limits.checkPoints(samples, floatsPerPoint: g.inputSize + g.outputSize, copies: 16, option: "--samples")
        var settings = TransferSettings()
        settings.samples = samples
        settings.measureSamples = measureSamples
        settings.seed = seed
        settings.confidence = confidence
        settings.refinementSteps = refinementSteps
        settings.gridPoints = gridPoints
        let study = try TransferRun(inputs, settings: settings, chunk: chunk, lipschitz: lipschitz, modulus: modulus)
        try study.run(inputs, sharding: sharding, json: json)
    }
}
