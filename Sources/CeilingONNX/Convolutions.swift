import CeilingEngine
import Foundation

/// Conv, ConvTranspose and the pools. ONNX gives pads per side ([top, left, bottom, right]),
/// `auto_pad` and `ceil_mode`, the engine symmetric pads and floor sizes: what maps exactly is
/// translated, the rest (asymmetric pads, a ceil_mode that adds a window, groups) refused.
extension GraphTranslation {
    private struct Window {
        var stride: [Int]
        var pads: [Int]  // [top, left, bottom, right]
        var dilation: [Int]
        var padding: [Int] { [pads[0], pads[1]] }
    }

    /// The input of a convolution or pool: an image value, with the zero padding of a Pad before it.
    private func image(_ c: NodeContext) throws(ModelFileError) -> (Computed, [Int]) {
        let (x, pads): (Computed, [Int])
        if case .padded(let inner, let p)? = c.inputs.first.flatMap({ $0 }) { (x, pads) = (inner, p) } else { (x, pads) = (try computed(c, 0), [0, 0, 0, 0]) }
        guard x.shape.count == 3 else { throw fail(c, "the input has per-sample shape \(x.shape); ceiling supports 2-D [N, C, H, W] inputs only") }
        return (x, pads)
    }

    private func pair(_ c: NodeContext, _ name: String, default fallback: Int, minimum: Int) throws(ModelFileError) -> [Int] {
        let values = try c.attributes.ints(name) ?? [fallback, fallback]
        guard values.count == 2, values.allSatisfy({ $0 >= minimum }) else { throw fail(c, "'\(name)' must be two integers of at least \(minimum), got \(values)") }
        return values
    }

    /// Strides, dilations and pads (explicit or from auto_pad) for a window of size `kernel`
    /// sliding over the image `input` [C, H, W].
    private func window(_ c: NodeContext, kernel: [Int], input: [Int], extraPads: [Int], dilations: Bool = true) throws(ModelFileError) -> Window {
        let stride = try pair(c, "strides", default: 1, minimum: 1)
        let dilation = dilations ? try pair(c, "dilations", default: 1, minimum: 1) : [1, 1]
        var pads = try c.attributes.ints("pads") ?? [0, 0, 0, 0]
        guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else { throw fail(c, "'pads' must be four non-negative integers, got \(pads)") }
        switch try c.attributes.string("auto_pad", default: "NOTSET") {
        case "NOTSET": break
        case "VALID": pads = [0, 0, 0, 0]
        case let mode where mode == "SAME_UPPER" || mode == "SAME_LOWER":
            for axis in 0..<2 {
                let n = input[axis + 1], s = stride[axis]
                let span = dilation[axis] * (kernel[axis] - 1) + 1
                let total = max(0, ((n + s - 1) / s - 1) * s + span - n)
                let small = total / 2
                (pads[axis], pads[axis + 2]) = mode == "SAME_UPPER" ? (small, total - small) : (total - small, small)
            }
        case let mode: throw fail(c, "auto_pad '\(mode)' is not an ONNX padding mode")
        }
        pads = zip(pads, extraPads).map { $0 + $1 }
        guard pads[0] == pads[2], pads[1] == pads[3] else {
            throw fail(c, "the padding is asymmetric (top \(pads[0]), left \(pads[1]), bottom \(pads[2]), right \(pads[3])); ceiling pads both sides of an axis equally")
        }
        return Window(stride: stride, pads: pads, dilation: dilation)
    }

    private func outputSize(_ c: NodeContext, input: [Int], kernel: [Int], _ w: Window) throws(ModelFileError) -> [Int] {
        var size = [Int]()
        for axis in 0..<2 {
            guard let n = SizeArithmetic.windows(input: input[axis + 1], kernel: kernel[axis], stride: w.stride[axis], padding: w.pads[axis], dilation: w.dilation[axis]), n >= 1 else {
                throw fail(c, "a window of \(kernel) does not fit the padded input \(input)")
            }
            size.append(n)
        }
        return size
    }

    private func checkGroups(_ c: NodeContext) throws(ModelFileError) {
        guard try c.attributes.int("group", default: 1) == 1 else { throw fail(c, "grouped convolutions are not supported") }
    }

    private func kernel(_ c: NodeContext, _ weight: ConstantTensor) throws(ModelFileError) -> [Int] {
        let kernel = Array(weight.shape[2...])
        if let given = try c.attributes.ints("kernel_shape"), given != kernel {
            throw fail(c, "kernel_shape \(given) does not match the weight's shape \(weight.shape)")
        }
        return kernel
    }

    func convolution(_ c: NodeContext) throws(ModelFileError) -> Computed {
        let (x, extra) = try image(c)
        let weight = try self.weight(c, 1, "weight", rank: 4)
        try checkGroups(c)
        let kernel = try kernel(c, weight)
        let w = try window(c, kernel: kernel, input: x.shape, extraPads: extra)
        var params = ["weight": (weight.shape, weight.floats!)]
        if try optionalConstant(c, 2, "bias") != nil {
            params["bias"] = ([weight.shape[0]], try self.weight(c, 2, "bias", shape: [weight.shape[0]]).floats!)
        }
        let shape = [weight.shape[0]] + (try outputSize(c, input: x.shape, kernel: kernel, w))
        return try emit(c, "conv2d", inputs: [x], shape: shape, attrs: ["stride": w.stride, "padding": w.padding, "dilation": w.dilation], params: params)
    }

