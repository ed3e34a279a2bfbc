import CeilingEngine
import Foundation

/// Nodes whose result is known at import: `Constant`, `Shape` (the batch size stays symbolic),
/// and the integer and shape arithmetic on constants that exporters write for `view` and
/// `reshape` and `F.pad` (Gather, Concat, Slice, Squeeze, Unsqueeze, Reshape, Transpose, Cast,
/// Identity, the four arithmetic operators, ConstantOfShape). Folding them leaves only operations on computed
/// values for the engine.
extension GraphTranslation {
    static let foldable: Set<String> = ["Gather", "Concat", "Unsqueeze", "Squeeze", "Reshape", "Identity", "Cast", "Slice",
                                        "Add", "Sub", "Mul", "Div", "ConstantOfShape", "Transpose"]

    /// The node's outputs when they are constants, nil when the node computes on the input.
    func fold(_ c: NodeContext) throws(ModelFileError) -> [ImportedValue]? {
        switch c.op {
        case "Constant": return [.constant(try constantNode(c))]
        case "Shape": return [.constant(try shape(c))]
        default: break
        }
        let present = c.inputs.compactMap { $0 }
        guard Self.foldable.contains(c.op), !present.isEmpty,
              present.allSatisfy({ if case .constant = $0 { true } else { false } }) else { return nil }
        let x = try constant(c, 0, "input")
        let result: ConstantTensor
        switch c.op {
        case "Gather": result = try gather(c, x)
        case "Concat": result = try concat(c)
        case "Unsqueeze", "Squeeze", "Reshape":
            result = x.reshaped(try reshapedShape(c, from: x.shape))
        case "Identity": result = x
        case "Cast": result = try cast(c, x)
        case "Slice": result = try slice(c, x)
        case "Transpose": result = try transpose(c, x)
        case "ConstantOfShape": result = try constantOfShape(c)
        default: result = try arithmetic(c, x, try constant(c, 1, "second operand"))
        }
        return [.constant(result)]
    }

    private func constantNode(_ c: NodeContext) throws(ModelFileError) -> ConstantTensor {
        let a = c.attributes
        if let tensor = try a.tensor("value") { return try ConstantTensor(tensor, external: external, path: path) }
        if a.has("value_float") { return ConstantTensor(shape: [], elements: .floats([try a.float("value_float", default: 0)])) }
        if let v = try a.floats("value_floats") { return ConstantTensor(shape: [v.count], elements: .floats(v)) }
        if a.has("value_int") { return ConstantTensor(shape: [], elements: .integers([try a.int("value_int", default: 0)])) }
        if let v = try a.ints("value_ints") { return ConstantTensor(shape: [v.count], elements: .integers(v)) }
        throw fail(c, "ceiling reads constants given as value, value_float(s) or value_int(s)")
    }

    /// The full shape of the input, batch first (unknown at import unless it is a constant).
    private func shape(_ c: NodeContext) throws(ModelFileError) -> ConstantTensor {
        let full: [Int?]
        if case .constant(let x)? = c.inputs.first { full = x.shape } else { full = [nil] + (try computed(c, 0)).shape }
        let rank = full.count
        func clamp(_ i: Int) -> Int { min(max(i < 0 ? i + rank : i, 0), rank) }
        let start = clamp(try c.attributes.int("start", default: 0)), end = clamp(try c.attributes.int("end", default: rank))
        let dims = start < end ? Array(full[start..<end]) : []
        return ConstantTensor(shape: [dims.count], elements: .integers(dims))
    }

    private func gather(_ c: NodeContext, _ data: ConstantTensor) throws(ModelFileError) -> ConstantTensor {
        let indicesTensor = try constant(c, 1, "indices")
        guard let indices = try integers(c, 1, "indices") else { throw fail(c, "no indices") }
        let rank = data.shape.count
        var axis = try c.attributes.int("axis", default: 0)
        if axis < 0 { axis += rank }
        guard (0..<rank).contains(axis) else { throw fail(c, "axis \(axis) is outside a tensor of rank \(rank)") }
        let length = data.shape[axis]
        let inner = data.shape[(axis + 1)...].reduce(1, *), outer = data.shape[..<axis].reduce(1, *)
        var flat = [Int]()
        let shape = Array(data.shape[..<axis]) + indicesTensor.shape + Array(data.shape[(axis + 1)...])
        guard let count = SizeArithmetic.product(shape), count <= ConstantTensor.maxElements else { throw fail(c, "the result is too large") }
        flat.reserveCapacity(count)
        for o in 0..<outer {
            for index in indices {
                let i = index < 0 ? index + length : index
                guard (0..<length).contains(i) else { throw fail(c, "index \(index) is outside an axis of length \(length)") }
                for k in 0..<inner { flat.append((o * length + i) * inner + k) }
            }
        }
        return data.gathered(flat, shape: shape)
    }

