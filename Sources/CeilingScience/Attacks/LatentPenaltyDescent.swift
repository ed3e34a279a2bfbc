import CeilingEngine
import Foundation

/// A penalty (Carlini–Wagner style) search for r_in in latent space: minimise
/// ||g(z + r) - g(z)||^2 + c * max(m(z + r) + kappa, 0), m the classifier's margin
/// f_c - max_{k != c} f_k, by Adam on r, with a per-sample binary search on c. It needs no
/// Jacobian and no damping, so it covers the cases where the metric step goes astray on a
/// rank-deficient generator. The smallest verified image distance seen is kept.
public struct LatentPenaltyDescent: Sendable {
    public var rounds: Int = 4
    public var steps: Int = 40
    /// Adam's step as a fraction of each sample's reference latent scale.
    public var learningRate: Double = 0.05
    /// Margin target: the penalty is active until the margin is below -kappa.
    public var kappa: Double = 0.01

    public init(rounds: Int = 4, steps: Int = 40, learningRate: Double = 0.05, kappa: Double = 0.01) {
        self.rounds = rounds
        self.steps = steps
        self.learningRate = learningRate
        self.kappa = kappa
    }

    /// Latent perturbations with verified label changes, in image distance. `scale` gives each
    /// sample's latent scale (e.g. its r_Z), which sets the step size and the first c.
    public func attack(generator: any DifferentiableMap, classifier: any DifferentiableMap, z: Tensor, labels: [Int], scale: [Double]) -> AttackResult {
        let n = z.batch, d = z.sampleSize, k = classifier.outputSize
        let clean = generator(z)
        var result = AttackResult.empty(labels: labels, shape: z.sampleShape)
        let cleanMargins = MinimalNormRefinement.margins(classifier(clean), labels)
        // First c balances the two terms at the reference scale: c * margin ~ (J r)^2 ~ scale^2.
        var c = (0..<n).map { s in max(scale[s] * scale[s], 1e-6) / max(abs(cleanMargins[s].margin), 1e-6) * 10 }
        var low = [Double](repeating: 0, count: n), high = [Double](repeating: .infinity, count: n)
        for _ in 0..<rounds {
            var r = Tensor(zeros: z.shape)
            var adam = Adam(count: r.count)
            var succeeded = [Bool](repeating: false, count: n)
            for _ in 0..<steps {
                let g = generator.linearize(shifted(z, by: r))
                let f = classifier.linearize(g.value)
                let margins = MinimalNormRefinement.margins(f.value, labels)
                var difference = g.value
                for i in 0..<difference.count { difference.data[i] -= clean.data[i] }
                let distances = sampleNorms(difference)
                for s in 0..<n where margins[s].margin < 0 {
                    succeeded[s] = true
                    if distances[s] < result.norms[s] {
                        result.norms[s] = distances[s]
                        result.success[s] = true
                        result.adversarialLabels[s] = margins[s].runnerUp
                        for i in 0..<d { result.perturbations.data[s * d + i] = r.data[s * d + i] }
                    }
                }
                // d/dx of the loss: 2 (g - g0) + c * grad(margin) while the penalty is active.
                let weights = (0..<n).map { margins[$0].margin + kappa > 0 ? c[$0] : 0 }
                var imageGradient = f.vjp(MinimalNormRefinement.marginCotangent(margins, labels, classes: k, weights: weights))
                for i in 0..<imageGradient.count { imageGradient.data[i] += 2 * difference.data[i] }
                let gradient = g.vjp(imageGradient)
                let rates = scale.map { Float(learningRate * max($0, 1e-3)) }
                adam.step(&r.data, gradient: gradient.data, rate: { rates[$0 / d] })
            }
            for s in 0..<n {
                if succeeded[s] { high[s] = min(high[s], c[s]) } else { low[s] = max(low[s], c[s]) }
                c[s] = high[s].isFinite ? (low[s] > 0 ? (low[s] * high[s]).squareRoot() : high[s] / 10) : c[s] * 10
            }
        }
        return result
    }
}

/// Adam (Kingma & Ba) over a flat parameter vector, with a per-parameter learning rate.
struct Adam {
    var first: [Float], second: [Float]
    var t = 0
    let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8

    init(count: Int) {
        first = [Float](repeating: 0, count: count)
        second = [Float](repeating: 0, count: count)
    }

    mutating func step(_ parameters: inout [Float], gradient: [Float], rate: (Int) -> Float) {
        t += 1
        let c1 = 1 - powf(beta1, Float(t)), c2 = 1 - powf(beta2, Float(t))
        for i in 0..<parameters.count {
            first[i] = beta1 * first[i] + (1 - beta1) * gradient[i]
            second[i] = beta2 * second[i] + (1 - beta2) * gradient[i] * gradient[i]
            parameters[i] -= rate(i) * (first[i] / c1) / ((second[i] / c2).squareRoot() + epsilon)
        }
    }
}
