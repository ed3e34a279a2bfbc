/// `y = x W^T + b` on [N, in] inputs, as one GEMM over the whole batch (`nn.Linear`).
public struct Linear: LinearOperation {
    public let kind = "linear"
    public let inFeatures: Int
    public let outFeatures: Int
    /// [out, in], row-major.
    public let weight: [Float]
    public let bias: [Float]?

    public init(weight: [Float], bias: [Float]?, inFeatures: Int, outFeatures: Int) {
        precondition(weight.count == inFeatures * outFeatures && (bias?.count ?? outFeatures) == outFeatures)
        self.weight = weight
        self.bias = bias
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    public var parameterCount: Int { weight.count + (bias?.count ?? 0) }

    public func outputShape(for inputShapes: [[Int]]) throws(ShapeError) -> [Int] {
        let shape = try singleInput(inputShapes, rank: 1, kind)
        guard shape[0] == inFeatures else {
            throw ShapeError("linear expects \(inFeatures) input features, got \(shape[0])")
        }
        return [outFeatures]
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        var y = linearPart(inputs[0])
        if let bias {
            let batch = y.batch
            y.data.withUnsafeMutableBufferPointer { out in
                for n in 0..<batch {
                    for j in 0..<outFeatures { out[n * outFeatures + j] += bias[j] }
                }
            }
        }
        return y
    }

    func linearPart(_ x: Tensor) -> Tensor {
        let n = x.batch
        return Tensor(shape: [n, outFeatures]) { out in
            x.data.withUnsafeBufferPointer { xs in
                weight.withUnsafeBufferPointer { w in
                    BLAS.gemm(transposeA: false, transposeB: true, m: n, n: outFeatures, k: inFeatures,
                              a: xs.baseAddress!, b: w.baseAddress!, c: out.baseAddress!)
                }
            }
        }
    }

    public func vjp(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] {
        let n = cotangent.batch
        let grad = Tensor(shape: [n, inFeatures]) { out in
            cotangent.data.withUnsafeBufferPointer { g in
                weight.withUnsafeBufferPointer { w in
                    BLAS.gemm(transposeA: false, transposeB: false, m: n, n: inFeatures, k: outFeatures,
                              a: g.baseAddress!, b: w.baseAddress!, c: out.baseAddress!)
                }
            }
        }
        return [grad]
    }
}
