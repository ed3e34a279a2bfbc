import ArgumentParser
import CeilingBounds
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

    @Option(name: .customLong("latent-dim"), help: "Latent dimension d of the generator (z ~ N(0, I_d)).")
    var latentDim: Int?

    @Option(help: "Number of classes K.")
    var classes: Int?

    @Option(name: .customLong("class-measures"), help: "Class measures p1,...,pK summing to 1 (default: equiprobable).")
    var classMeasures: String?

    @Option(name: .customLong("class-counts"), help: "Class counts n1,...,nK from sampling z; the bound then holds with --confidence.")
    var classCounts: String?

    @Option(help: "Lipschitz constant L of the generator: omega(s) = L s.")
    var lipschitz: Double?

    @Option(help: "Modulus-of-continuity JSON file (as written by `ceiling modulus --json`).")
    var modulus: String?

    @Option(help: "Comma-separated percentile levels q in (0, 1) (default 0.1,0.25,0.5; 0.5 with --k-dependence).")
    var percentiles: String?

    @Option(help: "Confidence of the bound from --class-counts, in (0, 1) (default 0.95).")
    var confidence: Double?

    @Option(name: .customLong("mean-image-norm"), help: "E||g(z)|| in image space, to print eta / E||g(z)||.")
    var meanImageNorm: Double?

    @Option(name: .customLong("transfer-delta"), help: "Also print Theorem 3 (transfer) for a disagreement probability delta.")
    var transferDelta: Double?

    @Option(name: .customLong("wasserstein"), help: "Wasserstein slack delta >= W1(generated, data) for Theorem 4 (default 0).")
    var wasserstein: Double?

    @Option(name: .customLong("grid-points"), help: "Points of the table of the bound against eta.")
    var gridPoints: Int = 11

    @Option(name: .customLong("eta-max"), help: "Largest eta of that table (default: where the bound reaches 0.95).")
    var etaMax: Double?

    @Flag(name: .customLong("k-dependence"), help: "Print the median bound on r / sqrt(d) against K (Figure 2).")
    var kDependence = false

    @Option(name: .customLong("k-max"), help: "Largest K for --k-dependence.")
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
        let measuresNote: String
        let counts: ClassCounts?
    }

    private func setup() throws -> Setup {
        if kMax != 10_000 { throw ValidationError("--k-max applies only with --k-dependence") }
        guard let latentDim else { throw ValidationError("--latent-dim is required") }
        guard let classes else { throw ValidationError("--classes is required") }
        guard latentDim >= 1 else { throw BoundError.invalidLatentDimension(latentDim) }
        guard classes >= 2 else { throw BoundError.tooFewClasses(classes) }
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
        let note: String
        var counts: ClassCounts?
        if let classCounts {
            let parsed = try ClassCounts(try parseIntegers(classCounts, option: "--class-counts"), classes: classes)
            counts = parsed
            information = .counts(parsed, confidence: confidence ?? 0.95)
            note = "counts out of N = \(parsed.total)"
        } else if let classMeasures {
            information = .exact(try ClassMeasures(try parseNumbers(classMeasures, option: "--class-measures"), classes: classes))
            note = "given"
        } else {
            information = .exact(try ClassMeasures.equiprobable(classes: classes))
            note = "equiprobable"
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
        return Setup(bound: bound, levels: levels, measuresNote: note, counts: counts)
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
        return (try? JSONDecoder().decode(Stated.self, from: data))?.latent?.dimension
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
        let bound = setup.bound
        let omega = bound.modulus
        let main = try setup.levels.map { try bound.percentile($0) }
        // For counts, the same bound at the point estimates n_i / N, for comparison (no confidence).
        let pointBound = try setup.counts.map { counts in
            try RobustnessBound(
                latentDimension: bound.latentDimension, classes: .exact(try ClassMeasures(counts.empiricalMeasures)),
                modulus: bound.modulus, expectedImageNorm: bound.expectedImageNorm)
        }
        let pointPercentiles = try pointBound.map { point in try setup.levels.map { try point.percentile($0) } }
        let balanced = try setup.levels.compactMap { try bound.balancedPercentile($0) }
        let equiprobable = try setup.levels.compactMap { try bound.equiprobablePercentile($0) }
        let transfer = try transferDelta.map { delta in try setup.levels.map { try bound.transferPercentile($0, delta: delta) } }
        let theorem4 = try bound.expectedRobustness(wassersteinSlack: wasserstein ?? 0)
        let grid = try makeGrid(bound)

        if json {
            var object: [(String, JSON)] = [
                ("latent_dimension", .number(Double(bound.latentDimension))),
                ("expected_latent_norm", .number(bound.expectedLatentNorm)),
                ("expected_image_norm", .optional(bound.expectedImageNorm)),
                ("classes", .number(Double(bound.classCount))),
            ]
            switch bound.classInformation {
            case .exact(let measures):
                object += [("class_measures", .numbers(measures.values)), ("class_counts", .null), ("confidence", .null), ("intervals", .null)]
            case .counts(let counts, let confidence):
                object += [
                    ("class_measures", .null), ("class_counts", .numbers(counts.counts.map(Double.init))),
                    ("confidence", .number(confidence)),
                    ("intervals", .array((bound.intervals ?? []).map { .numbers([$0.lowerBound, $0.upperBound]) })),
                ]
            }
            object += [
                ("modulus", modulusJSON(omega)),
                ("epsilon", .number(bound.epsilon)),
                ("equation", .string(bound.equation)),
                ("supremum", .number(bound.supremum)),
                ("percentiles", .array(main.map(percentileJSON))),
                ("point_estimate_percentiles", pointPercentiles.map { .array($0.map(percentileJSON)) } ?? .null),
                ("eq3_percentiles", balanced.isEmpty ? .null : .array(balanced.map(percentileJSON))),
                ("eq4_percentiles", equiprobable.isEmpty ? .null : .array(equiprobable.map(percentileJSON))),
                ("grid", .array(grid.map { row in
                    .object([
                        ("eta", .number(row.eta)), ("t", .number(row.t)), ("bound", .number(row.bound)),
                        ("eq3", .optional(row.balanced)), ("eq4", .optional(row.equiprobable)),
                    ])
                })),
                ("transfer", transfer.map { rows in
                    .object([("delta", .number(transferDelta ?? 0)), ("percentiles", .array(rows.map(percentileJSON)))])
                } ?? .null),
                ("theorem4", .object([
                    ("argument", .number(theorem4.argument)), ("wasserstein_slack", .number(theorem4.wassersteinSlack)),
                    ("expected_robustness", .optional(theorem4.value)), ("note", theorem4.note.map(JSON.string) ?? .null),
                ])),
            ]
            print(JSON.object(object).render())
            return
        }

        // Header: what the numbers rest on.
        print("Robustness ceiling: Theorem 1 of Fawzi, Fawzi & Fawzi (2018), valid for every classifier")
        print("  latent dimension d = \(bound.latentDimension), E||z||_2 = \(fmt(bound.expectedLatentNorm, digits: 6))")
        switch bound.classInformation {
        case .exact(let measures):
            if setup.measuresNote == "equiprobable" {
                print("  classes K = \(measures.count), equiprobable (p_i = \(fmt(1 / Double(measures.count))))")
            } else {
                let shown = list(Array(measures.values.prefix(20))) + (measures.count > 20 ? ", ..." : "")
                print("  classes K = \(measures.count), measures p = \(shown)")
            }
        case .counts(let counts, let confidence):
            let shown = counts.counts.prefix(20).map(String.init).joined(separator: ", ") + (counts.count > 20 ? ", ..." : "")
            print("  classes K = \(counts.count), counts n = \(shown) out of N = \(counts.total)")
            print("  class measures known with confidence \(percent(confidence)): simultaneous Clopper–Pearson intervals (Bonferroni over K):")
            let intervals = bound.intervals ?? []
            for (i, interval) in intervals.enumerated().prefix(20) {
                print("    p\(i + 1) in [\(fmt(interval.lowerBound)), \(fmt(interval.upperBound))]")
            }
            if intervals.count > 20 { print("    ... (\(intervals.count - 20) more)") }
            print("  the bound is a lower bound on the minimum of eq. (2) over these intervals with sum p_i = 1")
            print("  (each term replaced by its chord over its interval, which only lowers it); Theorem 4 takes the upper ends")
        }
        print("  modulus: \(omega)")
        if bound.epsilon > 0 { print("  the modulus fails with probability epsilon = \(fmt(bound.epsilon)): every bound below is reduced by epsilon") }
        let overall = overallConfidence(bound)
        if let overall { print("  everything below holds with confidence at least \(percent(overall))") }
        if let image = bound.expectedImageNorm { print("  E||g(z)|| = \(fmt(image))") }
        print("")

        print("Percentiles: smallest eta with P(r <= eta) >= q (robustness of at least a fraction q of the data is at most eta)")
        var headers = ["q", "t", "eta = omega(t)", "t / E||z||"]
        if bound.expectedImageNorm != nil { headers.append("eta / E||g(z)||") }
        if pointPercentiles != nil { headers.append("eta at p = n/N") }
        headers.append("equation")
        var notes: [String] = []
        let rows = main.indices.map { i -> [String] in
            let p = main[i]
            if let note = p.note { notes.append("q = \(fmt(p.level)): \(note)") }
            var row = [fmt(p.level), fmt(p.latentRadius), fmt(p.eta), fmt(p.normalisedLatent)]
            if bound.expectedImageNorm != nil { row.append(fmt(p.normalisedImage)) }
            if let pointPercentiles { row.append(fmt(pointPercentiles[i].eta)) }
            row.append(p.equation)
            return row
        }
        printTable(headers, rows)
        for note in notes { print("  - \(note)") }
        if pointPercentiles != nil {
            print("  (\"eta at p = n/N\" plugs in the point estimates: no confidence statement, for comparison only)")
        }

        if !balanced.isEmpty || !equiprobable.isEmpty {
            print("")
            print("Closed-form corollaries (looser than eq. (2); latent radius t at each level)")
            var headers = ["q"]
            if !balanced.isEmpty { headers.append("t eq. (3)") }
            if !equiprobable.isEmpty { headers.append("t eq. (4)") }
            var notes: [String] = []
            let rows = setup.levels.indices.map { i -> [String] in
                var row = [fmt(setup.levels[i])]
                for (name, list) in [("eq. (3)", balanced), ("eq. (4)", equiprobable)] where !list.isEmpty {
                    row.append(fmt(list[i].latentRadius))
                    if let note = list[i].note { notes.append("\(name), q = \(fmt(setup.levels[i])): \(note)") }
                }
                return row
            }
            printTable(headers, rows)
            for note in notes { print("  - \(note)") }
        }

        if let transfer, let transferDelta {
            print("")
            print("Transfer (Theorem 3, delta = \(fmt(transferDelta))): smallest eta at which one perturbation fools both classifiers for a fraction q")
            var notes: [String] = []
            let rows = transfer.map { p -> [String] in
                if let note = p.note { notes.append("q = \(fmt(p.level)): \(note)") }
                return [fmt(p.level), fmt(p.latentRadius), fmt(p.eta), fmt(p.normalisedLatent)]
            }
            printTable(["q", "t", "eta = omega(t)", "t / E||z||"], rows)
            for note in notes { print("  - \(note)") }
        }

        print("")
        print("Expected robustness (Theorem 4): E r <= omega^(S) + delta, S = sum_i [phi(a_i) - a_i p_i] = \(fmt(theorem4.argument)),")
        print("  omega^ the least concave majorant of omega, delta = \(fmt(theorem4.wassersteinSlack)) (Wasserstein slack)")
        if let value = theorem4.value {
            print("  bound: \(fmt(value))" + (bound.modulus.isIdentity && wasserstein == nil ? " (latent robustness, E r_Z)" : ""))
        } else if let note = theorem4.note {
            print("  not available: \(note)")
        }

        print("")
        print("The bound against eta (P(r <= eta) >= bound)")
        var gridHeaders = ["eta", "t = omega^-1(eta)", "bound"]
        let showBalanced = grid.contains { $0.balanced != nil }
        let showEquiprobable = grid.contains { $0.equiprobable != nil }
        if showBalanced { gridHeaders.append("eq. (3)") }
        if showEquiprobable { gridHeaders.append("eq. (4)") }
        printTable(gridHeaders, grid.map { row in
            var cells = [fmt(row.eta), fmt(row.t), fmt(row.bound)]
            if showBalanced { cells.append(fmt(row.balanced)) }
            if showEquiprobable { cells.append(fmt(row.equiprobable)) }
            return cells
        })
        if omega.maxRadius.isFinite {
            print("  (the modulus is known up to s = \(fmt(omega.maxRadius)), eta = \(fmt(omega(omega.maxRadius))); the bound is not extended beyond)")
        }
    }

    /// A lower bound on the joint confidence of everything printed (union bound over the class
    /// intervals and the modulus's sampling statement), nil when everything is exact.
    private func overallConfidence(_ bound: RobustnessBound) -> Double? {
        var miss = 0.0
        var any = false
        if let confidence = bound.confidence {
            miss += 1 - confidence
            any = true
        }
        if case .curve(let curve) = bound.modulus.kind, let confidence = curve.confidence, curve.kind == .sampled {
            miss += 1 - confidence
            any = true
        }
        return any ? max(0, 1 - miss) : nil
    }

    private struct GridRow {
        let eta: Double, t: Double, bound: Double
        let balanced: Double?, equiprobable: Double?
    }

    private func makeGrid(_ bound: RobustnessBound) throws -> [GridRow] {
        let omega = bound.modulus
        let top: Double
        if let etaMax {
            top = etaMax
        } else {
            let target = try bound.percentile(0.95).latentRadius
            let t = target ?? (omega.maxRadius.isFinite ? omega.maxRadius : 5)
            top = niceCeiling(omega(t))
        }
        return (0..<gridPoints).map { j in
            let eta = top * Double(j) / Double(gridPoints - 1)
            let t = omega.inverse(eta)
            return GridRow(
                eta: eta, t: t, bound: bound.probability(latentRadius: t),
                balanced: bound.balancedProbability(latentRadius: t),
                equiprobable: bound.equiprobableProbability(latentRadius: t))
        }
    }

    /// Rounds up to one of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten.
    private func niceCeiling(_ x: Double) -> Double {
        guard x.isFinite, x > 0 else { return 1 }
        let scale = pow(10, floor(log10(x)))
        for step in [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10] where step * scale >= x * (1 - 1e-12) {
            return step * scale
        }
        return 10 * scale
    }

    private func runKDependence() throws {
        let (levels, classCounts) = try kDependenceSetup()
        let norm = try latentDim.map { try LatentGaussian.expectedNorm(dimension: $0) }
        var curves: [[KDependence.Point]] = []
        for q in levels { curves.append(try KDependence.curve(classCounts: classCounts, level: q)) }

        if json {
            let points: [JSON] = classCounts.indices.map { i in
                .object([
                    ("classes", .number(Double(classCounts[i]))),
                    ("levels", .array(levels.indices.map { l in
                        let point = curves[l][i]
                        return .object([
                            ("q", .number(levels[l])), ("t", .number(point.latentRadius)),
                            ("t_over_sqrt_d", .optional(latentDim.map { point.latentRadius / Double($0).squareRoot() })),
                            ("t_over_expected_latent_norm", .optional(norm.map { point.latentRadius / $0 })),
                            ("t_eq4", .optional(point.equiprobableRadius)),
                        ])
                    })),
                ])
            }
            print(JSON.object([
                ("latent_dimension", latentDim.map { .number(Double($0)) } ?? .null),
                ("modulus", .object([("kind", .string("identity"))])),
                ("points", .array(points)),
            ]).render())
            return
        }

        print("K-dependence (Figure 2): the q-percentile of eq. (2) for K equiprobable classes, omega = identity")
        print("  t is the bound on the q-percentile of r_Z; divide by sqrt(d) for the figure's r / sqrt(d)"
            + (latentDim.map { " (d = \($0) given: columns t / sqrt(d) and t / E||z|| below)" } ?? " (give --latent-dim to print it)"))
        var headers = ["K"]
        for q in levels {
            headers.append(levels.count == 1 ? "t" : "t (q = \(fmt(q)))")
            if latentDim != nil { headers += [levels.count == 1 ? "t / sqrt(d)" : "t / sqrt(d) (q = \(fmt(q)))", "t / E||z||"] }
            headers.append(levels.count == 1 ? "t eq. (4)" : "t eq. (4) (q = \(fmt(q)))")
        }
        let rows = classCounts.indices.map { i -> [String] in
            var row = [String(classCounts[i])]
            for l in levels.indices {
                let point = curves[l][i]
                row.append(fmt(point.latentRadius))
                if let latentDim, let norm {
                    row += [fmt(point.latentRadius / Double(latentDim).squareRoot()), fmt(point.latentRadius / norm)]
                }
                row.append(fmt(point.equiprobableRadius))
            }
            return row
        }
        printTable(headers, rows)
        print("  (eq. (4) needs K >= 5; it is a looser closed form of the same bound)")
    }

    // MARK: - Output helpers

    private func percentileJSON(_ p: BoundPercentile) -> JSON {
        .object([
            ("q", .number(p.level)), ("reached", .bool(p.isReached)), ("t", .optional(p.latentRadius)), ("eta", .optional(p.eta)),
            ("t_over_expected_latent_norm", .optional(p.normalisedLatent)),
            ("eta_over_expected_image_norm", .optional(p.normalisedImage)),
            ("equation", .string(p.equation)), ("note", p.note.map(JSON.string) ?? .null),
        ])
    }

    private func modulusJSON(_ omega: Modulus) -> JSON {
        switch omega.kind {
        case .identity:
            return .object([("kind", .string("identity"))])
        case .lipschitz(let constant):
            return .object([("kind", .string("lipschitz")), ("lipschitz", .number(constant))])
        case .curve(let curve):
            return .object([
                ("kind", .string(curve.kind.rawValue)), ("file", modulus.map(JSON.string) ?? .null),
                ("radii", .numbers(curve.radii)), ("omega", .numbers(curve.omega)),
                ("epsilon", .number(curve.epsilon)), ("confidence", .optional(curve.confidence)),
                ("max_radius", .number(curve.maxRadius)),
            ])
        }
    }
}

