/// Cholesky factorisation A = L L^T of a small symmetric positive-definite matrix (row-major,
/// Double), for solving the damped metric systems (J^T J + lambda I) y = w of the in-distribution
/// attack. d is the latent dimension (~100), so a plain O(d^3) loop is the right tool.
struct Cholesky {
    let size: Int
    private var lower: [Double]

    /// Nil when the matrix is not numerically positive definite.
    init?(_ matrix: [Double], size d: Int) {
        size = d
        lower = [Double](repeating: 0, count: d * d)
        for j in 0..<d {
            var diagonal = matrix[j * d + j]
            for k in 0..<j { diagonal -= lower[j * d + k] * lower[j * d + k] }
            guard diagonal > 0 else { return nil }
            let pivot = diagonal.squareRoot()
            lower[j * d + j] = pivot
            for i in (j + 1)..<d {
                var sum = matrix[i * d + j]
                for k in 0..<j { sum -= lower[i * d + k] * lower[j * d + k] }
                lower[i * d + j] = sum / pivot
            }
        }
    }

    /// x with A x = b.
    func solve(_ b: [Double]) -> [Double] {
        let d = size
        var y = b
        for i in 0..<d {
            for k in 0..<i { y[i] -= lower[i * d + k] * y[k] }
            y[i] /= lower[i * d + i]
        }
        for i in stride(from: d - 1, through: 0, by: -1) {
            for k in (i + 1)..<d { y[i] -= lower[k * d + i] * y[k] }
            y[i] /= lower[i * d + i]
        }
        return y
    }
}

/// Largest eigenvalue of a symmetric positive semi-definite matrix by power iteration.
func largestEigenvalue(_ matrix: [Double], size d: Int, iterations: Int = 50) -> Double {
    var v = [Double](repeating: 1 / Double(d).squareRoot(), count: d)
    var value = 0.0
    for _ in 0..<iterations {
        var w = [Double](repeating: 0, count: d)
        for i in 0..<d { for j in 0..<d { w[i] += matrix[i * d + j] * v[j] } }
        let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else { return 0 }
        value = norm
        v = w.map { $0 / norm }
    }
    return value
}
