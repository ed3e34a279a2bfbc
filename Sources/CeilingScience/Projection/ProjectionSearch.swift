import CeilingEngine

/// The unconstrained robustness of the projection classifier, r_unc(f~)(x) = min ||v|| s.t.
/// f~(x + v) != f~(x), by a decision-based search: f~ goes through an argmin, so it has no useful
/// gradient, and only its labels are queried.
///
/// 1. f~(x) from a full inversion (warm-started at x's latent code when the caller knows it).
/// 2. Each candidate set (e.g. the r_in point and the r_unc point of f) is checked: only the
///    candidates that really change f~'s label are kept. For each, a binary search on the segment
///    from x finds a boundary point; the nearest one per point is kept once a full inversion
///    confirms it (else the fooling candidate itself).
/// 3. A boundary walk shortens it (`ProjectionSearch+Walk`): estimate the boundary's normal from
///    the labels of probes around the boundary point, step along it into the adversarial side,
///    binary-search back toward x, keep the result if nearer and confirmed by a full inversion.
/// 4. The final point is verified with a fresh full inversion (new seed, warm-started at the
///    solutions known there), at the depths of `checkAtDepths`; if it no longer fools f~, the best
///    point from before the walk is tried, then the fooling candidate itself; if none is
///    confirmed, the point is censored. The reported norm is that of the verified point.
///
/// All queries of a stage run as one batch over all points; every batch has its own seed, derived
/// from `settings.seed`, so a search is reproducible.
public struct ProjectionSearch: Sendable {
    public let projection: ProjectionClassifier
    public let settings: ProjectionSearchSettings
    let queryInversion: GeneratorInversion

    /// - Throws: `ProjectionError.invalidSetting` for settings out of range.
    public init(projection: ProjectionClassifier, settings: ProjectionSearchSettings = ProjectionSearchSettings()) throws(ProjectionError) {
        try settings.validate()
        self.projection = projection
        self.settings = settings
        queryInversion = try GeneratorInversion(generator: projection.generator, settings: settings.queryInversion)
    }

    /// Searches r_unc(f~) at each point of `points`.
    ///
    /// - Parameters:
    ///   - points: the clean images x, [N] + image shape (for Theorem 2, generated ones x = g(z)).
    ///   - latents: their latent codes when x = g(latents) (an exact warm start for x's inversion).
    ///   - candidates: known adversarial points per clean point.
    /// - Throws: `ProjectionError` for shapes or counts that do not fit.
    public func run(points x: Tensor, latents: Tensor? = nil, candidates: [AdversarialCandidates]) throws(ProjectionError) -> ProjectionSearchResult {
        let generator = projection.generator
        guard x.shape.count >= 1, x.sampleShape == generator.outputShape else {
            throw .shapeMismatch("points of shape \(describe(shape: x.shape)) do not match the generator's output [N] + \(describe(shape: generator.outputShape))")
        }
        let n = x.batch
        if let latents, latents.shape.count < 1 || latents.sampleShape != generator.inputShape || latents.batch != n {
            throw .shapeMismatch("latents of shape \(describe(shape: latents.shape)) do not match [\(n)] + \(describe(shape: generator.inputShape))")
        }
        for set in candidates {
            try set.validate(count: n, imageShape: generator.outputShape, latentShape: generator.inputShape)
        }
        var oracle = ProjectionOracle(projection: projection, queryInversion: queryInversion, seed: settings.seed)
        let budget = settings.maximumQueriesPerPoint(candidateSets: candidates.count)
        guard let clean = try oracle.ask(x, warmStarts: latents.map { [$0] } ?? [], full: true) else {
            let empty = ProjectionRobustness(norms: [], success: [], labels: [], classifierLabels: [], adversarialLabels: [],
                                             reconstructionErrors: [], adversarialReconstructionErrors: [], witnessDistances: [],
                                             witnessFoolsClassifier: [], sources: [], queries: 0, maximumQueriesPerPoint: budget)
            return ProjectionSearchResult(robustness: empty, adversarialPoints: x, adversarialLatents: Tensor(zeros: [0] + generator.inputShape),
                                          cleanInversion: Inversion(latents: Tensor(zeros: [0] + generator.inputShape), reconstructions: x,
                                                                    errors: [], winningStarts: [], restarts: projection.inversion.settings.restarts))
        }
        let y = clean.labels, zx = clean.inversion.latents
        var state = ProjectionSearchState(points: x, latents: zx, labels: y)
        var raw = state   // the nearest fooling candidate itself, the last fallback

        // Candidates: keep those that fool f~, then binary-search each toward x.
        for set in candidates {
            let rows = (0..<n).filter { set.available[$0] }
            let points = ProjectionRows.pick(set.points, rows)
            var warm = [ProjectionRows.pick(zx, rows)]
            if let latents = set.latents { warm.append(ProjectionRows.pick(latents, rows)) }
            guard let answer = try oracle.ask(points, warmStarts: warm, full: true) else { continue }
            let fooling = rows.indices.filter { answer.labels[$0] != y[rows[$0]] }
            let owners = fooling.map { rows[$0] }
            let foolingPoints = ProjectionRows.pick(points, fooling)
            raw.improve(owners, with: ProjectionSegmentOutcome(
                points: foolingPoints, latents: ProjectionRows.pick(answer.inversion.latents, fooling), labels: fooling.map { answer.labels[$0] },
                distances: ProjectionRows.distances(foolingPoints, ProjectionRows.pick(x, owners))), source: set.name)
            let outcome = try segmentSearch(
                origins: ProjectionRows.pick(x, owners), originLatents: ProjectionRows.pick(zx, owners), labels: owners.map { y[$0] },
                targets: foolingPoints, targetLatents: ProjectionRows.pick(answer.inversion.latents, fooling),
                targetLabels: fooling.map { answer.labels[$0] }, oracle: &oracle)
            if let outcome, let kept = try confirmed(outcome, owners: owners, beating: state, points: x, cleanLatents: zx, labels: y, oracle: &oracle) {
                state.improve(kept.owners, with: kept.outcome, source: set.name)
            }
        }
        // Where no binary-search point was confirmed, walk from the fooling candidate itself.
        let unconfirmed = (0..<n).filter { !state.distances[$0].isFinite && raw.distances[$0].isFinite }
        state.improve(unconfirmed, with: ProjectionSegmentOutcome(
            points: ProjectionRows.pick(raw.boundary, unconfirmed), latents: ProjectionRows.pick(raw.latents, unconfirmed),
            labels: unconfirmed.map { raw.labels[$0] }, distances: unconfirmed.map { raw.distances[$0] }))
        for p in unconfirmed { state.sources[p] = raw.sources[p] }

        let beforeWalk = state
        var scales = ProjectionWalkScales(count: n)
        for iteration in 0..<settings.walkIterations {
            try walk(iteration: iteration, points: x, cleanLatents: zx, labels: y, state: &state, scales: &scales, oracle: &oracle)
        }

        return try verify(points: x, clean: clean, attempts: [state, beforeWalk, raw], oracle: &oracle, budget: budget)
    }

