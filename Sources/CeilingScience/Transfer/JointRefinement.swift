import Foundation
import CeilingEngine

/// The DDN-style refinement of `MinimalNormRefinement` applied to the joint margin
///
///     m(x) = max(m_f(x), m_h(x)),   m_f = f_c - max_{k != c} f_k  (c: f's clean label),
///
/// which is negative exactly where both labels have changed. Each step moves along the normalised
/// gradient of the larger of the two margins (a subgradient of the max), the norm budget epsilon
/// shrinks by gamma while both are fooled and grows otherwise, and the perturbation is projected
/// onto the sphere of radius epsilon. The smallest perturbation seen that fools both is kept
/// (then verified by the caller with fresh forward passes).
public struct JointRefinement: Sendable {
    /// Steps, budget factor gamma and step schedule: those of the single-classifier refinement.
    public var schedule: MinimalNormRefinement

    public init(steps: Int = MinimalNormRefinement.standardSteps, gamma: Double = 0.05, stepFraction: Double = 0.3) {
        schedule = MinimalNormRefinement(steps: steps, gamma: gamma, stepFraction: stepFraction)
    }

    /// f_c - max_j f_j + tau per sample, tau the margin `MarginRule` requires at these logits.
    static func withRequiredMargin(_ margins: [(margin: Double, runnerUp: Int)], _ logits: Tensor) -> [(margin: Double, runnerUp: Int)] {
        let k = logits.sampleSize
        return margins.enumerated().map { n, m in
            (m.margin + Double(MarginRule.required(logits.data[(n * k)..<((n + 1) * k)])), m.runnerUp)
        }
    }

    public func refine(pair: ClassifierPair, x: Tensor, labels: (f: [Int], h: [Int]), start: Tensor) -> AttackResult {
        let n = x.batch, size = x.sampleSize
        let kf = pair.f.outputSize, kh = pair.h.outputSize
        var result = AttackResult.empty(labels: labels.f, shape: x.sampleShape)
        var delta = start
        var epsilon = sampleNorms(start)
        let steps = schedule.steps
        for step in 0..<steps {
            let point = shifted(x, by: delta)
            let lf = pair.f.linearize(point), lh = pair.h.linearize(point)
            // Margins shifted by what `MarginRule` requires, so the search ends where both
            // labels change with the margin (a corner of the two shifted boundaries).
            let mf = Self.withRequiredMargin(MinimalNormRefinement.margins(lf.value, labels.f), lf.value)
            let mh = Self.withRequiredMargin(MinimalNormRefinement.margins(lh.value, labels.h), lh.value)
            let norms = sampleNorms(delta)
            let both = (0..<n).map { mf[$0].margin <= 0 && mh[$0].margin <= 0 }
            for s in 0..<n where both[s] && norms[s] < result.norms[s] {
                result.norms[s] = norms[s]
                result.success[s] = true
                result.adversarialLabels[s] = mf[s].runnerUp
                for i in 0..<size { result.perturbations.data[s * size + i] = delta.data[s * size + i] }
            }
            if step == steps - 1 { break }
            // Subgradient of max(m_f, m_h): the gradient of whichever margin is larger.
            var cf = Tensor(zeros: [n, kf]), ch = Tensor(zeros: [n, kh])
            for s in 0..<n {
                if mf[s].margin >= mh[s].margin {
                    cf.data[s * kf + labels.f[s]] = 1
                    cf.data[s * kf + mf[s].runnerUp] -= 1
                } else {
                    ch.data[s * kh + labels.h[s]] = 1
                    ch.data[s * kh + mh[s].runnerUp] -= 1
                }
            }
            let gf = lf.vjp(cf), gh = lh.vjp(ch)
            let fraction = schedule.stepFraction(at: step)
            for s in 0..<n {
                epsilon[s] *= schedule.budgetFactor(adversarial: both[s])
                if result.success[s] { epsilon[s] = min(epsilon[s], result.norms[s]) }
                var gnorm2 = 0.0
                for i in (s * size)..<((s + 1) * size) {
                    let g = Double(gf.data[i]) + Double(gh.data[i])
                    gnorm2 += g * g
                }
                guard gnorm2 > 0, epsilon[s] > 0 else { continue }
                let scale = fraction * epsilon[s] / gnorm2.squareRoot()
                var norm2 = 0.0
                for i in (s * size)..<((s + 1) * size) {
                    delta.data[i] -= Float(scale * (Double(gf.data[i]) + Double(gh.data[i])))
                    norm2 += Double(delta.data[i]) * Double(delta.data[i])
                }
                let project = Float(epsilon[s] / max(norm2.squareRoot(), 1e-30))
                for i in (s * size)..<((s + 1) * size) { delta.data[i] *= project }
            }
        }
        return result
    }
}
