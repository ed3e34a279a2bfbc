import CeilingEngine

/// Multi-class L2 DeepFool (Moosavi-Dezfooli et al. 2016) on logits, batched: at each step every
/// still-correct sample moves to the nearest linearised decision boundary among its candidate
/// classes, r_i = (|f'_k| + 1e-4) w_k / ||w_k||^2 with w_k = grad(f_k - f_c), f'_k = f_k - f_c.
/// The final perturbation is (1 + overshoot) times the sum of the steps.
public struct DeepFool: Sendable {
    public var overshoot: Double = 0.02
    public var maxIterations: Int = 50
    /// Consider only the top-k classes of the clean logits (nil: all classes).
    public var candidates: Int? = nil

    public init(overshoot: Double = 0.02, maxIterations: Int = 50, candidates: Int? = nil) {
        self.overshoot = overshoot
        self.maxIterations = maxIterations
        self.candidates = candidates
    }

    /// Perturbations of `x` that change the labels of `map` (logits); success is not yet verified.
    public func perturbations(map: any DifferentiableMap, x: Tensor, labels: [Int]) -> Tensor {
        let n = x.batch, size = x.sampleSize
        let classes = candidateClasses(logits: map(x), labels: labels, limit: candidates)
        var total = [Double](repeating: 0, count: n * size)
        var active = Array(0..<n)
        let factor = 1 + overshoot
        for _ in 0..<maxIterations where !active.isEmpty {
            let point = displaced(x, rows: active, by: total, factor: factor)
            let grads = ClassGradients(map: map, at: point, classes: active.map { classes[$0] })
            var stillActive = [Int]()
            for (j, s) in active.enumerated() {
                let c = labels[s]
                let current = argmaxLabels(grads.logits.samples(j..<(j + 1)))[0]
                if current != c { continue }
                let gc = grads.gradient(j, 0)
                var best = (ratio: Double.infinity, f: 0.0, w: [Double]())
                for other in 1..<classes[s].count {
                    let gk = grads.gradient(j, other)
                    var w = [Double](repeating: 0, count: size)
                    var norm2 = 0.0
                    for i in 0..<size {
                        w[i] = Double(gk[gk.startIndex + i]) - Double(gc[gc.startIndex + i])
                        norm2 += w[i] * w[i]
                    }
                    let f = grads.logit(j, classes[s][other]) - grads.logit(j, c)
                    guard norm2 > 0 else { continue }
                    let ratio = abs(f) / norm2.squareRoot()
                    if ratio < best.ratio { best = (ratio, f, w) }
                }
                guard best.ratio.isFinite else { continue }
                let norm2 = best.w.reduce(0) { $0 + $1 * $1 }
                let step = (abs(best.f) + 1e-4) / norm2
                for i in 0..<size { total[s * size + i] += step * best.w[i] }
                stillActive.append(s)
            }
            active = stillActive
        }
        return Tensor(shape: x.shape, data: total.map { Float(factor * $0) })
    }
}
