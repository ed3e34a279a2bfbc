import CeilingEngine
import Foundation

/// Projected gradient descent on the margin inside the L2 ball of radius t, with random starts:
/// the extra effort spent where the r_Z self-check says adversaries within t must exist.
public struct BallSearch: Sendable {
    public var steps: Int = 30
    public var restarts: Int = 3

    public init(steps: Int = 30, restarts: Int = 3) {
        self.steps = steps
        self.restarts = restarts
    }

    /// Perturbations within `radius[n]` that change the label (verified), for each sample.
    public func search(map: any DifferentiableMap, x: Tensor, labels: [Int], radius: [Double], seed: UInt64) -> AttackResult {
        let n = x.batch, size = x.sampleSize, k = map.outputSize
        var sampler = LatentSampler(seed: seed)
        var best = AttackResult.empty(labels: labels, shape: x.sampleShape)
        let verifier = MinimalAdversary()
        for _ in 0..<restarts {
            // Start at a random point of the ball: a uniform direction at radius t U^(1/d).
            var delta = sampler.sphereDirections(n, shape: x.sampleShape)
            delta = scaledSamples(delta, (0..<n).map { radius[$0] * pow(sampler.uniform(), 1 / Double(size)) })
            for step in 0..<steps {
                let linear = map.linearize(shifted(x, by: delta))
                let margins = MinimalNormRefinement.margins(linear.value, labels)
                let gradient = linear.vjp(MinimalNormRefinement.marginCotangent(margins, labels, classes: k))
                let norms = sampleNorms(gradient)
                let fraction = 0.25 * (1 - Double(step) / Double(steps)) + 0.02
                for s in 0..<n where norms[s] > 0 && margins[s].margin >= 0 {
                    let scale = Float(fraction * radius[s] / norms[s])
                    var norm2 = 0.0
                    for i in (s * size)..<((s + 1) * size) {
                        delta.data[i] -= scale * gradient.data[i]
                        norm2 += Double(delta.data[i]) * Double(delta.data[i])
                    }
                    let project = Float(min(1, radius[s] / max(norm2.squareRoot(), 1e-30)))
                    for i in (s * size)..<((s + 1) * size) { delta.data[i] *= project }
                }
            }
            best.keepBetter(verifier.verify(map: map, x: x, labels: labels, perturbations: delta))
        }
        return verifier.tighten(map: map, x: x, result: best)
    }
}
