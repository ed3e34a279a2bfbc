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

    @Option(help: "The generator model file (.bin or .onnx).")
    var generator: String

    @Option(parsing: .unconditional, help: "Anchors z_k drawn from the prior.")
    var anchors: Int = ModulusSettings.defaultAnchors

    @Option(help: "Comma-separated latent radii, increasing (default: 16 log-spaced from 0.01 to E||z||).")
    var radii: String?

    @Option(parsing: .unconditional, help: "Random directions per anchor and radius.")
    var directions: Int = ModulusSettings.defaultDirections

    @Option(parsing: .unconditional, help: "Gradient-ascent steps per chain (0: random directions only).")
    var steps: Int = ModulusSettings.defaultAscentSteps

    @Option(parsing: .unconditional, help: "Ascent chains per anchor and radius, from the best starts.")
    var starts: Int = ModulusSettings.defaultAscentStarts

    @Option(parsing: .unconditional, help: "Failure probability over z, in (0, 1).")
    var epsilon: Double = 0.01

    @Option(parsing: .unconditional, help: "Confidence of the sampling statement, in (0, 1).")
    var confidence: Double = 0.95

    @Flag(help: "State the confidence per radius instead of for all radii at once.")
    var pointwise = false

    @Option(parsing: .unconditional, help: "Seed of every random draw.")
    var seed: UInt64 = 0

    @Option(help: "Write the sampled curve and its details as JSON (the file `ceiling bound --modulus` reads).")
    var json: String?

    @Option(name: .customLong("certified-json"), help: "Write the certified curve omega(s) = L s on the same radii (kind \"certified\").")
    var certifiedJSON: String?

    @Option(parsing: .unconditional, help: "Relative margin on power-iteration norms in the certified bound.")
    var margin: Double = LipschitzCertificate.defaultMargin

    @Option(parsing: .unconditional, help: "Engine threads (results do not depend on it).")
    var threads: Int?

    @Flag(help: "No progress on standard error.")
    var quiet = false

    @Option(parsing: .unconditional, help: ChunkOption.help("Anchors computed together (default 32)"))
    var chunk: Int?

    @OptionGroup var sharding: ShardOptions

    func validate() throws {
        try ChunkOption.validate(chunk)
        try sharding.refuse([("--json", json), ("--certified-json", certifiedJSON)])
    }

    func run() throws {
        if let threads {
            try Limits.checkThreads(threads)
            EngineThreads.count = threads
        }
        guard epsilon > 0, epsilon < 1 else { throw CommandError("--epsilon must be in the open interval (0, 1) (got \(epsilon))") }
        guard confidence > 0, confidence < 1 else { throw CommandError("--confidence must be in the open interval (0, 1) (got \(confidence))") }
        guard margin >= 0, margin.isFinite else { throw CommandError("--margin must be finite and non-negative (got \(margin))") }
        guard FileManager.default.fileExists(atPath: generator) else { throw CommandError("\(generator): no such file") }
        if let json { try OutputFiles.checkFile(json, option: "--json") }
        if let certifiedJSON { try OutputFiles.checkFile(certifiedJSON, option: "--certified-json") }
        let inputs = try ModulusRun.inputs(generator)
        let grid = try radii.map { try RadiusGrid.parse($0) } ?? inputs.estimator.defaultRadii()
        let settings = ModulusSettings(radii: grid, anchors: anchors, directions: directions, ascentStarts: starts,
                                       ascentSteps: steps, epsilon: epsilon, confidence: confidence,
                                       simultaneous: !pointwise, seed: seed)
        try settings.validate()
        let run = try ModulusRun(inputs, settings: settings, chunk: chunk, margin: margin)

        let clock = ContinuousClock()
        let started = clock.now
        var reported = 0
        let progress = { (fraction: Double) in
            guard !quiet else { return }
            let percent = Int(fraction * 100)
            if percent / 10 > reported / 10 || percent == 100 && reported < 100 {
                reported = percent
                let elapsed = (clock.now - started).seconds
                FileHandle.standardError.write(Data(String(format: "sampling: %3d%%  (%.1f s)\n", percent, elapsed).utf8))
            }
        }
        if let (shard, directory) = try sharding.prepared() {
            return try ShardRecord.write(run, shard: shard, into: directory) {
                try run.points(inputs, shard, progress: progress)
            }
        }
        let points = try run.points(inputs, .whole, progress: progress)
        try run.write(points, inputs: inputs, sampledSeconds: (clock.now - started).seconds, json: json, certifiedJSON: certifiedJSON,
                      requireCertified: true)
    }
}
