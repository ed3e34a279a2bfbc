/// How hard the decision-based search for r_unc(f~) works. Every query of f~ is an inversion of
/// the generator, so the budget is counted in queries: per clean point at most
///
///     C * (1 + binarySteps + D) + walkIterations * (probes + F * (1 + binarySteps) + D) + 3 D
///
/// for C candidate sets, F step fractions and D confirmation depths: each candidate set's check,
/// binary search and confirmation; each walk iteration's probes, steps, binary searches and
/// confirmation; at most three final verifications. With the defaults and two candidate sets
/// that is 28 + 2 * 48 + 9 = 133 queries per point, 2 * 4 + 2 * 3 + 9 = 23 of them with the full
/// inversion.
///
/// Queries are batched over all points. The checks, confirmations and verifications use the
/// projection classifier's own, full inversion (random restarts plus the solutions known nearby
/// as warm starts); all others use `queryInversion`, which by default only refines the solutions
/// known nearby (the clean point's and the current boundary point's) by 50 Adam and 20 polish
/// steps, about 1/4 of a full inversion's passes. (Polishing alone, 1/12 of the passes, is
/// enough near the image of g, but between two generated images, far from it, it keeps to the
/// basins of the two ends and mislabels points that another basin wins; the confirmations then
/// reject most of its binary searches.) Measured on a DCGAN-32 (nz 100, ngf 64, random weights)
/// with a ResNet-18 of width 8, 8 generated points, one candidate set (the nearest generated
/// image of another class, ~17.7 away), two busy cores: 277 s for the 8 points with the defaults
/// (843 queries); the binary searches alone brought the norms to 2.7-13.3, the two walk
/// iterations to 0.7-10.2.
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
    /// Depths at which a point is checked with the full inversion before it is accepted or
    /// reported: x + c (b - x) for each c, all >= 1, the shallowest that fools f~ wins
    /// (`ProjectionSearch.checkAtDepths`).
    public var confirmationDepths: [Double]
    /// The inversion used for the search's other queries.
    public var queryInversion: InversionSettings
    /// Seed of the probes and of every query's inversion.
    public var seed: UInt64

    public init(binarySteps: Int = 10, walkIterations: Int = 2, probes: Int = 12, probeRadius: Double = 0.05,
                stepFractions: [Double] = [4, 1, 0.25], tangentProbes: Bool = true,
                confirmationDepths: [Double] = [1, 1.02, 1.1],
                queryInversion: InversionSettings = InversionSettings(steps: 50, polishSteps: 20, restarts: 0),
                seed: UInt64 = 0) {
        self.binarySteps = binarySteps
        self.walkIterations = walkIterations
        self.probes = probes
        self.probeRadius = probeRadius
        self.stepFractions = stepFractions
        self.tangentProbes = tangentProbes
        self.confirmationDepths = confirmationDepths
        self.queryInversion = queryInversion
        self.seed = seed
    }

    /// The most queries of f~ spent per clean point with `candidateSets` sets of candidates.
    public func maximumQueriesPerPoint(candidateSets c: Int) -> Int {
        let d = confirmationDepths.count
        return c * (1 + binarySteps + d) + walkIterations * (probes + stepFractions.count * (1 + binarySteps) + d) + 3 * d
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
        guard !confirmationDepths.isEmpty, confirmationDepths.allSatisfy({ $0.isFinite && $0 >= 1 }) else {
            throw .invalidSetting("confirmation depths must be finite and at least 1 (got \(confirmationDepths))")
        }
        try queryInversion.validate()
    }
}
