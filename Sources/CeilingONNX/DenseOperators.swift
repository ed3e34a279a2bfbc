import CeilingEngine
import Foundation

/// Gemm, MatMul and the elementwise arithmetic between a computed value and a constant. The
/// engine's `linear` computes `x W^T + b` with W as [out, in]; Gemm's transB, alpha and beta
/// and MatMul's [in, out] weight are turned into that form.
extension GraphTranslation {
    func gemm(_ c: NodeContext) throws(ModelFileError) -> Computed {
        let x = try features(c)
        let a = c.attributes
        guard try a.int("transA", default: 0) == 0 else { throw fail(c, "transA 1 is not supported (the computed value must be A, [N, in])") }
        let transB = try a.int("transB", default: 0) == 1
        let alpha = try a.float("alpha", default: 1), beta = try a.float("beta", default: 1)
        let b = try weight(c, 1, "weight B", rank: 2)
        let (out, input) = transB ? (b.shape[0], b.shape[1]) : (b.shape[1], b.shape[0])
        var w = transB ? b.floats! : Self.transposed(b.floats!, rows: b.shape[0], columns: b.shape[1])
        if alpha != 1 { w = w.map { alpha * $0 } }
        var params = ["weight": ([out, input], w)]
        if let bias = try optionalConstant(c, 2, "bias C") {
            guard let values = bias.floats, bias.count == out || bias.count == 1, bias.shape.reduce(1, *) == bias.count,
                  bias.shape.dropLast().allSatisfy({ $0 == 1 }) else {
                throw fail(c, "the bias C has shape \(bias.shape); ceiling needs [\(out)], [1, \(out)] or a scalar")
            }
            params["bias"] = ([out], (values.count == 1 ? Array(repeating: values[0], count: out) : values).map { beta * $0 })
        }
        return try emit(c, "linear", inputs: [x], shape: [out], params: params)
    }

    func matMul(_ c: NodeContext) throws(ModelFileError) -> Computed {
        let x = try features(c)
        let b = try weight(c, 1, "weight (the second operand)", rank: 2)
        return try emit(c, "linear", inputs: [x], shape: [b.shape[1]],
                        params: ["weight": ([b.shape[1], b.shape[0]], Self.transposed(b.floats!, rows: b.shape[0], columns: b.shape[1]))])
    }

    /// The computed operand of a Gemm or MatMul: [N, in].
    private func features(_ c: NodeContext) throws(ModelFileError) -> Computed {
        if case .computed? = c.inputs.count > 1 ? c.inputs[1] : nil {
            throw fail(c, "the second operand is computed from the input; ceiling multiplies by constant weights only")
        }
        let x = try computed(c, 0)
        guard x.shape.count == 1 else { throw fail(c, "the input has per-sample shape \(x.shape); ceiling multiplies [N, in] values only (flatten first)") }
        return x
    }

    static func transposed(_ m: [Float], rows: Int, columns: Int) -> [Float] {
        var t = [Float](repeating: 0, count: m.count)
        for r in 0..<rows { for k in 0..<columns { t[k * rows + r] = m[r * columns + k] } }
        return t
    }

    /// Add of two computed values of one shape; Add, Sub, Mul or Div of a computed value and a
    /// scalar (`affine`), or a per-channel constant (`normalize`, or the bias of the MatMul
    /// before it).
    func arithmetic(_ c: NodeContext) throws(ModelFileError) -> Computed {
        guard c.inputs.count == 2 else { throw fail(c, "needs two operands") }
        if case .computed(let a)? = c.inputs[0], case .computed(let b)? = c.inputs[1] {
            guard c.op == "Add" else { throw fail(c, "\(c.op) of two computed values is not supported (only their sum is)") }
            guard a.shape == b.shape else { throw fail(c, "the operands have per-sample shapes \(a.shape) and \(b.shape); ceiling adds values of one shape (no broadcasting)") }
            return try emit(c, "add", inputs: [a, b], shape: a.shape)
        }
        let constantFirst = { if case .constant? = c.inputs[0] { true } else { false } }()
        let x = try computed(c, constantFirst ? 1 : 0)
        let k = try weight(c, constantFirst ? 0 : 1, "constant operand")
        let values = k.floats!
        guard values.allSatisfy(\.isFinite) else { throw fail(c, "the constant operand holds a value that is not finite") }
        let channels = try channelsOf(c, k, over: x)
        if channels == 1 {
            let v = values[0]
            let (scale, shift): (Float, Float)
            switch (c.op, constantFirst) {
            case ("Add", _): (scale, shift) = (1, v)
            case ("Sub", false): (scale, shift) = (1, -v)
            case ("Sub", true): (scale, shift) = (-1, v)
            case ("Mul", _): (scale, shift) = (v, 0)
            case ("Div", false):
                guard v != 0, (1 / v).isFinite else { throw fail(c, "division by \(v)") }
                (scale, shift) = (1 / v, 0)
            default: throw fail(c, "dividing a constant by a computed value is not supported")
            }
            return try emit(c, "affine", inputs: [x], shape: x.shape, attrs: ["scale": Double(scale), "shift": Double(shift)])
        }
        if c.op == "Add", x.shape.count == 1, joinBias(x, values) { return x }
        let (mean, std): ([Float], [Float])
        switch (c.op, constantFirst) {
        case ("Add", _): (mean, std) = (values.map { -$0 }, Array(repeating: 1, count: channels))
        case ("Sub", false): (mean, std) = (values, Array(repeating: 1, count: channels))
        case ("Div", false) where values.allSatisfy({ $0 > 0 }): (mean, std) = (Array(repeating: 0, count: channels), values)
        case ("Mul", _) where values.allSatisfy({ $0 > 0 }): (mean, std) = (Array(repeating: 0, count: channels), values.map { 1 / $0 })
        default: throw fail(c, "\(c.op) with a per-channel constant is supported as x + b, x - b, x / s and x * s (s positive) only")
        }
        return try emit(c, "normalize", inputs: [x], shape: x.shape, attrs: ["mean": mean.map(Double.init), "std": std.map(Double.init)])
    }

    /// 1 for a scalar constant, C for one that varies along the channel axis (axis 1) of `x`
    /// only; anything else would need broadcasting the engine does not do.
    private func channelsOf(_ c: NodeContext, _ k: ConstantTensor, over x: Computed) throws(ModelFileError) -> Int {
        let rank = x.shape.count + 1
        guard k.shape.count <= rank else { throw fail(c, "the constant has shape \(k.shape), more axes than the value") }
        let aligned = Array(repeating: 1, count: rank - k.shape.count) + k.shape
        let others = aligned.enumerated().filter { $0.offset != 1 }.map(\.element)
        guard others.allSatisfy({ $0 == 1 }), aligned[1] == 1 || aligned[1] == x.shape[0] else {
            throw fail(c, "the constant has shape \(k.shape), which does not broadcast as a scalar or per channel over [N, \(x.shape.map(String.init).joined(separator: ", "))]")
        }
        return aligned[1]
    }
}
