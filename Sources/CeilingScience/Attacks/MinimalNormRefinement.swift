import Foundation
import CeilingEngine

/// Decoupled-direction-and-norm refinement (after Rony et al. 2019, DDN): from a starting
/// perturbation, alternate a normalised gradient step that lowers the margin with a change of the
/// norm budget epsilon — shrink by gamma while adversarial, grow otherwise — and project onto the
/// sphere of radius epsilon. The smallest verified adversary seen is kept. Steps are relative to
/// epsilon, so the method needs no knowledge of the space's scale.
public struct MinimalNormRefinement: Sendable {
    public var steps: Int = Self.standardSteps
    public var gamma: Double = 0.05
    /// Initial step as a fraction of epsilon, annealed by a cosine to 1% of it.
    public var stepFraction: Double = 0.3

    /// 60 steps: on the bundled LeNet and ResNet (64 points) 100 steps left the median r_Z and
    /// r_unc within 0.05% and the 25% percentiles within 0.05%, at 1.3 to 1.6 times the cost.
    public static let standardSteps = 60

    public init(steps: Int = Self.standardSteps, gamma: Double = 0.05, stepFraction: Double = 0.3) {
        self.steps = steps
        self.gamma = gamma
        self.stepFraction = stepFraction
    }

    /// The step at `step`, as a fraction of epsilon: cosine-annealed from `stepFraction` to 1%.
    func stepFraction(at step: Int) -> Double {
        0.01 + (stepFraction - 0.01) * 0.5 * (1 + cos(Double.pi * Double(step) / Double(steps)))
    }

    /// The change of the norm budget: shrink while adversarial, grow otherwise.
    func budgetFactor(adversarial: Bool) -> Double { adversarial ? 1 - gamma : 1 + gamma }

    /// The margin f_c - max_{k != c} f_k of each sample (negative when misclassified) and the
    /// runner-up class.
    static func margins(_ logits: Tensor, _ labels: [Int]) -> [(margin: Double, runnerUp: Int)] {
        let k = logits.sampleSize
        return labels.enumerated().map { n, c in
            var best = -Double.infinity, at = c
            for j in 0..<k where j != c && Double(logits.data[n * k + j]) > best {
                best = Double(logits.data[n * k + j])
                at = j
            }
            return (Double(logits.data[n * k + c]) - best, at)
        }
    }

    /// The cotangent whose VJP is the gradient of weight_n * (f_c - f_runnerUp) for each sample
    /// (weight 0 leaves a sample out).
    static func marginCotangent(_ margins: [(margin: Double, runnerUp: Int)], _ labels: [Int], classes k: Int,
                                weights: [Double]? = nil) -> Tensor {
        var cotangent = Tensor(zeros: [labels.count, k])
        for s in labels.indices {
            let w = Float(weights?[s] ?? 1)
            cotangent.data[s * k + labels[s]] += w
            cotangent.data[s * k + margins[s].runnerUp] -= w
        }
        return cotangent
    }

    /// Refines `start` (perturbations of x, adversarial or not) and returns the best verified
    /// adversaries found along the way, in the L2 norm of the perturbation.
    public func refine(map: any DifferentiableMap, x: Tensor, labels: [Int], start: Tensor) -> AttackResult {
        let n = x.batch, size = x.sampleSize, k = map.outputSize
        var result = AttackResult.empty(labels: labels, shape: x.sampleShape)
        var delta = start
        var epsilon = sampleNorms(start)
        for step in 0..<steps {
            let linear = map.linearize(shifted(x, by: delta))
            let margins = Self.margins(linear.value, labels)
            let norms = sampleNorms(delta)
            for s in 0..<n where margins[s].margin < 0 {
                result.keepIfSmaller(s, norm: norms[s], label: margins[s].runnerUp, from: delta, row: s)
            }
            if step == steps - 1 { break }
            let gradient = linear.vjp(Self.marginCotangent(margins, labels, classes: k))
            let gradNorms = sampleNorms(gradient)
            let fraction = stepFraction(at: step)
            for s in 0..<n {
                epsilon[s] *= budgetFactor(adversarial: margins[s].margin < 0)
                if result.success[s] { epsilon[s] = min(epsilon[s], result.norms[s]) }
                guard gradNorms[s] > 0, epsilon[s] > 0 else { continue }
                let scale = fraction * epsilon[s] / gradNorms[s]
                var norm2 = 0.0
                for i in (s * size)..<((s + 1) * size) {
                    delta.data[i] -= Float(scale) * gradient.data[i]
                    norm2 += Double(delta.data[i]) * Double(delta.data[i])
                }
                let project = Float(epsilon[s] / max(norm2.squareRoot(), 1e-30))
                for i in (s * size)..<((s + 1) * size) { delta.data[i] *= project }
            }
        }
        return result
    }
}

