import CeilingEngine

/// The minimal-L2 adversary of a map to logits, in its own input space: DeepFool as a fast start,
/// then the DDN-style refinement, then a binary search along the segment to the boundary; the
/// per-sample minimum over the stages, each verified by a fresh forward pass.
///
/// Applied to the classifier on images it measures r_unc; applied to the classifier composed
/// with the generator it measures r_Z. No clipping to a pixel box: the definition has none.
public struct MinimalAdversary: Sendable {
    public var deepFool = DeepFool()
    public var refinement = MinimalNormRefinement()
    public var boundary = BoundarySearch()

    public init(deepFool: DeepFool = DeepFool(), refinement: MinimalNormRefinement = MinimalNormRefinement(),
                boundary: BoundarySearch = BoundarySearch()) {
        self.deepFool = deepFool
        self.refinement = refinement
        self.boundary = boundary
    }

    public func attack(map: any DifferentiableMap, x: Tensor, labels: [Int]) -> AttackResult {
        let start = deepFool.perturbations(map: map, x: x, labels: labels)
        var result = verify(map: map, x: x, labels: labels, perturbations: start)
        if refinement.steps > 0 {
            result.keepBetter(verify(map: map, x: x, labels: labels,
                                     perturbations: refinement.refine(map: map, x: x, labels: labels, start: start).perturbations))
        }
        return tighten(map: map, x: x, result: result)
    }

    /// Shrinks every successful perturbation to the boundary along its own direction.
    public func tighten(map: any DifferentiableMap, x: Tensor, result: AttackResult) -> AttackResult {
        let found = (0..<result.count).filter { result.success[$0] }
        guard !found.isEmpty else { return result }
        let points = gather(x, found), directions = gather(result.perturbations, found)
        let labels = found.map { result.labels[$0] }
        let scales = boundary.scales(count: found.count) { t in
            zip(map.adversarialLabels(shifted(points, by: scaledSamples(directions, t)), clean: labels), labels).map { $0 != $1 }
        }
        var shrunk = result
        scatter(scaledSamples(directions, scales), into: &shrunk.perturbations, at: found)
        var tightened = verify(map: map, x: x, labels: result.labels, perturbations: shrunk.perturbations)
        tightened.keepBetter(result)
        return tightened
    }

    /// Norms and labels of `perturbations` with a fresh forward pass under the margin rule
    /// (`MarginRule`: a point short of the margin is pushed along its perturbation first);
    /// failures are censored.
    public func verify(map: any DifferentiableMap, x: Tensor, labels: [Int], perturbations: Tensor) -> AttackResult {
        let (pushed, adversarial) = MarginRule.push(perturbations, clean: labels) { map(shifted(x, by: $0)) }
        let norms = sampleNorms(pushed)
        var result = AttackResult.empty(labels: labels, shape: x.sampleShape)
        result.perturbations = pushed
        for n in 0..<labels.count {
            result.success[n] = adversarial[n] != labels[n]
            result.norms[n] = result.success[n] ? norms[n] : .infinity
            result.adversarialLabels[n] = adversarial[n]
        }
        let size = perturbations.sampleSize
        for n in 0..<labels.count where !result.success[n] {
            for i in 0..<size { result.perturbations.data[n * size + i] = 0 }
        }
        return result
    }
}