    private func concat(_ c: NodeContext) throws(ModelFileError) -> ConstantTensor {
        var parts = [ConstantTensor]()
        for i in c.inputs.indices { parts.append(try constant(c, i, "input")) }
        let axis = try c.attributes.int("axis", default: 0)
        guard parts.allSatisfy({ $0.shape.count == 1 }), axis == 0 || axis == -1 else { throw fail(c, "ceiling folds the concatenation of constant lists only") }
        if parts.allSatisfy({ if case .integers = $0.elements { true } else { false } }) {
            let values = parts.flatMap { $0.integers! }
            return ConstantTensor(shape: [values.count], elements: .integers(values))
        }
        var values = [Float]()
        for part in parts {
            guard let v = part.floats else { throw fail(c, "cannot concatenate the batch size with floating-point values") }
            values += v
        }
        return ConstantTensor(shape: [values.count], elements: .floats(values))
    }

    private func cast(_ c: NodeContext, _ x: ConstantTensor) throws(ModelFileError) -> ConstantTensor {
        let to = try c.attributes.int("to", default: 0)
        guard let type = ONNXType(rawValue: Int32(to)) else { throw fail(c, "cast to ONNX type \(to) is not supported") }
        if type.isFloatingPoint {
            guard let v = x.floats else { throw fail(c, "the batch size is not known at import") }
            return ConstantTensor(shape: x.shape, elements: .floats(v))
        }
        if case .integers = x.elements { return x }
        guard let v = x.floats, v.allSatisfy({ $0.isFinite && abs($0) < 1e15 }) else { throw fail(c, "cannot cast these values to integers") }
        return ConstantTensor(shape: x.shape, elements: .integers(v.map { Int($0.rounded(.towardZero)) }))
    }

    /// Slice along any axes with any non-zero steps, ends clamped as ONNX clamps them (torch
    /// writes INT64_MIN for "to the front").
    private func slice(_ c: NodeContext, _ x: ConstantTensor) throws(ModelFileError) -> ConstantTensor {
        func list(_ i: Int, _ name: String) throws(ModelFileError) -> [Int]? {
            if opset < 10 { return try c.attributes.ints(name) }
            guard let t = try optionalConstant(c, i, name) else { return nil }
            guard let v = t.integers, v.allSatisfy({ $0 != nil }) else { throw fail(c, "the \(name) must be constant integers") }
            return v.map { min(max($0!, -(1 << 40)), 1 << 40) }
        }
        let rank = x.shape.count
        guard let starts = try list(1, "starts"), let ends = try list(2, "ends"), starts.count == ends.count else {
            throw fail(c, "needs constant starts and ends of one length")
        }
        let axes = try list(3, "axes") ?? Array(0..<starts.count)
        let steps = try list(4, "steps") ?? Array(repeating: 1, count: starts.count)
        guard axes.count == starts.count, steps.count == starts.count, !steps.contains(0) else { throw fail(c, "axes and steps must match the starts, steps non-zero") }
        var ranges = x.shape.map { Array(0..<$0) }
        for k in starts.indices {
            let axis = try normalize(c, axes[k], rank: rank), n = x.shape[axis], step = steps[k]
            var (start, end) = (starts[k] < 0 ? starts[k] + n : starts[k], ends[k] < 0 ? ends[k] + n : ends[k])
            if step > 0 {
                (start, end) = (min(max(start, 0), n), min(max(end, 0), n))
                ranges[axis] = start < end ? Array(stride(from: start, to: end, by: step)) : []
            } else {
                (start, end) = (min(max(start, 0), n - 1), min(max(end, -1), n - 1))
                ranges[axis] = start > end ? Array(stride(from: start, to: end, by: step)) : []
            }
        }
        return select(x, ranges, order: Array(0..<rank))
    }

