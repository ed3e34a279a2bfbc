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

    /// Rows `indices`, in that order.
    func rows(_ indices: [Int]) -> ProjectionSegmentOutcome {
        ProjectionSegmentOutcome(points: ProjectionRows.pick(points, indices), latents: ProjectionRows.pick(latents, indices),
                                 labels: indices.map { labels[$0] }, distances: indices.map { distances[$0] })
    }
}

extension ProjectionSearch {
    /// Binary search on each segment from x_i (label y_i under f~) to an adversarial target p_i:
    /// `binarySteps` halvings of [0, 1], keeping a bracket with x_i + hi (p_i - x_i) adversarial,
    /// and returns the nearest point found adversarial. f~ need not be monotone along the
    /// segment; the search then finds one of its crossings, which is still a valid adversarial
    /// point.
    ///
    /// Halvings whose answer is already known are not queried: a midpoint beyond a point found
    /// adversarial counts as adversarial, one short of a point found clean as clean (exact when f~
    /// is monotone along the segment, where the search then asks only the questions the full
    /// bisection would have asked and answered differently). Two extra queries make many of them
    /// known:
    /// - `limits[i]` (< 1), the fraction beyond which a boundary point would not beat the point
    ///   already known, is queried first, and a row whose point there is not adversarial is
    ///   dropped (distance +infinity);
    /// - the last midpoint the bisection could reach, 1 - 2^-binarySteps, is queried next: where it
    ///   is clean, no halving needs a query. A target that is itself a boundary point of f~ (the
    ///   r_in point, on the boundary of f, where f~ agrees with f) costs one query instead of
    ///   `binarySteps`.
    ///
    /// Each query warm-starts at the solutions of the nearest points found clean and adversarial,
    /// the neighbouring queries (the clean side starts at x's own solution), so that polishing
    /// alone finds the basin.
    func segmentSearch(origins: Tensor, originLatents: Tensor, labels y: [Int], targets: Tensor, targetLatents: Tensor,
                       targetLabels: [Int], limits: [Double]? = nil, oracle: inout ProjectionOracle) throws(ProjectionError) -> ProjectionSegmentOutcome? {
        let k = origins.batch
        guard k > 0 else { return nil }
        // The bisection's own bracket, and the fractions actually found clean and adversarial.
        var low = [Double](repeating: 0, count: k), high = [Double](repeating: 1, count: k)
        var clean = low, adversarial = high
        var cleanLatents = originLatents, adversarialLatents = targetLatents, adversarialLabels = targetLabels
        var dropped = [Bool](repeating: false, count: k)

        /// f~ at fractions `t` of rows `rows`; records what it found (or drops the rows found clean).
        func query(_ rows: [Int], at t: [Double], dropClean: Bool, oracle: inout ProjectionOracle) throws(ProjectionError) {
            let points = ProjectionRows.along(ProjectionRows.pick(origins, rows), ProjectionRows.pick(targets, rows), t)
            let warm = [ProjectionRows.pick(cleanLatents, rows), ProjectionRows.pick(adversarialLatents, rows)]
            guard let answer = try oracle.ask(points, warmStarts: warm, full: false) else { return }
            var foundAdversarial = [Int](), foundClean = [Int]()
            for (j, i) in rows.enumerated() {
                if answer.labels[j] != y[i] {
                    adversarial[i] = t[j]
                    adversarialLabels[i] = answer.labels[j]
                    foundAdversarial.append(j)
                } else if dropClean {
                    dropped[i] = true
                } else {
                    clean[i] = t[j]
                    foundClean.append(j)
                }
            }
            ProjectionRows.put(ProjectionRows.pick(answer.inversion.latents, foundAdversarial), into: &adversarialLatents, at: foundAdversarial.map { rows[$0] })
            ProjectionRows.put(ProjectionRows.pick(answer.inversion.latents, foundClean), into: &cleanLatents, at: foundClean.map { rows[$0] })
        }

        let limited = (0..<k).filter { (limits?[$0] ?? 1) < 1 }
        try query(limited, at: limited.map { limits![$0] }, dropClean: true, oracle: &oracle)
        let rows = (0..<k).filter { !dropped[$0] }
        let last = Double(sign: .plus, exponent: -settings.binarySteps, significand: -1) + 1
        let unknown = rows.filter { last > clean[$0] && last < adversarial[$0] }
        try query(unknown, at: unknown.map { _ in last }, dropClean: false, oracle: &oracle)
        for _ in 0..<settings.binarySteps {
            var asked = [Int](), mids = [Double]()
            for i in rows {
                let mid = (low[i] + high[i]) / 2
                if mid >= adversarial[i] { high[i] = mid } else if mid <= clean[i] { low[i] = mid } else { asked.append(i); mids.append(mid) }
            }
            try query(asked, at: mids, dropClean: false, oracle: &oracle)
            for (i, mid) in zip(asked, mids) {
                if adversarial[i] == mid { high[i] = mid } else { low[i] = mid }
            }
        }
        let points = ProjectionRows.along(origins, targets, adversarial)
        let distances = ProjectionRows.distances(points, origins)
        return ProjectionSegmentOutcome(points: points, latents: adversarialLatents, labels: adversarialLabels,
                                        distances: (0..<k).map { dropped[$0] ? .infinity : distances[$0] })
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
    /// from x, x + c (b - x) for c in `confirmationDepths`, keeping the shallowest depth that fools
    /// f~. The depths are tried in turn, each only where the shallower ones failed: most points are
    /// confirmed at the first, so this costs about one full inversion per point, not one per depth.
    ///
    /// A point found by binary search lies just past the boundary of f~ as the cheap queries see
    /// it, and an inversion with other starts can put it on either side; a point a little deeper
    /// survives that noise at a small cost in norm.
    func checkAtDepths(_ candidates: Tensor, latents: Tensor, owners: [Int], points x: Tensor, cleanLatents zx: Tensor,
                       labels y: [Int], oracle: inout ProjectionOracle) throws(ProjectionError) -> ProjectionConfirmation? {
        guard !owners.isEmpty else { return nil }
        var remaining = Array(owners.indices)
        // Per depth tried: the rows it confirmed and those rows of the answer.
        var rows = [Int](), points = [Tensor](), confirmedLatents = [Tensor](), reconstructions = [Tensor]()
        var labels = [Int](), errors = [Double]()
        for depth in settings.confirmationDepths where !remaining.isEmpty {
            let probes = ProjectionRows.along(ProjectionRows.pick(x, remaining.map { owners[$0] }), ProjectionRows.pick(candidates, remaining),
                                              Array(repeating: depth, count: remaining.count))
            let warm = [ProjectionRows.pick(zx, remaining.map { owners[$0] }), ProjectionRows.pick(latents, remaining)]
            guard let answer = try oracle.ask(probes, warmStarts: warm, full: true) else { break }
            let fooled = remaining.indices.filter { answer.labels[$0] != y[owners[remaining[$0]]] }
            rows += fooled.map { remaining[$0] }
            points.append(ProjectionRows.pick(probes, fooled))
            confirmedLatents.append(ProjectionRows.pick(answer.inversion.latents, fooled))
            reconstructions.append(ProjectionRows.pick(answer.inversion.reconstructions, fooled))
            labels += fooled.map { answer.labels[$0] }
            errors += fooled.map { answer.inversion.errors[$0] }
            remaining = remaining.indices.filter { !fooled.contains($0) }.map { remaining[$0] }
        }
        // In the order of the candidates.
        let order = rows.indices.sorted { rows[$0] < rows[$1] }
        let rowOwners = order.map { owners[rows[$0]] }
        let kept = ProjectionRows.pick(Tensor.concatenate(points), order)
        return ProjectionConfirmation(owners: rowOwners, points: kept, latents: ProjectionRows.pick(Tensor.concatenate(confirmedLatents), order),
                                      labels: order.map { labels[$0] }, distances: ProjectionRows.distances(kept, ProjectionRows.pick(x, rowOwners)),
                                      errors: order.map { errors[$0] },
                                      reconstructions: ProjectionRows.pick(Tensor.concatenate(reconstructions), order))
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
