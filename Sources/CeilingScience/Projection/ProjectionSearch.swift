import CeilingEngine

/// The unconstrained robustness of the projection classifier, r_unc(f~)(x) = min ||v|| s.t.
/// f~(x + v) != f~(x), by a decision-based search: f~ goes through an argmin, so it has no useful
/// gradient, and only its labels are queried.
///
/// 1. f~(x) from a full inversion (warm-started at x's latent code when the caller knows it).
/// 2. Each candidate set (e.g. the r_in point and the r_unc point of f) is checked (screened by a
///    cheap query, then with the full inversion): only the candidates that really change f~'s
///    label are kept. For each, a binary search on the segment from x finds a boundary point; the
///    nearest one per point is kept once a full inversion confirms it (else the fooling candidate
///    itself, which the check has confirmed).
/// 3. A boundary walk shortens it (`ProjectionSearch+Walk`): estimate the boundary's normal from
///    the labels of probes around the boundary point, step along it into the adversarial side,
///    binary-search back toward x, keep the result if nearer.
/// 4. The final point is verified with a fresh full inversion (new seed, warm-started at the
///    solutions known there), at the depths of `checkAtDepths`; where it no longer fools f~, or
///    only at a depth beyond the next point, the earlier walk iterations' points are tried, then
///    the best point from before the walk, then the fooling candidate itself; the nearest
///    confirmed one is reported, and the point is censored where none is confirmed.
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
            func warmStarts(_ rows: [Int]) -> [Tensor] {
                [ProjectionRows.pick(zx, rows)] + (set.latents.map { [ProjectionRows.pick($0, rows)] } ?? [])
            }
            // A cheap query screens the set: only the candidates it finds adversarial are checked
            // with the full inversion (an r_unc point of f within r_in / 2 of x cannot fool an
            // exact f~, by Theorem 2, and costs one polish instead of an inversion).
            let available = (0..<n).filter { set.available[$0] }
            guard let screen = try oracle.ask(ProjectionRows.pick(set.points, available), warmStarts: warmStarts(available), full: false) else { continue }
            let rows = available.indices.filter { screen.labels[$0] != y[available[$0]] }.map { available[$0] }
            let points = ProjectionRows.pick(set.points, rows)
            guard let answer = try oracle.ask(points, warmStarts: warmStarts(rows), full: true) else { continue }
            let fooling = rows.indices.filter { answer.labels[$0] != y[rows[$0]] }
            let owners = fooling.map { rows[$0] }
            let foolingPoints = ProjectionRows.pick(points, fooling)
            let origins = ProjectionRows.pick(x, owners)
            let checked = ProjectionSegmentOutcome(
                points: foolingPoints, latents: ProjectionRows.pick(answer.inversion.latents, fooling), labels: fooling.map { answer.labels[$0] },
                distances: ProjectionRows.distances(foolingPoints, origins))
            raw.improve(owners, with: checked, source: set.name)
            // Where an earlier set already gave a confirmed point, search only within its distance.
            let limits = zip(owners, checked.distances).map { p, length in min(1, state.distances[p] / length) }
            guard let outcome = try segmentSearch(
                origins: origins, originLatents: ProjectionRows.pick(zx, owners), labels: owners.map { y[$0] },
                targets: foolingPoints, targetLatents: checked.latents, targetLabels: checked.labels, limits: limits, oracle: &oracle) else { continue }
            // A search that ended at the candidate itself needs no confirmation: the full inversion
            // above has just checked that very point.
            let atCandidate = owners.indices.filter { outcome.distances[$0].isFinite && outcome.distances[$0] >= checked.distances[$0] * (1 - 1e-6) }
            state.improve(atCandidate.map { owners[$0] }, with: checked.rows(atCandidate), source: set.name)
            let nearer = owners.indices.filter { outcome.distances[$0] < checked.distances[$0] * (1 - 1e-6) }
            if let kept = try confirmed(outcome.rows(nearer), owners: nearer.map { owners[$0] }, beating: state, points: x,
                                        cleanLatents: zx, labels: y, oracle: &oracle) {
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
        // The walk's states, latest first: the verification's first attempts.
        var walked = [ProjectionSearchState]()
        for iteration in 0..<settings.walkIterations {
            try walk(iteration: iteration, points: x, cleanLatents: zx, labels: y, state: &state, scales: &scales, oracle: &oracle)
            walked.insert(state, at: 0)
        }

        return try verify(points: x, clean: clean, attempts: walked + [beforeWalk, raw], oracle: &oracle, budget: budget)
    }

    /// Step 4: a fresh full inversion at each final point; where it does not confirm, or confirms
    /// only at a depth that puts it beyond the next attempt, the same at the next attempt (the
    /// points of the earlier walk iterations, the pre-walk point, then the fooling candidate
    /// itself) if that is a different point; the nearest confirmed point is reported, and a point
    /// is censored where none is confirmed.
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

        // A point is identified by its distance to x: each attempt retries only new points, and
        // only where it could beat what is verified already (a point confirmed only at a deeper
        // depth may be farther than the next attempt's).
        var tried = [Set<Double>](repeating: [], count: n)
        for attempt in attempts {
            let rows = (0..<n).filter { p in
                attempt.distances[p] < result.norms[p] && !tried[p].contains(attempt.distances[p])
            }
            for p in rows { tried[p].insert(attempt.distances[p]) }
            guard let check = try checkAtDepths(ProjectionRows.pick(attempt.boundary, rows), latents: ProjectionRows.pick(attempt.latents, rows),
                                                owners: rows, points: x, cleanLatents: zx, labels: y, oracle: &oracle) else { continue }
            let witnesses = ProjectionRows.distances(check.reconstructions, ProjectionRows.pick(x, check.owners))
            for (j, p) in check.owners.enumerated() where check.distances[j] < result.norms[p] {
                result.norms[p] = check.distances[j]
                result.success[p] = true
                result.adversarialLabels[p] = check.labels[j]
                result.adversarialReconstructionErrors[p] = check.errors[j]
                result.witnessDistances[p] = witnesses[j]
                result.witnessFoolsClassifier[p] = check.labels[j] != classifierLabels[p]
                result.sources[p] = attempt.sources[p]
                for i in 0..<x.sampleSize { adversarialPoints.data[p * x.sampleSize + i] = check.points.data[j * x.sampleSize + i] }
                for i in 0..<zx.sampleSize { adversarialLatents.data[p * zx.sampleSize + i] = check.latents.data[j * zx.sampleSize + i] }
            }
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
