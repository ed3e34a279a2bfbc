import CeilingEngine

/// Boundary points found by binary searches on segments from clean points.
struct ProjectionSegmentOutcome {
    /// The adversarial end of each final bracket, [K] + image shape.
    let points: Tensor
    /// z* there (from the query that found it adversarial).
    let latents: Tensor
    /// f~ there.
    let labels: [Int]
    /// ||point - origin||.
    let distances: [Double]
}

extension ProjectionSearch {
    /// Binary search on each segment from x_i (label y_i under f~) to an adversarial target p_i:
    /// keeps a bracket [lo, hi] of fractions with x_i + hi (p_i - x_i) adversarial, halving it
    /// `binarySteps` times, and returns the adversarial end. f~ need not be monotone along the
    /// segment; the search then finds one of its crossings, which is still a valid adversarial
    /// point. Each query warm-starts at x's solution and at the current adversarial end's.
    func segmentSearch(origins: Tensor, originLatents: Tensor, labels y: [Int], targets: Tensor, targetLatents: Tensor,
                       targetLabels: [Int], oracle: inout ProjectionOracle) throws(ProjectionError) -> ProjectionSegmentOutcome? {
        let k = origins.batch
        guard k > 0 else { return nil }
        var lo = [Double](repeating: 0, count: k), hi = [Double](repeating: 1, count: k)
        var hiLatents = targetLatents, hiLabels = targetLabels
        for _ in 0..<settings.binarySteps {
            let mid = (0..<k).map { (lo[$0] + hi[$0]) / 2 }
            guard let answer = try oracle.ask(ProjectionRows.along(origins, targets, mid), warmStarts: [originLatents, hiLatents], full: false) else { break }
            var adversarial = [Int]()
            for i in 0..<k {
                if answer.labels[i] != y[i] {
                    hi[i] = mid[i]
                    hiLabels[i] = answer.labels[i]
                    adversarial.append(i)
                } else {
                    lo[i] = mid[i]
                }
            }
            ProjectionRows.put(ProjectionRows.pick(answer.inversion.latents, adversarial), into: &hiLatents, at: adversarial)
        }
        let points = ProjectionRows.along(origins, targets, hi)
        return ProjectionSegmentOutcome(points: points, latents: hiLatents, labels: hiLabels,
                                        distances: ProjectionRows.distances(points, origins))
    }

    /// Confirms improvements before they are taken: per clean point, the nearest outcome row that
    /// beats the current state is checked with the full inversion (`checkAtDepths`).
    ///
    /// The search's cheap queries only refine solutions known nearby, so far from the image of g
    /// they can miss a better basin and mislabel a point; checking each accepted point keeps
    /// every point the search walks from a real adversarial point of f~.
    func confirmed(_ outcome: ProjectionSegmentOutcome, owners: [Int], beating state: ProjectionSearchState, points x: Tensor,
                   cleanLatents zx: Tensor, labels y: [Int], oracle: inout ProjectionOracle) throws(ProjectionError) -> (owners: [Int], outcome: ProjectionSegmentOutcome)? {
        var bestRow = [Int: Int]()
        for (j, p) in owners.enumerated() where outcome.distances[j] < state.distances[p] {
            if let k = bestRow[p], outcome.distances[k] <= outcome.distances[j] { continue }
            bestRow[p] = j
        }
        let rows = bestRow.values.sorted()
        guard let check = try checkAtDepths(ProjectionRows.pick(outcome.points, rows), latents: ProjectionRows.pick(outcome.latents, rows),
                                            owners: rows.map { owners[$0] }, points: x, cleanLatents: zx, labels: y, oracle: &oracle) else { return nil }
        return (check.owners, ProjectionSegmentOutcome(points: check.points, latents: check.latents, labels: check.labels, distances: check.distances))
    }

    /// Checks adversarial points with the full inversion, each at several depths along its ray
    /// from x, x + c (b - x) for c in `confirmationDepths` (all in one batch), keeping the
    /// shallowest depth that fools f~.
    ///
    /// A point found by binary search lies just past the boundary of f~ as the cheap queries see
    /// it, and an inversion with other starts can put it on either side; a point a little deeper
    /// survives that noise at a small cost in norm.
    func checkAtDepths(_ candidates: Tensor, latents: Tensor, owners: [Int], points x: Tensor, cleanLatents zx: Tensor,
                       labels y: [Int], oracle: inout ProjectionOracle) throws(ProjectionError) -> ProjectionConfirmation? {
        let k = owners.count, depths = settings.confirmationDepths
        guard k > 0 else { return nil }
        let origins = ProjectionRows.pick(x, owners)
        let probes = Tensor.concatenate(depths.map { ProjectionRows.along(origins, candidates, Array(repeating: $0, count: k)) })
        let warm = [ProjectionRows.pick(zx, owners).repeated(depths.count), latents.repeated(depths.count)]
        guard let answer = try oracle.ask(probes, warmStarts: warm, full: true) else { return nil }
        var rows = [Int]()
        for j in 0..<k {
            if let depth = depths.indices.first(where: { answer.labels[$0 * k + j] != y[owners[j]] }) { rows.append(depth * k + j) }
        }
        let rowOwners = rows.map { owners[$0 % k] }
        let kept = ProjectionRows.pick(probes, rows)
        return ProjectionConfirmation(owners: rowOwners, points: kept, latents: ProjectionRows.pick(answer.inversion.latents, rows),
                                      labels: rows.map { answer.labels[$0] }, distances: ProjectionRows.distances(kept, ProjectionRows.pick(x, rowOwners)),
                                      errors: rows.map { answer.inversion.errors[$0] },
                                      reconstructions: ProjectionRows.pick(answer.inversion.reconstructions, rows))
    }
}

/// Adversarial points confirmed by the full inversion, one row per clean point that has one.
struct ProjectionConfirmation {
    /// The clean point of each row.
    let owners: [Int]
    let points: Tensor
    /// z* from the confirming inversion.
    let latents: Tensor
    /// f~ there.
    let labels: [Int]
    /// ||point - x||.
    let distances: [Double]
    /// ||g(z*) - point||.
    let errors: [Double]
    /// g(z*).
    let reconstructions: Tensor
}
