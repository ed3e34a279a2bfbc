import CBLAS

/// Thin wrappers over OpenBLAS's single-precision GEMM, row-major throughout.
///
/// The engine parallelises over samples itself, so OpenBLAS runs single-threaded: nested
/// threading oversubscribes the cores and makes results depend on the thread count.
enum BLAS {
    /// Called once, before the first GEMM.
    static let configured: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    /// C[m, n] = alpha * op(A) * op(B) + beta * C, row-major, with leading dimensions implied
    /// by the untransposed shapes.
    @inline(__always)
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        beta: Float = 0, c: UnsafeMutablePointer<Float>
    ) {
        _ = configured
        let lda = transposeA ? m : k
        let ldb = transposeB ? k : n
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(n))
    }
}
