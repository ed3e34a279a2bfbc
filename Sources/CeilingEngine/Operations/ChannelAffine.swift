/// `y = scale[c] * x + shift[c]` per channel (axis 1), or with one scale and shift for every
/// value. It carries BatchNorm in eval mode, mean/std normalisation and linear range maps, which
/// are all this map with different constants.
public struct ChannelAffine: LinearOperation {
    public let kind: String
    public let scale: [Float]
    public let shift: [Float]
    public let parameterCount: Int

    /// `kind` names the operation for listings; `parameterCount` is what the file stored.
    public init(kind: String, scale: [Float], shift: [Float], parameterCount: Int = 0) {
        precondition(scale.count == shift.count && !scale.isEmpty)
        self.kind = kind
        self.scale = scale
        self.shift = shift
        self.parameterCount = parameterCount
    }

    /// BatchNorm in eval mode: `(x - mean) / sqrt(var + eps) * weight + bias`.
    public static func batchNorm(mean: [Float], variance: [Float], weight: [Float]?, bias: [Float]?, eps: Double) -> ChannelAffine {
        var scale = [Float](), shift = [Float]()
        for c in mean.indices {
            let s = Double(weight?[c] ?? 1) / (Double(variance[c]) + eps).squareRoot()
            scale.append(Float(s))
            shift.append(Float(Double(bias?[c] ?? 0) - Double(mean[c]) * s))
        }
        let stored = mean.count * 2 + (weight?.count ?? 0) + (bias?.count ?? 0)
        return ChannelAffine(kind: "batch_norm", scale: scale, shift: shift, parameterCount: stored)
    }

    /// `(x - mean[c]) / std[c]`.
    public static func normalize(mean: [Float], std: [Float]) -> ChannelAffine {
        ChannelAffine(kind: "normalize", scale: std.map { 1 / $0 }, shift: zip(mean, std).map { -$0 / $1 })
    }

    var perChannel: Bool { scale.count > 1 || kind == "batch_norm" || kind == "normalize" }

    public func outputShape(for inputShapes: [[Int]]) throws(ShapeError) -> [Int] {
        let shape = try singleInput(inputShapes, kind)
        if perChannel {
            guard !shape.isEmpty && shape[0] == scale.count else {
                throw ShapeError("\(kind) has \(scale.count) channels, but its input is [N, \(shape.map(String.init).joined(separator: ", "))]")
            }
        }
        return shape
    }

    public func forward(_ inputs: [Tensor]) -> Tensor { apply(inputs[0], withShift: true) }

    func linearPart(_ x: Tensor) -> Tensor { apply(x, withShift: false) }

    public func vjp(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] {
        [apply(cotangent, withShift: false)]
    }

    /// Parallel over blocks of samples of about 64 Ki values; each value is computed the same way
    /// whichever thread runs its block.
    private func apply(_ x: Tensor, withShift: Bool) -> Tensor {
        let channels = perChannel ? scale.count : 1
        let size = x.sampleSize, inner = size / channels
        return Tensor(shape: x.shape) { out in
            nonisolated(unsafe) let out = out
            x.data.withUnsafeBufferPointer { xs in
                scale.withUnsafeBufferPointer { scale in
                    shift.withUnsafeBufferPointer { shift in
                        forEachBlock(total: x.batch, blockSize: max(1, (1 << 16) / max(1, size))) { samples in
                            for n in samples {
                                for c in 0..<channels {
                                    let a = scale[c], b = withShift ? shift[c] : 0
                                    let base = n * size + c * inner
                                    let o = out.baseAddress! + base, v = xs.baseAddress! + base
                                    for i in 0..<inner { o[i] = a * v[i] + b }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
