import ArgumentParser
import CeilingBounds
import CeilingEngine
import CeilingScience
import Foundation

struct EstimateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract: "The whole estimate: modulus, bounds, measured robustness, report, results.json (the default command).",
        discussion: "With no arguments it runs on the bundled models in generators/.")

    @Option(help: "Generator model (.bin or .onnx).") var generator: String = "generators/dcgan.bin"
    @Option(help: "Classifier model (.bin or .onnx); repeat for several (default: every classifier in generators/).") var classifier: [String] = []
    @Option(help: "Real images (.npy, [N] + the generator's output shape) for the error rate and the Wasserstein slack (default with the bundled generator: generators/real_digits.npy).")
    var realData: String?
    @Option(help: "Integer labels of the real images (.npy; default: <real-data>_labels.npy when it exists).") var realLabels: String?
    @Option(parsing: .unconditional, help: "Points attacked per classifier.") var samples: Int?
    @Option(parsing: .unconditional, help: "Seed for every random draw.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: InPassesOption.help) var inPasses: Int?
    @Option(help: "Output directory for results.json, CSV and plots.") var out: String = "out"
    @Option(help: "Percentiles to report, comma-separated.") var percentiles: String = "0.25"
    @Option(parsing: .unconditional, help: "Failure probability of the sampled modulus.") var epsilon: Double?
    @Option(parsing: .unconditional, help: "Confidence of every estimated statement.") var confidence: Double = 0.95
    @Option(parsing: .unconditional, help: "Worker threads (results do not depend on it).") var threads: Int?
    @Option(parsing: .unconditional, help: "Attack more points (doubling, up to --max-samples) until every percentile's interval has at most this relative half-width, e.g. 0.1.")
    var precision: Double?
    @Option(parsing: .unconditional, help: "The most points --precision may attack per classifier.") var maxSamples: Int = 4096
    @Option(help: CertifiedBoundOption.help) var certify: String = CertifiedBoundOption.defaultValue
    @Option(help: ShardOption.help) var shard: String?
    @Option(parsing: .unconditional, help: ChunkOption.help("Points computed together in every stage that shards can split (default: 32 modulus anchors, 256 class-measure samples, 8 attacked points)"))
    var chunk: Int?
    @Flag(help: "A one-minute look: fewer points, anchors and steps.") var quick = false
    @Flag(help: "Replace an existing output directory.") var force = false

    func validate() throws {
        guard confidence > 0, confidence < 1 else { throw ValidationError("--confidence must be in (0, 1)") }
        if let epsilon {
            guard epsilon > 0, epsilon < 1 else { throw ValidationError("--epsilon must be in (0, 1)") }
            do { _ = try OrderStatistic.requiredSampleSize(epsilon: epsilon, alpha: 1 - confidence) } catch {
                throw ValidationError("--epsilon \(epsilon): \(error)")
            }
        }
        if let samples { guard samples >= 1 else { throw ValidationError("--samples must be at least 1") } }
        try InPassesOption.validate(inPasses)
        if let threads { try Limits.checkThreads(threads) }
        try ChunkOption.validate(chunk)
        if let precision {
            guard precision.isFinite, precision > 0 else { throw ValidationError("--precision must be a positive relative half-width such as 0.1") }
            guard maxSamples >= 1 else { throw ValidationError("--max-samples must be at least 1") }
        }
        _ = try levels()
        _ = try CertifiedBoundOption.parse(certify)
        if let shard {
            _ = try ShardOption.parse(shard)
            guard precision == nil else {
                throw ValidationError("--precision chooses the number of points from the intervals of all of them, which no shard sees; give the number with --samples to split a run into shards")
            }
        }
        _ = try OutputFiles.checkResultFolder(out, force: force)
    }

    func levels() throws -> [Double] {
        try percentiles.split(separator: ",").map { text in
            guard let q = Double(text.trimmingCharacters(in: .whitespaces)), q > 0, q < 1 else {
                throw ValidationError("percentile '\(text)' is not a number in (0, 1)")
            }
            return q
        }
    }

    /// The bundled classifiers, every model file in the generator's folder whose role is classifier.
    func classifierPaths() throws -> [String] {
        if !classifier.isEmpty { return classifier }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: besideGenerator(""))) ?? []
        // A broken file beside the generator is an error, not a classifier quietly left out.
        let found = try files.filter(ModelFiles.isModel).sorted().map(besideGenerator).filter { path in
            do { return try ModelFiles.load(path).role == .classifier } catch {
                throw ValidationError("\(error) (found beside \(generator); pass --classifier to choose the classifiers)")
            }
        }
        guard !found.isEmpty else { throw ValidationError("no classifier given and none found beside \(generator); pass --classifier") }
        return found
    }

    func run() throws {
        if let threads { EngineThreads.count = threads }
        // Every input is checked before the output directory is touched.
        let inputs = try EstimateInputs.load(generator: generator, classifiers: classifierPaths(), realData: realDataPath(), realLabels: realLabels)
        let floats = inputs.generator.inputSize + inputs.generator.outputSize
        try Limits.checkPoints(samples ?? 0, floatsPerPoint: floats, copies: 16, option: "--samples")
        if precision != nil { try Limits.checkPoints(maxSamples, floatsPerPoint: floats, copies: 16, option: "--max-samples") }
        var settings = quick ? EstimateSettings.quick(seed: seed) : EstimateSettings.standard(seed: seed)
        if let samples { settings.samples = samples }
        settings.inDistributionPasses = inPasses
        if let epsilon { settings.epsilon = epsilon }
        settings.confidence = confidence
        settings.percentiles = try levels()
        settings.certifiedBounds = try CertifiedBoundOption.parse(certify)
        settings.chunk = chunk
        if let precision {
            settings.precision = precision
            settings.maxSamples = max(maxSamples, settings.samples)
        }
        var header = EstimateResults(status: "partial", ceilingVersion: CeilingVersion.string, seed: seed, settings: settings,
                                     models: try inputs.modelRecords(), latentDimension: inputs.generator.inputSize, expectedLatentNorm: 0)
        header.realData = try inputs.dataRecord()
        let outURL = try OutputFiles.prepareResultFolder(out, force: force)
        let estimate = inputs.estimate(settings)
        guard let shard = try shard.map(ShardOption.parse) else {
            _ = try EstimateOutput.run(estimate, header: header, points: nil, into: outURL)
            if quick {
                print("\nnote: --quick attacks \(settings.samples) points per classifier, so the intervals above are wide; the default run attacks \(EstimateSettings.standard().samples).")
            }
            return
        }
        let progress = Progress(total: 1)
        try ShardRecord.write(header, shard: shard, into: outURL) {
            defer { progress.finish() }
            return try estimate.points(shard) { progress.update("shard \(shard): \($0)", fraction: $1) }
        }
    }

    /// A file in the generator's folder, as relative as --generator itself (results.json records
    /// paths as the user gave them, not where this machine keeps them).
    func besideGenerator(_ name: String) -> String {
        let folder = (generator as NSString).deletingLastPathComponent
        return folder.isEmpty ? (name.isEmpty ? "." : name) : (name.isEmpty ? folder : folder + "/" + name)
    }

    /// --real-data, or the bundled real images when the bundled generator is used.
    func realDataPath() -> String? {
        if let realData { return realData }
        let bundled = besideGenerator("real_digits.npy")
        return generator == "generators/dcgan.bin" && FileManager.default.fileExists(atPath: bundled) ? bundled : nil
    }
}
