import CeilingEngine
import Foundation

/// Reshape, Flatten, Squeeze, Unsqueeze, Pad and the operators that pass their input through
/// at inference (Identity, Dropout, Cast to float). The engine's reshapes keep the batch axis,
/// so one that moves it is refused.
extension GraphTranslation {
    /// The shape Reshape, Squeeze or Unsqueeze gives a constant of shape `shape`.
    func reshapedShape(_ c: NodeContext, from shape: [Int]) throws(ModelFileError) -> [Int] {
        let full = try newShape(c, from: shape.map { Optional($0) }, batchFirst: false)
        guard full.allSatisfy({ $0 != nil }) else { throw fail(c, "the batch size is not known at import") }
        return full.map { $0! }
    }

    /// The output's full shape (batch first when `batchFirst`, as nil) for an input of full
    /// shape `shape`.
    private func newShape(_ c: NodeContext, from shape: [Int?], batchFirst: Bool) throws(ModelFileError) -> [Int?] {
        switch c.op {
        case "Reshape":
            guard let target = try optionalConstant(c, 1, "shape")?.integers else { throw fail(c, "the shape must be constant integers") }
            // allowzero 1 makes a 0 an empty axis instead of a copy; without zeros it changes nothing.
            guard try c.attributes.int("allowzero", default: 0) == 0 || !target.contains(0) else {
                throw fail(c, "allowzero 1 with a size of 0 asks for an empty axis, which a model cannot have")
            }
            return try reshape(c, shape, to: target, batchFirst: batchFirst)
        case "Squeeze":
            guard let axes = try axes(c) else { throw fail(c, "Squeeze without axes could remove the batch axis; ceiling needs the axes") }
            let rank = shape.count
            let normalized = try axes.map { axis throws(ModelFileError) in try normalize(c, axis, rank: rank) }
            for axis in normalized where shape[axis] != 1 || (batchFirst && axis == 0) {
                throw fail(c, axis == 0 && batchFirst ? "squeezing the batch axis is not supported" : "axis \(axis) has size \(shape[axis].map(String.init) ?? "N"), not 1")
            }
            return shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element)
        default:  // Unsqueeze
            guard let axes = try axes(c) else { throw fail(c, "no axes") }
            let rank = shape.count + axes.count
            let normalized = try Set(axes.map { axis throws(ModelFileError) in try normalize(c, axis, rank: rank) })
            guard normalized.count == axes.count else { throw fail(c, "an axis is repeated") }
            if batchFirst && normalized.contains(0) { throw fail(c, "a new axis before the batch axis is not supported") }
            var rest = shape.makeIterator()
            return (0..<rank).map { normalized.contains($0) ? 1 : rest.next()! }
        }
    }

    /// Squeeze/Unsqueeze axes: an attribute before opset 13, an input from 13 on.
    private func axes(_ c: NodeContext) throws(ModelFileError) -> [Int]? {
        opset >= 13 ? try integers(c, 1, "axes") : try c.attributes.ints("axes")
    }

    func normalize(_ c: NodeContext, _ axis: Int, rank: Int) throws(ModelFileError) -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard (0..<rank).contains(a) else { throw fail(c, "axis \(axis) is outside a value of rank \(rank)") }
        return a
    }

    /// ONNX Reshape: 0 copies the input's size, -1 is inferred. With `batchFirst`, the first
    /// output axis must be the batch (the batch size from Shape, 0, -1 over exactly the
    /// per-sample values, or the file's fixed batch size) and no other axis may be.
    private func reshape(_ c: NodeContext, _ shape: [Int?], to target: [Int?], batchFirst: Bool) throws(ModelFileError) -> [Int?] {
        var out = [Int?](), inferred: Int?
        for (i, t) in target.enumerated() {
            if i == 0 && batchFirst {
                if t == nil || t == 0 || (t != -1 && t == staticBatch) { out.append(nil); continue }
                guard t == -1 else { throw fail(c, "the first axis becomes \(t!), not the batch; reshapes that touch the batch axis are not supported") }
                inferred = -1
                out.append(nil)
                continue
            }
            guard let t else { throw fail(c, "the batch size moves to axis \(i); reshapes that touch the batch axis are not supported") }
            switch t {
            case 0:
                guard i < shape.count, let copied = shape[i] else { throw fail(c, "size 0 at axis \(i) copies no input size") }
                out.append(copied)
            case -1:
                guard inferred == nil else { throw fail(c, "more than one size is -1") }
                inferred = i
                out.append(-1)
            case 1...: out.append(t)
            default: throw fail(c, "size \(t) is not allowed")
            }
        }
        let known = (batchFirst ? Array(shape.dropFirst()) : shape).map { $0 ?? 1 }
        guard let total = SizeArithmetic.product(known) else { throw fail(c, "the input is too large") }
        let fixed = (batchFirst ? Array(out.dropFirst()) : out).compactMap { $0 }.filter { $0 != -1 }
        guard let product = SizeArithmetic.product(fixed), product > 0 else { throw fail(c, "the new shape is too large") }
        if let inferred {
            guard total % product == 0 else { throw fail(c, "\(total) values per sample do not divide into \(target)") }
            if inferred == -1 {
                // -1 on the batch axis: the rest must hold exactly one sample.
                guard product == total else { throw fail(c, "-1 on the batch axis with \(product) values per row, but each sample has \(total); reshapes that touch the batch axis are not supported") }
            } else {
                out[inferred] = total / product
            }
        } else if product != total {
            throw fail(c, "cannot reshape \(total) values into \(target)")
        }
        return out
    }

    // MARK: On computed values

    func translateShapeOperator(_ c: NodeContext) throws(ModelFileError) -> [ImportedValue] {
        switch c.op {
        case "Identity": return [c.inputs.first.flatMap { $0 } ?? .unavailable("no input of \(c.label)")]
        case "Dropout": return [try dropout(c)]
        case "Cast":
            let x = try computed(c, 0)
            guard let type = ONNXType(rawValue: Int32(try c.attributes.int("to", default: 0))), type == .float else {
                throw fail(c, "ceiling computes in float32; a cast of a computed value to another type is not supported")
            }
            return [.computed(x)]
        case "Pad": return [try pad(c)]
        case "Flatten":
            let x = try computed(c, 0)
            let rank = x.shape.count + 1
            var axis = try c.attributes.int("axis", default: 1)
            if axis < 0 { axis += rank }
            guard (1...rank).contains(axis) else { throw fail(c, "flattening from axis \(axis) touches the batch axis, which is not supported") }
            guard let outer = SizeArithmetic.product(x.shape[..<(axis - 1)]), let inner = SizeArithmetic.product(x.shape[(axis - 1)...]) else {
                throw fail(c, "the input is too large")
            }
            let shape = axis == 1 ? [inner] : [outer, inner]
            if shape == x.shape { return [.computed(x)] }
            return [.computed(axis == 1 ? try emit(c, "flatten", inputs: [x], shape: shape) : try reshapeNode(c, x, shape))]
        default:
            let x = try computed(c, 0)
            let full = try newShape(c, from: [nil] + x.shape, batchFirst: true)
            let shape = full.dropFirst().map { $0! }
            if shape == x.shape { return [.computed(x)] }
            return [.computed(try reshapeNode(c, x, shape))]
        }
    }

    func reshapeNode(_ c: NodeContext, _ x: Computed, _ shape: [Int], suffix: String = "") throws(ModelFileError) -> Computed {
        try emit(c, "reshape", inputs: [x], shape: shape, attrs: ["shape": shape], suffix: suffix)
    }

    /// Dropout at inference passes its input; a training_mode that is not a constant false
    /// would change that.
    private func dropout(_ c: NodeContext) throws(ModelFileError) -> ImportedValue {
        _ = try c.attributes.int("seed", default: 0)
        _ = try c.attributes.float("ratio", default: 0.5)
        if c.inputs.count > 2, let mode = try integers(c, 2, "training_mode"), mode != [0] {
            throw fail(c, "training_mode is on; export the model in eval mode")
        }
        _ = try optionalConstant(c, 1, "ratio")
        return c.inputs.first.flatMap { $0 } ?? .unavailable("no input of \(c.label)")
    }

    /// Zero padding of the two spatial axes, kept until a convolution or pool reads it.
    private func pad(_ c: NodeContext) throws(ModelFileError) -> ImportedValue {
        let x: Computed, before: [Int]
        switch c.inputs.first.flatMap({ $0 }) {
        case .padded(let inner, let pads)?: (x, before) = (inner, pads)
        default: (x, before) = (try computed(c, 0), [0, 0, 0, 0])
        }
        guard try c.attributes.string("mode", default: "constant") == "constant" else { throw fail(c, "only constant (zero) padding is supported") }
        let rank = x.shape.count + 1
        var pads: [Int]
        if opset >= 11 {
            guard let given = try integers(c, 1, "pads") else { throw fail(c, "the pads must be constant") }
            if let value = try optionalConstant(c, 2, "constant_value"), value.floats?.allSatisfy({ $0 == 0 }) != true {
                throw fail(c, "padding with a value other than 0 is not supported")
            }
            pads = given
            if let axes = try integers(c, 3, "axes") {
                // Pads for the listed axes only: spread them over all axes.
                var full = [Int](repeating: 0, count: 2 * rank)
                guard pads.count == 2 * axes.count else { throw fail(c, "\(pads.count) pads for \(axes.count) axes") }
                for (k, axis) in axes.enumerated() {
                    let a = try normalize(c, axis, rank: rank)
                    (full[a], full[a + rank]) = (pads[k], pads[k + axes.count])
                }
                pads = full
            }
        } else {
            pads = try c.attributes.ints("pads") ?? []
            guard try c.attributes.float("value", default: 0) == 0 else { throw fail(c, "padding with a value other than 0 is not supported") }
        }
        guard rank == 4, pads.count == 8 else { throw fail(c, "ceiling folds padding of [N, C, H, W] values only") }
        guard pads.allSatisfy({ $0 >= 0 }), pads[0] == 0, pads[1] == 0, pads[4] == 0, pads[5] == 0 else {
            throw fail(c, "only non-negative padding of the two spatial axes is supported")
        }
        return .padded(x, pads: [before[0] + pads[2], before[1] + pads[3], before[2] + pads[6], before[3] + pads[7]])
    }
}
