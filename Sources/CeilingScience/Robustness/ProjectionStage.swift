import CeilingEngine

/// Settings of the projection-classifier stage of a robustness measurement.
public struct ProjectionStageSettings: Codable, Sendable, Equatable {
    /// Points searched (the first ones of the attacked sample): each query of the decision-based
    /// search is a whole generator inversion, so this stage costs far more per point than the others.
    public var samples: Int
    /// f~'s own inversion (the one that defines the classifier, with restarts).
    public var inversion: InversionSettings
    public var search: ProjectionSearchSettings

    public init(samples: Int = 16, inversion: InversionSettings = InversionSettings(),
                search: ProjectionSearchSettings = ProjectionSearchSettings()) {
        self.samples = samples
        self.inversion = inversion
        self.search = search
    }
}

/// What the projection stage found: r_unc of f~ and Theorem 2 checked against r_in.
public struct ProjectionMeasurement: Sendable {
    public let robustness: ProjectionRobustness
    public let theoremTwo: TheoremTwoCheck
}

/// Theorem 2's projection classifier measured at the first points of a robustness sample, with
/// the r_in and r_unc adversaries of f as the search's starting candidates.
struct ProjectionStage {
    let generator: any DifferentiableMap
    let classifier: any DifferentiableMap
    let settings: ProjectionStageSettings

    /// - Parameters:
    ///   - z: latent codes of the attacked points.
    ///   - x: their images g(z).
    ///   - inDistribution: the r_in adversary (latent perturbations), nil when not measured.
    ///   - unconstrained: the r_unc adversary (image perturbations), nil when not measured.
    func run(z: Tensor, x images: Tensor, inDistribution: AttackResult, unconstrained: AttackResult?, seed: UInt64) throws -> ProjectionMeasurement {
        let rows = Array(0..<min(settings.samples, z.batch))
        let zs = gather(z, rows), x = gather(images, rows)
        var inversion = settings.inversion
        inversion.seed = seed
        var search = settings.search
        search.seed = seed &+ 1
        let inLatents = shifted(zs, by: gather(inDistribution.perturbations, rows))
        var candidates = [AdversarialCandidates(name: "r_in", points: generator(inLatents), latents: inLatents,
                                                available: rows.map { inDistribution.success[$0] })]
        if let unconstrained {
            candidates.append(AdversarialCandidates(name: "r_unc(f)", points: x, perturbations: gather(unconstrained.perturbations, rows),
                                                    success: rows.map { unconstrained.success[$0] }))
        }
        let projection = try ProjectionClassifier(generator: generator, classifier: classifier, settings: inversion)
        let found = try ProjectionSearch(projection: projection, settings: search).run(points: x, latents: zs, candidates: candidates)
        let check = try TheoremTwoCheck.check(found.robustness, inDistribution: rows.map { inDistribution.norms[$0] })
        return ProjectionMeasurement(robustness: found.robustness, theoremTwo: check)
    }
}
