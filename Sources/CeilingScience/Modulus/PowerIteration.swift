import CeilingEngine

/// The operator norm ||A||_2 = sigma_max(A) of a linear map by power iteration on A^T A, with A
/// applied through the Jacobian-vector product of a graph of linear operations and A^T through
/// its vector-Jacobian product (their Jacobians are the maps themselves, at any point).
///
/// For a unit vector v, ||A^T A v|| <= ||A^T A|| = sigma_max^2, so sqrt(||A^T A v||) is a lower
/// bound at every iterate, and it rises to sigma_max as v turns towards the top right singular
/// vector (the error shrinks like (sigma_2 / sigma_1)^(2k)). Several random starts run in one
/// batch (a start orthogonal to the top singular vector is then no concern) and the largest
/// estimate is kept. Iteration stops when the estimate's relative change falls to `tolerance`
/// or after `maxIterations`. The maps run in Float32, so the estimate itself carries a relative
/// rounding error of order 1e-6; the certificate's margin covers it.
enum PowerIteration {
    struct Result: Sendable, Equatable {
        /// The largest estimate of sigma_max seen (a lower bound up to rounding).
        let norm: Double
        let iterations: Int
        let converged: Bool
    }

    static func norm(of map: Graph, tolerance: Double, maxIterations: Int, starts: Int = 4, seed: UInt64) -> Result {
        let trace = map.trace(Tensor(zeros: [1] + map.inputShape))
        var sampler = LatentSampler(seed: seed)
        var v = sampler.sphereDirections(starts, shape: map.inputShape)
        let size = v.sampleSize
        var best = 0.0, previous = 0.0
        for iteration in 1...max(1, maxIterations) {
            let w = map.jvp(trace, tangent: v)
            v = map.vjp(trace, cotangent: w)
            var estimate = 0.0
            for r in 0..<starts {
                var squared = 0.0
                for i in 0..<size { squared += Double(v.data[r * size + i]) * Double(v.data[r * size + i]) }
                let length = squared.squareRoot()
                estimate = max(estimate, length.squareRoot())
                // Normalise; a vector that A^T A annihilates stays zero (its estimate is 0).
                if length > 0 && length.isFinite {
                    let inverse = 1 / length
                    for i in 0..<size { v.data[r * size + i] = Float(Double(v.data[r * size + i]) * inverse) }
                }
            }
            best = max(best, estimate)
            if iteration > 1 && abs(estimate - previous) <= tolerance * max(estimate, .leastNormalMagnitude) {
                return Result(norm: best, iterations: iteration, converged: true)
            }
            if estimate == 0 { return Result(norm: 0, iterations: iteration, converged: true) }
            previous = estimate
        }
        return Result(norm: best, iterations: maxIterations, converged: false)
    }
}
