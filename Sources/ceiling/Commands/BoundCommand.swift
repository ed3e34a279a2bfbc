import ArgumentParser
import CeilingBounds
import CeilingJSON
import Foundation

/// `ceiling bound`: the robustness ceiling of Theorem 1 for a given latent dimension, class
/// measures (or counts) and modulus of continuity, as percentiles and as a curve; or, with
/// `--k-dependence`, the paper's Figure 2 data.
struct BoundCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bound",
        abstract: "Upper bounds on the robustness of any classifier (Theorem 1) and their percentiles.",
        discussion: """
            For every classifier f, P(r <= eta) >= sum_i [Phi(a_i + t) - Phi(a_i)] with \
            t = omega^{-1}(eta) and a_i = Phi^{-1}(1 - p_i) (eq. (2)). The q-percentile printed is the \
            smallest eta at which the bound reaches q: at least a fraction q of the data has \
            robustness at most eta, whatever the classifier. With omega = identity (the default) the \
            bound is on latent robustness r_Z and assumes nothing about the generator. \
            With --class-counts the bound is a lower bound on its worst case over simultaneous \
            Clopper–Pearson intervals (with sum p_i = 1) and holds with the stated confidence. \
            A sampled --modulus costs its failure probability epsilon. A level the bound never \
            reaches is printed as "-" with the reason. Theorem 3 (transfer) is printed with \
            --transfer-delta; Theorem 4 (expected robustness) always, with the Wasserstein slack \
            from --wasserstein. \
            --k-dependence prints the median bound against K for equiprobable classes (Figure 2).
            """)

    @Option(name: .customLong("latent-dim"), parsing: .unconditional, help: "Latent dimension d of the generator (z ~ N(0, I_d)).")
    var latentDim: Int?

    @Option(parsing: .unconditional, help: "Number of classes K.")
    var classes: Int?

    @Option(name: .customLong("class-measures"), help: "Class measures p1,...,pK summing to 1 (default: equiprobable).")
    var classMeasures: String?

    @Option(name: .customLong("class-counts"), help: "Class counts n1,...,nK from sampling z; the bound then holds with --confidence.")
    var classCounts: String?

    @Option(parsing: .unconditional, help: "Lipschitz constant L of the generator: omega(s) = L s.")
    var lipschitz: Double?

    @Option(help: "Modulus-of-continuity JSON file (as written by `ceiling modulus --json`).")
    var modulus: String?

    @Option(help: "Comma-separated percentile levels q in (0, 1) (default 0.1,0.25,0.5; 0.5 with --k-dependence).")
    var percentiles: String?

    @Option(parsing: .unconditional, help: "Confidence of the bound from --class-counts, in (0, 1) (default 0.95).")
    var confidence: Double?

    @Option(name: .customLong("mean-image-norm"), parsing: .unconditional, help: "E||g(z)|| in image space, to print eta / E||g(z)||.")
    var meanImageNorm: Double?

    @Option(name: .customLong("transfer-delta"), parsing: .unconditional, help: "Also print Theorem 3 (transfer) for a disagreement probability delta.")
    var transferDelta: Double?

    @Option(name: .customLong("wasserstein"), parsing: .unconditional, help: "Wasserstein slack delta >= W1(generated, data) for Theorem 4 (default 0).")
    var wasserstein: Double?

    @Option(name: .customLong("grid-points"), parsing: .unconditional, help: "Points of the table of the bound against eta.")
    var gridPoints: Int = 11

    @Option(name: .customLong("eta-max"), parsing: .unconditional, help: "Largest eta of that table (default: where the bound reaches 0.95).")
    var etaMax: Double?

    @Flag(name: .customLong("k-dependence"), help: "Print the median bound on r / sqrt(d) against K (Figure 2).")
    var kDependence = false

    @Option(name: .customLong("k-max"), parsing: .unconditional, help: "Largest K for --k-dependence.")
    var kMax: Int = 10_000

    @Flag(help: "Print JSON to stdout instead of tables.")
    var json = false

    // MARK: - Validation

    func validate() throws {
        do {
            if kDependence {
                _ = try kDependenceSetup()
            } else {
                _ = try setup()
            }
        } catch let error as BoundError {
            throw ValidationError(error.description)
        }
    }

    /// Everything `run` needs, built from the options (and checked on the way).
    struct Setup {
        let bound: RobustnessBound
        let levels: [Double]
        /// No measures or counts given: K equiprobable classes.
        let equiprobable: Bool
    }

    private func setup() throws -> Setup {
        if kMax != 10_000 { throw ValidationError("--k-max applies only with --k-dependence") }
        guard let latentDim else { throw ValidationError("--latent-dim is required") }
        guard let classes else { throw ValidationError("--classes is required") }
        guard latentDim >= 1 else { throw BoundError.invalidLatentDimension(latentDim) }
        guard classes >= 2 else { throw BoundError.tooFewClasses(classes) }
        // Every evaluation of eq. (2) sums K terms, and a percentile takes hundreds of them.
        guard classes <= 100_000 else { throw ValidationError("--classes must be at most 100000 (got \(classes))") }
        if classMeasures != nil, classCounts != nil {
            throw ValidationError("give either --class-measures or --class-counts, not both")
        }
        if lipschitz != nil, modulus != nil {
            throw ValidationError("give either --lipschitz or --modulus, not both")
        }
        if confidence != nil, classCounts == nil {
            throw ValidationError("--confidence applies only with --class-counts (exact measures need no confidence)")
        }
        guard (2...100_000).contains(gridPoints) else { throw ValidationError("--grid-points must be between 2 and 100000") }
        if let etaMax, !(etaMax.isFinite && etaMax > 0) { throw ValidationError("--eta-max must be a positive number") }
        let levels = try parseLevels(percentiles ?? "0.1,0.25,0.5")

        let information: RobustnessBound.ClassInformation
        if let classCounts {
            let parsed = try ClassCounts(try parseIntegers(classCounts, option: "--class-counts"), classes: classes)
            information = .counts(parsed, confidence: confidence ?? 0.95)
        } else if let classMeasures {
            information = .exact(try ClassMeasures(try parseNumbers(classMeasures, option: "--class-measures"), classes: classes))
        } else {
            information = .exact(try ClassMeasures.equiprobable(classes: classes))
        }

        let omega: Modulus
        if let lipschitz {
            omega = try .lipschitz(lipschitz)
        } else if let modulus {
            let url = URL(fileURLWithPath: modulus)
            let curve = try SampledModulus(contentsOf: url)
            if let stated = Self.statedLatentDimension(url), stated != latentDim {
                throw ValidationError("\(modulus) was estimated for latent dimension \(stated), not --latent-dim \(latentDim)")
            }
            omega = .curve(curve)
        } else {
            omega = .identity
        }
        if let transferDelta, !(transferDelta.isFinite && transferDelta >= 0 && transferDelta <= 0.5) {
            throw BoundError.invalidDelta(transferDelta)
        }
        if let wasserstein, !(wasserstein.isFinite && wasserstein >= 0) { throw BoundError.invalidWassersteinSlack(wasserstein) }
        let bound = try RobustnessBound(latentDimension: latentDim, classes: information, modulus: omega, expectedImageNorm: meanImageNorm)
        if let transferDelta { try TransferBound.validate(delta: transferDelta, largestMeasures: bound.largestMeasures) }
        return Setup(bound: bound, levels: levels, equiprobable: classCounts == nil && classMeasures == nil)
    }

    private func kDependenceSetup() throws -> (levels: [Double], classCounts: [Int]) {
        let others: [(String, Bool)] = [
            ("--classes", classes != nil), ("--class-measures", classMeasures != nil), ("--class-counts", classCounts != nil),
            ("--lipschitz", lipschitz != nil), ("--modulus", modulus != nil), ("--confidence", confidence != nil),
            ("--mean-image-norm", meanImageNorm != nil), ("--transfer-delta", transferDelta != nil),
            ("--wasserstein", wasserstein != nil), ("--eta-max", etaMax != nil),
        ]
        if let (flag, _) = others.first(where: { $0.1 }) {
            throw ValidationError("--k-dependence uses K equiprobable classes and omega = identity; drop \(flag)")
        }
        if let latentDim, latentDim < 1 { throw BoundError.invalidLatentDimension(latentDim) }
        guard (2...10_000_000).contains(kMax) else { throw ValidationError("--k-max must be between 2 and 10000000") }
        let levels = try parseLevels(percentiles ?? "0.5")
        return (levels, KDependence.logSpacedClassCounts(upTo: kMax, perDecade: 4))
    }

    private func parseLevels(_ text: String) throws -> [Double] {
        let levels = try parseNumbers(text, option: "--percentiles")
        guard !levels.isEmpty else { throw ValidationError("--percentiles needs at least one level") }
        for q in levels where !(q > 0 && q < 1) { throw BoundError.invalidPercentile(q) }
        return levels
    }

    private func parseNumbers(_ text: String, option: String) throws -> [Double] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { item in
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard let value = Double(trimmed), value.isFinite else {
                throw ValidationError("\(option): '\(trimmed)' is not a number")
            }
            return value
        }
    }

    private func parseIntegers(_ text: String, option: String) throws -> [Int] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { item in
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard let value = Int(trimmed) else { throw ValidationError("\(option): '\(trimmed)' is not a whole number") }
            return value
        }
    }

    /// The latent dimension a modulus file records under `latent.dimension`, if any.
    private static func statedLatentDimension(_ url: URL) -> Int? {
        struct Stated: Decodable {
            struct Latent: Decodable { let dimension: Int? }
            let latent: Latent?
        }
        guard let data = try? Data(contentsOf: url) else { return nil }
        return (try? JSONCoding.decoder().decode(Stated.self, from: data))?.latent?.dimension
    }

    // MARK: - Run

    func run() throws {
        do {
            if kDependence {
                try runKDependence()
            } else {
                try runBound()
            }
        } catch let error as BoundError {
            throw ValidationError(error.description)
        }
    }

    private func runBound() throws {
        let setup = try setup()
        let summary = try BoundSummary(bound: setup.bound, levels: setup.levels, transferDelta: transferDelta,
                                       wassersteinSlack: wasserstein ?? 0, gridPoints: gridPoints, etaMax: etaMax)
        if json {
            print(try JSONCoding.text(BoundRecord(summary, modulusFile: modulus)))
        } else {
            let report = BoundReport(summary: summary, equiprobableMeasures: setup.equiprobable,
                                     wassersteinGiven: wasserstein != nil)
            print(report.lines.joined(separator: "\n"))
        }
    }

    private func runKDependence() throws {
        let (levels, classCounts) = try kDependenceSetup()
        let report = try KDependenceReport(latentDimension: latentDim, levels: levels, classCounts: classCounts)
        print(json ? try JSONCoding.text(report.record) : report.lines.joined(separator: "\n"))
    }
}