    private func transpose(_ c: NodeContext, _ x: ConstantTensor) throws(ModelFileError) -> ConstantTensor {
        let rank = x.shape.count
        let perm = try c.attributes.ints("perm") ?? Array((0..<rank).reversed())
        guard perm.sorted() == Array(0..<rank) else { throw fail(c, "perm \(perm) is not a permutation of the \(rank) axes") }
        return select(x, x.shape.map { Array(0..<$0) }, order: perm)
    }

    /// The elements at the given indices along each input axis, the output's axes being the
    /// input axes in `order`.
    private func select(_ x: ConstantTensor, _ ranges: [[Int]], order: [Int]) -> ConstantTensor {
        var strides = [Int](repeating: 1, count: x.shape.count)
        for axis in stride(from: x.shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * x.shape[axis + 1] }
        var flat = [0]
        for axis in order {
            flat = flat.flatMap { base in ranges[axis].map { base + $0 * strides[axis] } }
        }
        return x.gathered(flat, shape: order.map { ranges[$0].count })
    }

    private func constantOfShape(_ c: NodeContext) throws(ModelFileError) -> ConstantTensor {
        guard let shape = try integers(c, 0, "shape"), shape.allSatisfy({ $0 >= 0 }),
              let count = SizeArithmetic.product(shape), count <= ConstantTensor.maxElements else {
            throw fail(c, "the shape must be constant sizes of at most \(ConstantTensor.maxElements) elements")
        }
        let fill = try c.attributes.tensor("value").map { t throws(ModelFileError) in try ConstantTensor(t, external: external, path: path) }
        guard let fill, fill.count == 1 else { return ConstantTensor(shape: shape, elements: .floats(Array(repeating: 0, count: count))) }
        switch fill.elements {
        case .floats(let v): return ConstantTensor(shape: shape, elements: .floats(Array(repeating: v[0], count: count)))
        case .integers(let v): return ConstantTensor(shape: shape, elements: .integers(Array(repeating: v[0], count: count)))
        }
    }

    /// Add, Sub, Mul, Div of two constants of one shape, or of a constant and a scalar.
    private func arithmetic(_ c: NodeContext, _ a: ConstantTensor, _ b: ConstantTensor) throws(ModelFileError) -> ConstantTensor {
        guard a.shape == b.shape || a.count == 1 || b.count == 1 else {
            throw fail(c, "ceiling folds arithmetic on constants of one shape, or with a scalar, only")
        }
        let shape = a.count >= b.count ? a.shape : b.shape
        let n = max(a.count, b.count)
        if case .integers(let x) = a.elements, case .integers(let y) = b.elements {
            var result = [Int?]()
            for i in 0..<n {
                guard let p = x[a.count == 1 ? 0 : i], let q = y[b.count == 1 ? 0 : i] else {
                    throw fail(c, "arithmetic on the batch size is not supported (export with a fixed batch, or reshape with -1)")
                }
                let (value, overflow): (Int, Bool)
                switch c.op {
                case "Add": (value, overflow) = p.addingReportingOverflow(q)
                case "Sub": (value, overflow) = p.subtractingReportingOverflow(q)
                case "Mul": (value, overflow) = p.multipliedReportingOverflow(by: q)
                default:
                    guard q != 0 else { throw fail(c, "division by zero") }
                    (value, overflow) = p.dividedReportingOverflow(by: q)
                }
                guard !overflow else { throw fail(c, "integer overflow") }
                result.append(value)
            }
            return ConstantTensor(shape: shape, elements: .integers(result))
        }
        guard let x = a.floats, let y = b.floats else { throw fail(c, "the batch size is not known at import") }
        let result = (0..<n).map { i -> Float in
            let (p, q) = (x[a.count == 1 ? 0 : i], y[b.count == 1 ? 0 : i])
            switch c.op {
            case "Add": return p + q
            case "Sub": return p - q
            case "Mul": return p * q
            default: return p / q
            }
        }
        return ConstantTensor(shape: shape, elements: .floats(result))
    }
}
