import CeilingEngine

/// Euclidean distances between two sets of images, D[i, j] = ||a_i - b_j||, in the image norm.
///
/// Computed as ||a_i||^2 + ||b_j||^2 - 2 a_i . b_j with the cross terms from one single-precision
/// GEMM (the engine's `Linear`, which is OpenBLAS's sgemm), after subtracting the mean of both
/// sets from every image: distances are translation invariant, and centring makes the squared
/// norms comparable to the squared distances, so the subtraction loses few digits (about 1e-6
/// relative). Negative rounding residues are clamped at 0 before the square root. Exactness is
/// not needed here: the assignment found on these distances is re-costed with exact Double
/// distances (`EmpiricalWasserstein`).
enum PairwiseDistances {
    /// The |a| x |b| matrix, row-major, in Double. Both tensors are [N] + the same sample shape.
    static func matrix(_ a: Tensor, _ b: Tensor) -> [Double] {
        let m = a.sampleSize, na = a.batch, nb = b.batch
        // Mean of the union, in Double.
        var mean = [Double](repeating: 0, count: m)
        for t in [a, b] {
            t.data.withUnsafeBufferPointer { x in
                for n in 0..<t.batch { for i in 0..<m { mean[i] += Double(x[n * m + i]) } }
            }
        }
        let total = Double(na + nb)
        let centre = mean.map { Float($0 / total) }
        func centred(_ t: Tensor) -> (data: [Float], norms: [Double]) {
            var data = t.data
            var norms = [Double](repeating: 0, count: t.batch)
            data.withUnsafeMutableBufferPointer { x in
                for n in 0..<t.batch {
                    var s = 0.0
                    for i in 0..<m {
                        x[n * m + i] -= centre[i]
                        s += Double(x[n * m + i]) * Double(x[n * m + i])
                    }
                    norms[n] = s
                }
            }
            return (data, norms)
        }
        let (ca, normsA) = centred(a), (cb, normsB) = centred(b)
        // cross[i, j] = a_i . b_j: a Linear layer with b's rows as its weight computes a B^T.
        let cross = Linear(weight: cb, bias: nil, inFeatures: m, outFeatures: nb).forward([Tensor(shape: [na, m], data: ca)])
        return [Double](unsafeUninitializedCapacity: na * nb) { out, initialised in
            cross.data.withUnsafeBufferPointer { c in
                for i in 0..<na {
                    for j in 0..<nb {
                        let squared = normsA[i] + normsB[j] - 2 * Double(c[i * nb + j])
                        out[i * nb + j] = max(squared, 0).squareRoot()
                    }
                }
            }
            initialised = na * nb
        }
    }
}
