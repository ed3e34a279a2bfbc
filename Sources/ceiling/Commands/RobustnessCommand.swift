import ArgumentParser
import CeilingEngine
import CeilingScience
import Foundation

struct RobustnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robustness",
        abstract: "Measure latent (r_Z), in-distribution (r_in) and unconstrained (r_unc) robustness of a classifier.")

    @Option(help: "Generator model (.bin or .onnx).") var generator: String
    @Option(help: "Classifier model (.bin or .onnx).") var classifier: String
    @Option(parsing: .unconditional, help: "Points to attack.") var samples: Int = 64
    @Option(parsing: .unconditional, help: "Generated points for the class measures.") var measureSamples: Int = 2000
    @Option(help: "Notions to measure, comma-separated: z, in, unc, projection.") var notions: String = "z,in,unc"
    @Option(parsing: .unconditional, help: RefinementStepsOption.help) var refinementSteps: Int = MinimalNormRefinement.standardSteps
    @Option(parsing: .unconditional, help: InPassesOption.help) var inPasses: Int?
    @Option(parsing: .unconditional, help: "Points for the projection classifier (the first ones; each query inverts the generator).") var projectionSamples: Int = ProjectionStageSettings.standard.samples
    @Option(parsing: .unconditional, help: "Gradient steps of the projection classifier's inversion.") var inversionSteps: Int = ProjectionStageSettings.standard.inversion.steps
    @Option(parsing: .unconditional, help: "Random restarts of the projection classifier's inversion.") var inversionRestarts: Int = ProjectionStageSettings.standard.inversion.restarts
    @Option(parsing: .unconditional, help: "Seed for every random draw.") var seed: UInt64 = 0
    @Option(help: "Percentiles to report.") var percentiles: String = "0.25,0.5"
    @Option(help: CertifiedBoundOption.help) var certify: String = CertifiedBoundOption.defaultValue
    @Option(help: "Write the measurement as JSON to this file.") var json: String?
    @Option(parsing: .unconditional, help: "Worker threads (results do not depend on it).") var threads: Int?
    @Option(parsing: .unconditional, help: ChunkOption.help("Points computed together (default: 256 class-measure samples, 8 attacked points)"))
    var chunk: Int?
    @OptionGroup var sharding: ShardOptions

    func validate() throws {
        guard samples >= 1, measureSamples >= 1 else { throw ValidationError("--samples and --measure-samples must be at least 1") }
        guard projectionSamples >= 1, inversionSteps >= 0, inversionRestarts >= 0 else {
            throw ValidationError("--projection-samples must be at least 1, --inversion-steps and --inversion-restarts not negative")
        }
        try RefinementStepsOption.validate(refinementSteps)
        try InPassesOption.validate(inPasses)
        _ = try parsedNotions()
        _ = try parsedPercentiles()
        _ = try CertifiedBoundOption.parse(certify)
        if let threads { try Limits.checkThreads(threads) }
        try ChunkOption.validate(chunk)
        try sharding.refuse([("--json", json)])
    }

    func parsedNotions() throws -> [RobustnessNotion] {
        try notions.split(separator: ",").map { name in
            guard let notion = RobustnessNotion(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("unknown notion '\(name)'; use z, in, unc, projection")
            }
            return notion
        }
    }

    func parsedPercentiles() throws -> [Double] {
        try percentiles.split(separator: ",").map { text in
            guard let q = Double(text.trimmingCharacters(in: .whitespaces)), q > 0, q < 1 else {
                throw ValidationError("percentile '\(text)' is not a number in (0, 1)")
            }
            return q
        }
    }

    func run() throws {
        if let threads { EngineThreads.count = threads }
        if let json { try OutputFiles.checkFile(json, option: "--json") }
        let g = try ModelPair.generator(generator)
        let inputs = RobustnessRun.Inputs(generator: g, classifier: try ModelPair.classifier(classifier, for: g))
        try Limits.checkPoints(samples, floatsPerPoint: g.inputSize + g.outputSize, copies: 16, option: "--samples")
        var settings = RobustnessSettings()
        settings.samples = samples
        settings.measureSamples = measureSamples
        settings.seed = seed
        settings.notions = try parsedNotions()
        settings.refinementSteps = refinementSteps
        settings.inDistributionPasses = inPasses
        settings.projection.samples = projectionSamples
        settings.projection.inversion.steps = inversionSteps
        settings.projection.inversion.restarts = inversionRestarts
        let study = try RobustnessRun(inputs, settings: settings, chunk: chunk, certifiedBounds: try CertifiedBoundOption.parse(certify),
                                      percentiles: try parsedPercentiles())
        try study.run(inputs, sharding: sharding, json: json)
    }
}
