import CeilingEngine

/// The image metric pulled back to latent space, M = J^T J + lambda I with J the m x d Jacobian of
/// the generator, at each point of a batch, factorised once for the many solves of
/// `LatentMetricRefinement`.
///
/// J comes from d Jacobian-vector products per point (d ~ 100 is far below m ~ 3072, so forward
/// tangents are the cheap direction). A tangent pass keeps every intermediate tangent of the
/// generator, about 37 MB per point for the bundled DCGAN-32 (ngf 64): taking all 64 points of a
/// measurement at once held 1.8 GB. The passes therefore run over fixed chunks of
/// `pointsPerPass` points, which bounds the memory and, the chunks being fixed, keeps every result
/// independent of the thread count.
///
/// ReLU generators have rank-deficient Jacobians, so lambda = damping * ||J||_2^2
/// (Levenberg–Marquardt style) keeps M positive definite at a scale set by the generator itself.
struct PulledBackMetric {
    /// The Cholesky factor of M at each point; nil where M is not numerically positive definite.
    let factors: [Cholesky?]

    init(generator: any DifferentiableMap, at z: Tensor, damping: Double, pointsPerPass: Int = 4) {
        let n = z.batch, d = z.sampleSize, m = generator.outputSize
        var factors = [Cholesky?]()
        factors.reserveCapacity(n)
        var first = 0
        while first < n {
            let rows = Array(first..<min(n, first + pointsPerPass))
            let k = rows.count
            let linear = generator.linearize(gather(z, rows))
            // Tangent i * k + s is the i-th unit vector at point s.
            var basis = Tensor(zeros: [d * k] + z.sampleShape)
            for i in 0..<d { for s in 0..<k { basis.data[(i * k + s) * d + i] = 1 } }
            let columns = linear.jvp(basis)
            for s in 0..<k {
                var jacobian = [Float](repeating: 0, count: m * d)
                columns.data.withUnsafeBufferPointer { c in
                    for i in 0..<d {
                        let row = (i * k + s) * m
                        for p in 0..<m { jacobian[p * d + i] = c[row + p] }
                    }
                }
                var metric = gramMatrix(jacobian, rows: m, columns: d)
                let lambda = max(damping * largestEigenvalue(metric, size: d), 1e-12)
                for i in 0..<d { metric[i * d + i] += lambda }
                factors.append(Cholesky(metric, size: d))
            }
            first += k
        }
        self.factors = factors
    }
}