/// Four significant digits, or "-" for a missing value.
private func fmt(_ x: Double?, digits: Int = 4) -> String {
    guard let x else { return "-" }
    if x == 0 { return "0" }
    return String(format: "%.\(digits)g", x)
}

private func list(_ values: [Double]) -> String {
    values.map { fmt($0) }.joined(separator: ", ")
}

private func percent(_ x: Double) -> String {
    let value = x * 100
    return value == value.rounded() ? "\(Int(value))%" : "\(fmt(value))%"
}

/// Right-aligned numeric columns, left-aligned last column when it is text; a rule under the
/// header.
private func printTable(_ header: [String], _ rows: [[String]]) {
    let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
        var parts: [String] = []
        for (c, cell) in cells.enumerated() {
            let pad = String(repeating: " ", count: widths[c] - cell.count)
            let isTextColumn = header[c] == "equation"
            parts.append(isTextColumn ? cell + pad : pad + cell)
        }
        return "  " + parts.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }
    print(line(header))
    print(line(widths.map { String(repeating: "-", count: $0) }))
    for row in rows { print(line(row)) }
}

/// A minimal JSON value that keeps key order and writes non-finite numbers as null.
private indirect enum JSON {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    static func optional(_ x: Double?) -> JSON { x.map(JSON.number) ?? .null }
    static func numbers(_ xs: [Double]) -> JSON { .array(xs.map(JSON.number)) }

    func render(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1)
        let closing = String(repeating: "  ", count: indent)
        switch self {
        case .null:
            return "null"
        case .bool(let value):
            return value ? "true" : "false"
        case .number(let value):
            guard value.isFinite else { return "null" }
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return "\(value)"
        case .string(let value):
            return Self.quote(value)
        case .array(let items):
            if items.isEmpty { return "[]" }
            if items.allSatisfy({ if case .number = $0 { return true } else { return false } }) {
                return "[" + items.map { $0.render() }.joined(separator: ", ") + "]"
            }
            return "[\n" + items.map { pad + $0.render(indent: indent + 1) }.joined(separator: ",\n") + "\n" + closing + "]"
        case .object(let pairs):
            if pairs.isEmpty { return "{}" }
            return "{\n" + pairs.map { pad + Self.quote($0.0) + ": " + $0.1.render(indent: indent + 1) }.joined(separator: ",\n")
                + "\n" + closing + "}"
        }
    }

    private static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case let c where c.value < 0x20: result += String(format: "\\u%04x", c.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
