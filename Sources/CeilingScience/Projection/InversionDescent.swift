import CeilingEngine
import Foundation

/// The descent of one batch of inversion rows, each minimising L(z) = ||g(z) - x||^2 for its own
/// target x, in two phases:
///
/// 1. `steps` of Adam with a cosine learning-rate schedule: robust far from the minimum (the step
///    is about the learning rate in every coordinate, whatever the gradient's scale), but for the
///    same reason unable to settle closer to the minimum than its late step sizes, and wasteful
///    from a start that is already close (its first steps jump by the learning rate).
/// 2. `polishSteps` of gradient descent from the best Adam iterate, with a step size adapted per
///    row: it starts at Polyak's step L / ||grad L||^2 (exact on the quadratic ||z - x||^2 up to a
///    factor 2, and proportional to the residual, so small near the minimum), grows by 1.5 after
///    each step that lowers L and shrinks by 0.3 after each that does not (the step is then
///    undone). This converges linearly to the precision of the arithmetic on well-conditioned
///    problems and never loses ground, so it both finishes Adam's work and refines warm starts
///    near a known solution.
///
/// Each row keeps its best iterate over both phases (the start included).
struct InversionDescent {
    let generator: any DifferentiableMap
    let settings: InversionSettings
    let target: Tensor
    private(set) var best: (latents: Tensor, reconstructions: Tensor, loss: [Double])

    init(generator: any DifferentiableMap, settings: InversionSettings, start: Tensor, target: Tensor) {
        self.generator = generator
        self.settings = settings
        self.target = target
        best = (start, Tensor(zeros: target.shape), Array(repeating: .infinity, count: start.batch))
    }

    private var rows: Int { target.batch }

    /// L at each row and the gradient 2 J^T (g(z) - x) when asked for.
    private mutating func evaluate(_ z: Tensor, gradient: Bool) -> (loss: [Double], gradient: Tensor?) {
        let linearization: Linearization? = gradient ? generator.linearize(z) : nil
        let image = linearization?.value ?? generator(z)
        let imageSize = target.sampleSize, latentSize = z.sampleSize
        var residual = image
        var loss = [Double](repeating: 0, count: rows)
        residual.data.withUnsafeMutableBufferPointer { r in
            target.data.withUnsafeBufferPointer { x in
                for row in 0..<rows {
                    var sum = 0.0
                    for i in (row * imageSize)..<((row + 1) * imageSize) {
                        r[i] -= x[i]
                        sum += Double(r[i]) * Double(r[i])
                        r[i] *= 2
                    }
                    loss[row] = sum
                }
            }
        }
        for row in 0..<rows where loss[row] < best.loss[row] {
            best.loss[row] = loss[row]
            for i in 0..<latentSize { best.latents.data[row * latentSize + i] = z.data[row * latentSize + i] }
            for i in 0..<imageSize { best.reconstructions.data[row * imageSize + i] = image.data[row * imageSize + i] }
        }
        return (loss, linearization.map { $0.vjp(residual) })
    }

    mutating func run() {
        adam()
        polish()
    }

    /// Phase 1: Adam with bias correction, moments in Double.
    private mutating func adam() {
        guard settings.steps > 0 else { return }
        let (beta1, beta2, epsilon) = (0.9, 0.999, 1e-8)
        var z = best.latents
        var m = [Double](repeating: 0, count: z.count), v = [Double](repeating: 0, count: z.count)
        for t in 0..<settings.steps {
            let gradient = evaluate(z, gradient: true).gradient!
            let rate = settings.learningRate(at: t)
            let correction1 = 1 - pow(beta1, Double(t + 1)), correction2 = 1 - pow(beta2, Double(t + 1))
            z.data.withUnsafeMutableBufferPointer { zs in
                gradient.data.withUnsafeBufferPointer { g in
                    for i in 0..<zs.count {
                        let gi = Double(g[i])
                        m[i] = beta1 * m[i] + (1 - beta1) * gi
                        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
                        zs[i] -= Float(rate * (m[i] / correction1) / ((v[i] / correction2).squareRoot() + epsilon))
                    }
                }
            }
        }
        _ = evaluate(z, gradient: false)
    }

    /// Phase 2: gradient descent with a per-row adaptive step, from the best iterate so far.
    private mutating func polish() {
        guard settings.polishSteps > 0 else {
            if best.loss.contains(.infinity) { _ = evaluate(best.latents, gradient: false) }
            return
        }
        let latentSize = best.latents.sampleSize
        var z = best.latents
        var (loss, gradient) = evaluate(z, gradient: true)
        var g = gradient!
        var step = (0..<rows).map { row in
            let squared = (0..<latentSize).reduce(0.0) { $0 + pow(Double(g.data[row * latentSize + $1]), 2) }
            return squared > 0 ? loss[row] / squared : 0
        }
        for _ in 0..<settings.polishSteps {
            var trial = z
            for row in 0..<rows {
                let s = Float(step[row])
                for i in (row * latentSize)..<((row + 1) * latentSize) { trial.data[i] -= s * g.data[i] }
            }
            let (trialLoss, trialGradient) = evaluate(trial, gradient: true)
            let tg = trialGradient!
            for row in 0..<rows {
                if trialLoss[row] < loss[row] {
                    loss[row] = trialLoss[row]
                    for i in (row * latentSize)..<((row + 1) * latentSize) {
                        z.data[i] = trial.data[i]
                        g.data[i] = tg.data[i]
                    }
                    step[row] *= 1.5
                } else {
                    step[row] *= 0.3
                }
            }
        }
    }
}
