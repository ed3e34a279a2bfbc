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
}