    func transposedConvolution(_ c: NodeContext) throws(ModelFileError) -> Computed {
        let x = try computed(c, 0)
        guard x.shape.count == 3 else { throw fail(c, "the input has per-sample shape \(x.shape); ceiling supports 2-D [N, C, H, W] inputs only") }
        let weight = try self.weight(c, 1, "weight", rank: 4)
        try checkGroups(c)
        let kernel = try kernel(c, weight)
        guard !c.attributes.has("output_shape") else { throw fail(c, "output_shape is not supported; export with output_padding instead") }
        guard try c.attributes.string("auto_pad", default: "NOTSET") == "NOTSET" else { throw fail(c, "auto_pad is not supported for ConvTranspose; give explicit pads") }
        let stride = try pair(c, "strides", default: 1, minimum: 1), dilation = try pair(c, "dilations", default: 1, minimum: 1)
        let outputPadding = try pair(c, "output_padding", default: 0, minimum: 0)
        let pads = try c.attributes.ints("pads") ?? [0, 0, 0, 0]
        guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }), pads[0] == pads[2], pads[1] == pads[3] else {
            throw fail(c, "pads \(pads) are not symmetric non-negative pads ([top, left, bottom, right]); ceiling pads both sides of an axis equally")
        }
        let outChannels = weight.shape[1]
        var params = ["weight": (weight.shape, weight.floats!)]
        if try optionalConstant(c, 2, "bias") != nil {
            params["bias"] = ([outChannels], try self.weight(c, 2, "bias", shape: [outChannels]).floats!)
        }
        var shape = [outChannels]
        for axis in 0..<2 {
            guard let n = SizeArithmetic.transposed(input: x.shape[axis + 1], kernel: kernel[axis], stride: stride[axis], padding: pads[axis],
                                                   dilation: dilation[axis], extra: outputPadding[axis]), n >= 1 else {
                throw fail(c, "the output would be empty")
            }
            shape.append(n)
        }
        return try emit(c, "conv_transpose2d", inputs: [x], shape: shape,
                        attrs: ["stride": stride, "padding": [pads[0], pads[1]], "output_padding": outputPadding, "dilation": dilation], params: params)
    }

    /// MaxPool and AveragePool. ceil_mode is accepted where it gives the floor size (no window
    /// starts in the padding); a Pad before an average pool joins its padding when padding
    /// counts as zeros.
    func pool(_ c: NodeContext) throws(ModelFileError) -> Computed {
        let (x, extra) = try image(c)
        let isMax = c.op == "MaxPool"
        guard let kernel = try c.attributes.ints("kernel_shape"), kernel.count == 2, kernel.allSatisfy({ $0 >= 1 }) else {
            throw fail(c, "kernel_shape must be two positive integers")
        }
        let dilation = try pair(c, "dilations", default: 1, minimum: 1)
        guard dilation == [1, 1] else { throw fail(c, "dilated pools are not supported") }
        let countIncludePad = isMax ? false : try c.attributes.int("count_include_pad", default: 0) == 1
        if isMax { guard try c.attributes.int("storage_order", default: 0) == 0 else { throw fail(c, "storage_order 1 is not supported") } }
        if extra != [0, 0, 0, 0] && (isMax || !countIncludePad) {
            throw fail(c, "a Pad before \(isMax ? "a max pool" : "an average pool that does not count padding") differs from the pool's own padding; it is not supported")
        }
        let w = try window(c, kernel: kernel, input: x.shape, extraPads: extra, dilations: false)
        let size = try outputSize(c, input: x.shape, kernel: kernel, w)
        if try c.attributes.int("ceil_mode", default: 0) == 1 {
            for axis in 0..<2 {
                let room = x.shape[axis + 1] + 2 * w.pads[axis] - kernel[axis]
                let ceilSize = (room + w.stride[axis] - 1) / w.stride[axis] + 1
                // PyTorch and ONNX drop a last window that would start in the end padding.
                let kept = (ceilSize - 1) * w.stride[axis] >= x.shape[axis + 1] + w.pads[axis] ? ceilSize - 1 : ceilSize
                guard kept == size[axis] else {
                    throw fail(c, "ceil_mode 1 adds a partial window here (\(kept) instead of \(size[axis]) along axis \(axis + 2)); ceiling pools in floor mode only")
                }
            }
        }
        var attrs: [String: Any] = ["kernel": kernel, "stride": w.stride, "padding": w.padding]
        if !isMax { attrs["count_include_pad"] = countIncludePad }
        return try emit(c, isMax ? "max_pool2d" : "avg_pool2d", inputs: [x], shape: [x.shape[0]] + size, attrs: attrs)
    }

    /// GlobalAveragePool, and ReduceMean over the two spatial axes (torch's `x.mean((2, 3))`).
    func globalAverage(_ c: NodeContext) throws(ModelFileError) -> Computed {
        let x = try computed(c, 0)
        guard x.shape.count == 3 else { throw fail(c, "ceiling averages the spatial axes of [N, C, H, W] values only") }
        var keep = true
        if c.op == "ReduceMean" {
            let axes = try opset >= 18 ? integers(c, 1, "axes") : c.attributes.ints("axes")
            guard try c.attributes.int("noop_with_empty_axes", default: 0) == 0,
                  let axes, try Set(axes.map { axis throws(ModelFileError) in try normalize(c, axis, rank: 4) }) == [2, 3], axes.count == 2 else {
                throw fail(c, "ceiling takes the mean over the two spatial axes (2, 3) only")
            }
            keep = try c.attributes.int("keepdims", default: 1) == 1
        }
        let pooled = try emit(c, "adaptive_avg_pool2d", inputs: [x], shape: [x.shape[0], 1, 1], attrs: ["output_size": [1, 1]])
        return keep ? pooled : try emit(c, "flatten", inputs: [pooled], shape: [x.shape[0]], suffix: ".flatten")
    }
}
