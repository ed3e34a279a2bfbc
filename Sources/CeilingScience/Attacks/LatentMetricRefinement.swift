import CeilingEngine

/// Refines in-distribution adversaries, for r_in: from a latent adversary r, constrained
/// Gauss–Newton steps on the image distance ||g(z + r) - g(z)|| under the pulled-back metric.
///
/// At the iterate, with e = g(z + r) - g(z), m the margin f_c - f_k (k the runner-up class), w its
/// latent gradient and M = J^T J + lambda I (`PulledBackMetric`), the step delta minimises the
/// linearised ||e + J delta||^2 + lambda ||delta||^2 subject to the linearised margin reaching the
/// target, m + w^T delta = -t. Its solution is delta = q + p:
///
///     q = -(m + t) M^{-1} w / (w^T M^{-1} w)              onto the linearised boundary (the metric
///                                                          DeepFool step),
///     p = a - (w^T a / w^T M^{-1} w) M^{-1} w,  a = -M^{-1} J^T e   along it, toward z.
///
/// The trust region (`trustRadius` times ||r||, since ReLU generators are only piecewise linear)
/// shortens p first: every step aims at the boundary, and only the slide along it is cut.
///
/// J is computed once, at the start: its d tangent passes per point are the expensive part, while
/// e and w are exact at every iterate (one forward and one backward pass), so the iteration is an
/// inexact Newton method with exact gradients. The iterates may cross to the clean side and back;
/// the smallest verified image distance over them is kept, the start excluded.
///
/// The target t puts the iterates a little inside the adversarial region, so that most of them
/// count despite the linearisation error; the binary search along the latent path that follows
/// removes it. It starts at `overshoot` times the clean margin, grows after an iterate that fell
/// short of the boundary and shrinks after one that crossed it. (With t ~ 0 on the bundled models
/// only about one iterate in five was adversarial and the refinement gained little; on the
/// random-weight test networks, whose boundaries curve more, a fixed t of 10% of the margin still
/// left almost every iterate short.)
public struct LatentMetricRefinement: Sendable {
    public var iterations: Int = 8
    /// lambda as a fraction of the largest eigenvalue of J^T J.
    public var damping: Double = 0.001
    /// Largest latent step, as a fraction of the current ||r||.
    public var trustRadius: Double = 0.3
    /// Margin target, as a fraction of the clean margin.
    public var overshoot: Double = 0.1

    /// The target's change after an iterate that landed on the adversarial side, and after one
    /// that did not.
    static let targetShrink = 0.7, targetGrowth = 2.0

    public init(iterations: Int = 8, damping: Double = 0.001, trustRadius: Double = 0.3, overshoot: Double = 0.1) {
        self.iterations = iterations
        self.damping = damping
        self.trustRadius = trustRadius
        self.overshoot = overshoot
    }

    /// Adversaries (latent perturbations; norms are image distances) reached from the successful
    /// rows of `start`; rows without a start stay censored.
    public func refine(generator: any DifferentiableMap, classifier: any DifferentiableMap, z: Tensor, labels: [Int],
                       start: AttackResult) -> AttackResult {
        var result = AttackResult.empty(labels: labels, shape: z.sampleShape)
        let rows = (0..<z.batch).filter { start.success[$0] }
        guard iterations > 0, !rows.isEmpty else { return result }
        let n = rows.count, d = z.sampleSize, k = classifier.outputSize
        let points = gather(z, rows), rowLabels = rows.map { labels[$0] }
        let clean = generator(points)
        var targets = MinimalNormRefinement.margins(classifier(clean), rowLabels).map { overshoot * abs($0.margin) }
        var r = gather(start.perturbations, rows)
        let metric = PulledBackMetric(generator: generator, at: shifted(points, by: r), damping: damping)
        for iteration in 0...iterations {
            let last = iteration == iterations
            let moved = shifted(points, by: r)
            let g: Linearization? = last ? nil : generator.linearize(moved)
            let image = g?.value ?? generator(moved)
            let f: Linearization? = last ? nil : classifier.linearize(image)
            let margins = MinimalNormRefinement.margins(f?.value ?? classifier(image), rowLabels)
            let difference = shifted(image, by: clean, scale: -1)
            let distances = sampleNorms(difference)
            for (j, s) in rows.enumerated() where iteration > 0 && margins[j].margin < 0 {
                result.keepIfSmaller(s, norm: distances[j], label: margins[j].runnerUp, from: r, row: j)
            }
            guard let g, let f else { break }
            if iteration > 0 {
                for j in 0..<n { targets[j] *= margins[j].margin < 0 ? Self.targetShrink : Self.targetGrowth }
            }
            // One backward pass through g for both: rows 0..<n give w, rows n..<2n give J^T e.
            let gradients = g.vjp(Tensor.concatenate([f.vjp(MinimalNormRefinement.marginCotangent(margins, rowLabels, classes: k)), difference]))
            for j in 0..<n {
                guard let factor = metric.factors[j] else { continue }
                let w = (0..<d).map { Double(gradients.data[j * d + $0]) }
                let pull = (0..<d).map { Double(gradients.data[(n + j) * d + $0]) }
                if let delta = step(factor: factor, w: w, pull: pull, margin: margins[j].margin, target: targets[j],
                                    radius: trustRadius * sampleNorm(r, j)) {
                    for i in 0..<d { r.data[j * d + i] += Float(delta[i]) }
                }
            }
        }
        return result
    }

    /// q + alpha p for one point (see the type's comment), or nil when the margin has no usable
    /// gradient under the metric.
    private func step(factor: Cholesky, w: [Double], pull: [Double], margin: Double, target: Double, radius: Double) -> [Double]? {
        let b = factor.solve(w)
        let a = factor.solve(pull).map { -$0 }
        let wb = dot(w, b)
        guard wb > 0 else { return nil }
        let q = b.map { -(margin + target) / wb * $0 }
        let slide = dot(w, a) / wb
        let p = zip(a, b).map { $0 - slide * $1 }
        let qNorm = dot(q, q).squareRoot(), pNorm = dot(p, p).squareRoot()
        guard qNorm < radius else { return q.map { $0 * radius / qNorm } }
        let alpha = pNorm > 0 ? min(1, (radius * radius - qNorm * qNorm).squareRoot() / pNorm) : 0
        return zip(q, p).map { $0 + alpha * $1 }
    }
}

private func dot(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
}

/// ||row j|| of a batch, in Double.
private func sampleNorm(_ t: Tensor, _ j: Int) -> Double {
    let size = t.sampleSize
    var s = 0.0
    for i in (j * size)..<((j + 1) * size) { s += Double(t.data[i]) * Double(t.data[i]) }
    return s.squareRoot()
}