    /// Step 4: a fresh full inversion at each final point; where it does not confirm, the same at
    /// the next attempt (the pre-walk point, then the fooling candidate itself) if that is a
    /// different point; censored where none is confirmed.
    private func verify(points x: Tensor, clean: ProjectedLabels, attempts: [ProjectionSearchState],
                        oracle: inout ProjectionOracle, budget: Int) throws(ProjectionError) -> ProjectionSearchResult {
        let n = x.batch
        let y = clean.labels, zx = clean.inversion.latents
        let classifierLabels = projection.classifier.labels(x)
        var result = ProjectionRobustness(
            norms: Array(repeating: .infinity, count: n), success: Array(repeating: false, count: n), labels: y,
            classifierLabels: classifierLabels, adversarialLabels: y, reconstructionErrors: clean.inversion.errors,
            adversarialReconstructionErrors: Array(repeating: .infinity, count: n), witnessDistances: Array(repeating: .infinity, count: n),
            witnessFoolsClassifier: Array(repeating: false, count: n), sources: Array(repeating: "", count: n),
            queries: 0, maximumQueriesPerPoint: budget)
        var adversarialPoints = x, adversarialLatents = zx

        // A point is identified by its distance to x: each attempt retries only new points.
        var tried = [Set<Double>](repeating: [], count: n)
        for attempt in attempts {
            let rows = (0..<n).filter { p in
                !result.success[p] && attempt.distances[p].isFinite && !tried[p].contains(attempt.distances[p])
            }
            for p in rows { tried[p].insert(attempt.distances[p]) }
            guard let check = try checkAtDepths(ProjectionRows.pick(attempt.boundary, rows), latents: ProjectionRows.pick(attempt.latents, rows),
                                                owners: rows, points: x, cleanLatents: zx, labels: y, oracle: &oracle) else { continue }
            let witnesses = ProjectionRows.distances(check.reconstructions, ProjectionRows.pick(x, check.owners))
            for (j, p) in check.owners.enumerated() {
                result.norms[p] = check.distances[j]
                result.success[p] = true
                result.adversarialLabels[p] = check.labels[j]
                result.adversarialReconstructionErrors[p] = check.errors[j]
                result.witnessDistances[p] = witnesses[j]
                result.witnessFoolsClassifier[p] = check.labels[j] != classifierLabels[p]
                result.sources[p] = attempt.sources[p]
            }
            ProjectionRows.put(check.points, into: &adversarialPoints, at: check.owners)
            ProjectionRows.put(check.latents, into: &adversarialLatents, at: check.owners)
        }
        result.queries = oracle.queries
        return ProjectionSearchResult(robustness: result, adversarialPoints: adversarialPoints,
                                      adversarialLatents: adversarialLatents, cleanInversion: clean.inversion)
    }
}

/// The best adversarial point of f~ found so far for each clean point.
struct ProjectionSearchState {
    /// [N] + image shape: the boundary points (x where none).
    var boundary: Tensor
    /// z* at the boundary points (z*(x) where none).
    var latents: Tensor
    /// ||b - x|| (+infinity where none).
    var distances: [Double]
    /// f~(b) (f~(x) where none).
    var labels: [Int]
    var sources: [String]

    init(points: Tensor, latents: Tensor, labels: [Int]) {
        boundary = points
        self.latents = latents
        distances = Array(repeating: .infinity, count: points.batch)
        self.labels = labels
        sources = Array(repeating: "", count: points.batch)
    }

    /// Takes the outcome's points for clean points `owners` (which may repeat) where they are
    /// nearer.
    mutating func improve(_ owners: [Int], with outcome: ProjectionSegmentOutcome, source: String? = nil) {
        let imageSize = boundary.sampleSize, latentSize = latents.sampleSize
        for (j, p) in owners.enumerated() where outcome.distances[j] < distances[p] {
            for i in 0..<imageSize { boundary.data[p * imageSize + i] = outcome.points.data[j * imageSize + i] }
            for i in 0..<latentSize { latents.data[p * latentSize + i] = outcome.latents.data[j * latentSize + i] }
            distances[p] = outcome.distances[j]
            labels[p] = outcome.labels[j]
            if let source { sources[p] = source }
        }
    }
}
