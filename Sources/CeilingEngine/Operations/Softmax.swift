import Foundation

/// Softmax or log-softmax over the class axis of [N, K] logits. Only allowed as a graph's output;
/// the attacks work on the logits before it.
public struct Softmax: NetworkOperation {
    public let log: Bool
    public init(log: Bool) { self.log = log }
    public var kind: String { log ? "log_softmax" : "softmax" }

    public func outputShape(for inputShapes: [[Int]]) throws(ShapeError) -> [Int] {
        try singleInput(inputShapes, rank: 1, kind)
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let k = x.sampleSize
        return Tensor(shape: x.shape) { out in
            x.data.withUnsafeBufferPointer { xs in
                for n in 0..<x.batch {
                    let row = n * k
                    var top = -Float.infinity
                    for j in 0..<k { top = max(top, xs[row + j]) }
                    var total: Double = 0
                    for j in 0..<k { total += Foundation.exp(Double(xs[row + j] - top)) }
                    let logTotal = Float(Foundation.log(total))
                    for j in 0..<k {
                        let shifted = xs[row + j] - top - logTotal
                        out[row + j] = log ? shifted : Foundation.exp(shifted)
                    }
                }
            }
        }
    }

    /// Probabilities of forward sample `n`.
    private func probabilities(_ output: Tensor, _ n: Int) -> ArraySlice<Float> {
        let k = output.sampleSize
        let row = output.data[(n * k)..<((n + 1) * k)]
        return log ? ArraySlice(row.map { Foundation.exp($0) }) : row
    }

    /// Softmax and log-softmax have symmetric Jacobians up to the transpose:
    /// softmax: J = diag(p) - p p^T (symmetric); log-softmax: J = I - 1 p^T, J^T = I - p 1^T.
    public func vjp(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] {
        [apply(cotangent, output: output, transpose: true)]
    }

    public func jvp(_ tangents: [Tensor], inputs: [Tensor], output: Tensor) -> Tensor {
        apply(tangents[0], output: output, transpose: false)
    }

    private func apply(_ v: Tensor, output: Tensor, transpose: Bool) -> Tensor {
        let k = v.sampleSize, n = output.batch
        var result = v
        for b in 0..<v.batch {
            let p = Array(probabilities(output, b % n))
            let row = b * k
            if !log {
                var s: Float = 0
                for j in 0..<k { s += p[j] * v.data[row + j] }
                for j in 0..<k { result.data[row + j] = p[j] * (v.data[row + j] - s) }
            } else if transpose {
                var s: Float = 0
                for j in 0..<k { s += v.data[row + j] }
                for j in 0..<k { result.data[row + j] = v.data[row + j] - p[j] * s }
            } else {
                var s: Float = 0
                for j in 0..<k { s += p[j] * v.data[row + j] }
                for j in 0..<k { result.data[row + j] = v.data[row + j] - s }
            }
        }
        return result
    }
}
