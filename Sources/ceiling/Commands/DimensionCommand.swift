import ArgumentParser
import CeilingEngine
import CeilingJSON
import CeilingScience
import Foundation

/// `ceiling dimension --json`: the settings, every network's figures and the fits.
struct DimensionRecord: Encodable {
    let experiment: DimensionExperiment
    let seconds: Double
    let ceilingVersion: String
}

/// `ceiling dimension`: the input-dimension law of Simon-Gabriel et al. (2019) measured at He
/// initialisation (DESIGN §9). The same architectures at several input widths, many random
/// networks per width, the mean loss-gradient norms and their fitted exponent of d beside the
/// predicted 1/2 (l1) and 0 (l2), and with average pools in place of max pools and strided
/// layers, beside Theorem 7's 0 and -1/2.
struct DimensionCommand: ParsableCommand {
    static let defaults = DimensionSettings()

    static let configuration = CommandConfiguration(
        commandName: "dimension",
        abstract: "Loss-gradient norms of He-initialised networks against the input dimension, with fitted and predicted exponents.",
        discussion: """
            Architectures: cnn8 (their 8-layer conv-BN-ReLU CNN), lenet, resnet, each dilated by \
            w / 32 and pooled to the same final map at every width w, once with max pools (and \
            stride-2 layers in the resnet) and once with average pools. The default run (32 \
            networks per width and variant, 2 inputs each) takes about 3 minutes on 2 cores; its \
            95% exponent intervals are about +-0.05 (max pools) and +-0.025 (average pools) for \
            cnn8 and lenet, +-0.08 and +-0.04 for the resnet, narrowing like 1 / sqrt(--nets). \
            Writes dimension_l1 and dimension_l2 plots (SVG, and PNG with rsvg-convert) into --out.
            """)

    @Option(help: "Input widths, comma-separated multiples of 32 (images 3 x w x w).") var widths: String = "32,64,128,256"
    @Option(parsing: .unconditional, help: "He-initialised networks per width and variant.") var nets: Int = defaults.nets
    @Option(parsing: .unconditional, help: "Random inputs per network.") var inputs: Int = defaults.inputsPerNet
    @Option(help: "Architectures, comma-separated: cnn8, lenet, resnet.") var architectures: String = "cnn8,lenet,resnet"
    @Option(parsing: .unconditional, help: "Seed for every network, input and bootstrap draw.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Worker threads (results do not depend on it).") var threads: Int?
    @Option(help: "Folder for the plots.") var out: String = "dimension"
    @Option(help: "Write the settings, every network's figures and the fits as JSON to this file.") var json: String?

    func validate() throws {
        if let threads { try Limits.checkThreads(threads) }
        guard nets >= 2 else { throw ValidationError("--nets must be at least 2 (the interval resamples networks)") }
        guard inputs >= 1 else { throw ValidationError("--inputs must be at least 1") }
        _ = try widthList()
        _ = try architectureList()
        try OutputFiles.checkFolder(out, option: "--out")
        if let json { try OutputFiles.checkFile(json, option: "--json") }
    }

    func widthList() throws -> [Int] {
        let base = ScaledArchitecture.baseWidth
        let list = try widths.split(separator: ",", omittingEmptySubsequences: false).map { text in
            guard let w = Int(text.trimmingCharacters(in: .whitespaces)), w >= base, w % base == 0 else {
                throw ValidationError("--widths: '\(text)' is not a positive multiple of \(base)")
            }
            return w
        }
        guard Set(list).count >= 2, Set(list).count == list.count else { throw ValidationError("--widths needs at least two different widths, each once") }
        return list.sorted()
    }

    func architectureList() throws -> [ScaledArchitecture] {
        try architectures.split(separator: ",", omittingEmptySubsequences: false).map { text in
            guard let a = ScaledArchitecture(rawValue: text.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--architectures: unknown architecture '\(text)' (cnn8, lenet, resnet)")
            }
            return a
        }
    }

    func run() throws {
        if let threads { EngineThreads.count = threads }
        let settings = DimensionSettings(widths: try widthList(), nets: nets, inputsPerNet: inputs, architectures: try architectureList(), seed: seed)
        // The widest networks are built (and their batch checked) before any work.
        for architecture in settings.architectures {
            for downsampling in settings.downsamplings {
                var rng = SeededGenerator(seed: 0)
                let graph = try architecture.network(width: settings.widths.last!, classes: settings.classes, downsampling: downsampling, rng: &rng)
                try graph.checkBatch(min(inputs, InputGradients.pointsPerPass))
            }
        }
        let start = Date()
        let progress = Progress(total: 1)
        let experiment = try DimensionExperiment(settings: settings, progress: { progress.update($0, fraction: $1) })
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        DimensionReport(experiment: experiment).lines.forEach { print($0) }
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: out), withIntermediateDirectories: true)
        let plots = try DimensionPlots(experiment: experiment).write(into: URL(fileURLWithPath: out))
        if let json {
            try OutputFiles.write(JSONCoding.encoder().encode(DimensionRecord(experiment: experiment, seconds: seconds, ceilingVersion: CeilingVersion.string)), to: json)
        }
        print(String(format: "\n%.0f s (%d threads); wrote ", seconds, EngineThreads.count) + (plots.map { "\(out)/\($0)" } + (json.map { [$0] } ?? [])).joined(separator: ", "))
    }
}
