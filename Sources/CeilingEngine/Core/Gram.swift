/// J^T J for a row-major m x d matrix J, by one single-precision GEMM on OpenBLAS, handed back
/// in Double for the factorisations that follow: the pulled-back metric of a generator's
/// Jacobian, which the attacks and the modulus need for d ~ 100.
public func gramMatrix(_ matrix: [Float], rows m: Int, columns d: Int) -> [Double] {
    precondition(matrix.count == m * d)
    var result = [Float](repeating: 0, count: d * d)
    matrix.withUnsafeBufferPointer { a in
        result.withUnsafeMutableBufferPointer { c in
            BLAS.gemm(transposeA: true, transposeB: false, m: d, n: d, k: m, a: a.baseAddress!, b: a.baseAddress!, c: c.baseAddress!)
        }
    }
    return result.map(Double.init)
}
