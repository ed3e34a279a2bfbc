/// How hard the decision-based search for r_unc(f~) works. Every query of f~ is an inversion of
/// the generator, so the budget is counted in queries: per clean point at most
///
///     C + C * binarySteps + walkIterations * (probes + F + F * binarySteps) + 2
///
/// for C candidate sets and F step fractions (the candidates' check and binary searches, the
/// walk's probes, steps and binary searches, and at most two verifications). With the defaults and
/// two candidate sets that is 2 + 20 + 4 * 45 + 2 = 204 queries per point, 24 of them with the
/// full inversion. Queries are batched over all points and run with `queryInversion`, which
/// by default only refines the solutions already known nearby (the clean point's and the current
/// boundary point's) by 20 adaptive gradient steps, about 1/7 of a full inversion's passes;
/// checks of candidates and the final verification use the projection classifier's own, full
/// inversion (random restarts plus those warm starts).
public struct ProjectionSearchSettings: Sendable, Equatable, Codable {
    /// Halvings of each binary search along a segment (relative precision 2^-steps of the segment).
    public var binarySteps: Int
    /// Boundary-walk iterations after the candidates' binary searches (0: no walk).
    public var walkIterations: Int
    /// Probes per walk iteration for the boundary normal.
    public var probes: Int
    /// Probe distance from the boundary point, as a fraction of its current distance to x.
    public var probeRadius: Double
    /// Lengths of the steps from the boundary point along the estimated normal, as fractions of
    /// its current distance to x, tried together.
    public var stepFractions: [Double]
    /// Probe along the generator's tangent space at the boundary point's projection (true) or
    /// isotropically in image space (false). To first order f~ changes only along the tangent
    /// space of the generator's image (moving x along a normal direction leaves its projection
    /// in place), so tangent probes find the boundary normal with d rather than m unknowns.
    public var tangentProbes: Bool
    /// The inversion used for the search's queries.
    public var queryInversion: InversionSettings
    /// Seed of the probes and of every query's inversion.
    public var seed: UInt64

    public init(binarySteps: Int = 10, walkIterations: Int = 4, probes: Int = 12, probeRadius: Double = 0.05,
                stepFractions: [Double] = [4, 1, 0.25], tangentProbes: Bool = true,
                queryInversion: InversionSettings = InversionSettings(steps: 0, polishSteps: 20, restarts: 0),
                seed: UInt64 = 0) {
        self.binarySteps = binarySteps
        self.walkIterations = walkIterations
        self.probes = probes
        self.probeRadius = probeRadius
        self.stepFractions = stepFractions
        self.tangentProbes = tangentProbes
        self.queryInversion = queryInversion
        self.seed = seed
    }

    /// The most queries of f~ spent per clean point with `candidateSets` sets of candidates.
    public func maximumQueriesPerPoint(candidateSets c: Int) -> Int {
        c + c * binarySteps + walkIterations * (probes + stepFractions.count * (1 + binarySteps)) + 2
    }

    /// Throws the first setting that is out of range.
    public func validate() throws(ProjectionError) {
        guard binarySteps >= 1 else { throw .invalidSetting("binary-search steps must be at least 1 (got \(binarySteps))") }
        guard walkIterations >= 0 else { throw .invalidSetting("walk iterations must be at least 0 (got \(walkIterations))") }
        guard probes >= 2 else { throw .invalidSetting("the walk needs at least 2 probes (got \(probes))") }
        guard probeRadius.isFinite, probeRadius > 0, probeRadius < 1 else {
            throw .invalidSetting("the probe radius must be in (0, 1) (got \(probeRadius))")
        }
        guard !stepFractions.isEmpty, stepFractions.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw .invalidSetting("step fractions must be finite and positive (got \(stepFractions))")
        }
        try queryInversion.validate()
    }
}
