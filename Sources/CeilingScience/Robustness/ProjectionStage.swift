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

    /// What the default run and `ceiling robustness` use: 32 points, sized so that the stage
    /// costs what the other notions cost at 256 points.
    public static let standard = ProjectionStageSettings(
        samples: 32, inversion: InversionSettings(steps: 60, polishSteps: 20, restarts: 1),
        search: ProjectionSearchSettings(binarySteps: 8, walkIterations: 1, probes: 6,
                                         queryInversion: InversionSettings(steps: 20, polishSteps: 10, restarts: 0)))
}

/// What the projection stage found: r_unc of f~ and Theorem 2 checked against r_in.
public struct ProjectionMeasurement: Sendable {
    public let robustness: ProjectionRobustness
    public let theoremTwo: TheoremTwoCheck
}

/// Theorem 2's projection classifier searched at given points, with the r_in and r_unc adversaries
/// of f as the search's starting candidates (`RobustnessStudy` calls it one point at a time, so
/// each point's search and its random draws depend on that point alone).
struct ProjectionStage {
    let generator: any DifferentiableMap
    let classifier: any DifferentiableMap
    let settings: ProjectionStageSettings

    /// - Parameters:
    ///   - z: latent codes of the points.
    ///   - x: their images g(z).
    ///   - inDistribution: the r_in adversary (latent perturbations) at the same points.
    ///   - unconstrained: the r_unc adversary (image perturbations), nil when not measured.
    func search(z: Tensor, x: Tensor, inDistribution: AttackResult, unconstrained: AttackResult?, seed: UInt64) throws -> ProjectionRobustness {
        var inversion = settings.inversion
        inversion.seed = seed
        var search = settings.search
        search.seed = seed &+ 1
        let inLatents = shifted(z, by: inDistribution.perturbations)
        var candidates = [AdversarialCandidates(name: "r_in", points: generator(inLatents), latents: inLatents, available: inDistribution.success)]
        if let unconstrained {
            candidates.append(AdversarialCandidates(name: "r_unc(f)", points: x, perturbations: unconstrained.perturbations,
                                                    success: unconstrained.success))
        }
        let projection = try ProjectionClassifier(generator: generator, classifier: classifier, settings: inversion)
        return try ProjectionSearch(projection: projection, settings: search).run(points: x, latents: z, candidates: candidates).robustness
    }
}
