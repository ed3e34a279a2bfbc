import CeilingEngine

/// DeepFool in latent space under the pulled-back image metric, for r_in: the step that reaches
/// the linearised boundary f'_k + w^T r = 0 with the least image motion ||J r|| solves
/// min r^T M r s.t. w^T r = |f'_k|, giving r = |f'_k| M^{-1} w / (w^T M^{-1} w), with
/// M = J^T J + lambda I and the class k minimising |f'_k| / sqrt(w^T M^{-1} w).
///
/// ReLU generators have rank-deficient Jacobians, and with a tiny lambda the step runs off along
/// near-null directions, over-estimating r_in. So lambda = damping * ||J||_2^2
/// (Levenberg–Marquardt style) and each latent step is capped at `trustRadius` (a trust region).
public struct LatentMetricDeepFool: Sendable {
    public var overshoot: Double = 0.02
    public var maxIterations: Int = 20
    /// lambda as a fraction of the largest eigenvalue of J^T J.
    public var damping: Double = 0.05
    /// Largest latent step, as a fraction of E||z||.
    public var trustRadius: Double = 0.1
    public var candidates: Int? = nil

    public init(overshoot: Double = 0.02, maxIterations: Int = 20, damping: Double = 0.05, trustRadius: Double = 0.1, candidates: Int? = nil) {
        self.overshoot = overshoot
        self.maxIterations = maxIterations
        self.damping = damping
        self.trustRadius = trustRadius
        self.candidates = candidates
    }

    /// Latent perturbations r that change the classifier's label of g(z + r); not yet verified.
    public func perturbations(generator: any DifferentiableMap, classifier: any DifferentiableMap, z: Tensor, labels: [Int]) -> Tensor {
        let n = z.batch, d = z.sampleSize
        let composed = ComposedMap(classifier, after: generator)
        let classes = candidateClasses(logits: composed(z), labels: labels, limit: candidates)
        let maxStep = trustRadius * Double(d).squareRoot()
        var total = [Double](repeating: 0, count: n * d)
        var active = Array(0..<n)
        let factor = 1 + overshoot
        for _ in 0..<maxIterations where !active.isEmpty {
            let point = displaced(z, rows: active, by: total, factor: factor)
            let metrics = pulledBackMetrics(generator: generator, at: point)
            let grads = ClassGradients(map: composed, at: point, classes: active.map { classes[$0] })
            var stillActive = [Int]()
            for (j, s) in active.enumerated() {
                let c = labels[s]
                guard argmaxLabels(grads.logits.samples(j..<(j + 1)))[0] == c else { continue }
                guard let step = nearestBoundaryStep(metric: metrics[j], d: d, grads: grads, sample: j, classes: classes[s]) else { continue }
                let norm = step.reduce(0) { $0 + $1 * $1 }.squareRoot()
                let cap = norm > maxStep ? maxStep / norm : 1
                for i in 0..<d { total[s * d + i] += cap * step[i] }
                stillActive.append(s)
            }
            active = stillActive
        }
        return Tensor(shape: z.shape, data: total.map { Float(factor * $0) })
    }

    /// The damped metric J^T J + lambda I at each point, from d Jacobian-vector products per point.
    func pulledBackMetrics(generator: any DifferentiableMap, at z: Tensor) -> [[Double]] {
        let n = z.batch, d = z.sampleSize, m = generator.outputSize
        let linear = generator.linearize(z)
        var basis = Tensor(zeros: [d * n] + z.sampleShape)
        for i in 0..<d { for s in 0..<n { basis.data[(i * n + s) * d + i] = 1 } }
        let columns = linear.jvp(basis)
        return (0..<n).map { s in
            // Column i of J at sample s is the tangent output i * n + s.
            var jacobian = [Float](repeating: 0, count: m * d)
            for i in 0..<d {
                let row = (i * n + s) * m
                for p in 0..<m { jacobian[p * d + i] = columns.data[row + p] }
            }
            var metric = gramMatrix(jacobian, rows: m, columns: d)
            let lambda = max(damping * largestEigenvalue(metric, size: d), 1e-12)
            for i in 0..<d { metric[i * d + i] += lambda }
            return metric
        }
    }

    /// The metric DeepFool step for one sample, or nil when no class has a usable gradient.
    private func nearestBoundaryStep(metric: [Double], d: Int, grads: ClassGradients, sample j: Int, classes: [Int]) -> [Double]? {
        guard let factor = Cholesky(metric, size: d) else { return nil }
        let gc = grads.gradient(j, 0)
        var best: (score: Double, step: [Double])? = nil
        for other in 1..<classes.count {
            let gk = grads.gradient(j, other)
            let w = (0..<d).map { Double(gk[gk.startIndex + $0]) - Double(gc[gc.startIndex + $0]) }
            let solved = factor.solve(w)
            let quadratic = zip(w, solved).reduce(0) { $0 + $1.0 * $1.1 }
            guard quadratic > 0 else { continue }
            let f = grads.logit(j, classes[other]) - grads.logit(j, classes[0])
            let score = abs(f) / quadratic.squareRoot()
            if best == nil || score < best!.score {
                best = (score, solved.map { $0 * (abs(f) + 1e-4) / quadratic })
            }
        }
        return best?.step
    }
}
