/// How hard the decision-based search for r_unc(f~) works. Every query of f~ is an inversion of
/// the generator, so the budget is counted in queries: per clean point at most
///
///     C * (4 + binarySteps + D) + walkIterations * (probes + F * (3 + binarySteps))
///       + (walkIterations + 2) * D
///
/// for C candidate sets, F step fractions and D confirmation depths: each candidate set's
/// screening, check, binary search (with its limit and last-midpoint queries,
/// `ProjectionSearch.segmentSearch`) and confirmation; each walk iteration's probes, steps and
/// binary searches; the final verification of each walk iteration's point, the pre-walk point and
/// the fooling candidate. With the defaults and two candidate sets that is 2 * 17 + 2 * 51 + 4 * 3
/// = 148 queries per point, at most 2 * 4 + 12 = 20 of them with the full inversion. Far fewer are
/// spent: a binary search asks only the halvings whose answer is not known yet, and the
/// confirmations try their depths in turn.
///
/// Queries are batched over all points. The checks, confirmations and verifications use the
/// projection classifier's own, full inversion (random restarts plus the solutions known nearby
/// as warm starts); all others use `queryInversion`, which by default only polishes the solutions
/// of the neighbouring queries (10 steps: 12 passes per start, against 132 for each random start
/// of the full inversion). Polishing
/// keeps to the basins of its starts: with the two ends of a long segment as starts (two
/// generated images ~17.7 apart) it mislabelled the points between them that a third basin wins,
/// and the confirmations rejected most of its binary searches. With the ends of the current
/// bracket as starts the basins move along with the search. Measured on the bundled DCGAN and
/// ResNet with candidates from r_in and r_unc: at 4 points the earlier defaults (50 Adam + 20
/// polish steps per query, confirmations of every walk iteration, depths checked together) spent
/// 457 queries and 85,600 generator passes, these (with 8 halvings) 224 queries and 9,900 passes;
/// at 32 points these spend 87,900 passes, what the earlier ones spent on 4. The halvings stay at
/// 10: with 8, one fixture point came out 0.1% above the earlier search, the resolution of the
/// binary search. On the same
/// candidates r_unc(f~) came out between 9% below and 6% above the earlier values point by point
/// (the walk rarely moves far from the r_in point there, and which of its small gains it finds
/// varies).
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
                queryInversion: InversionSettings = InversionSettings(steps: 0, polishSteps: 10, restarts: 0),
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
        return c * (4 + binarySteps + d) + walkIterations * (probes + stepFractions.count * (3 + binarySteps)) + (walkIterations + 2) * d
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
