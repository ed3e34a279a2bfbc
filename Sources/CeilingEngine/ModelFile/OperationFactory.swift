/// Turns one node of a model file's graph into an operation, checking its attributes and the
/// shapes and values of its weights, so that the operation's own preconditions never fire on a
/// file's content.
struct OperationFactory {
    let store: WeightStore
    var path: String { store.path }

    init(tensors: SafeTensors, path: String) {
        store = WeightStore(tensors: tensors, path: path)
    }

    func make(_ node: GraphSpec.NodeSpec) throws(ModelFileError) -> any NetworkOperation {
        let attrs = Attributes(node.attrs, node: node.name, op: node.op, path: path)
        let params = NodeParameters(node, store: store)
        let operation = try make(node, attrs, params)
        try attrs.refuseUnread()
        try params.refuseUnread()
        return operation
    }

    private func make(_ node: GraphSpec.NodeSpec, _ attrs: Attributes, _ params: NodeParameters) throws(ModelFileError) -> any NetworkOperation {
        switch node.op {
        case "linear":
            let weight = try params.weight("weight", rank: 2)
            let (out, input) = (weight.shape[0], weight.shape[1])
            return Linear(weight: weight.values, bias: try params.bias(count: out), inFeatures: input, outFeatures: out)
        case "conv2d":
            let weight = try params.weight("weight", rank: 4)
            let s = weight.shape
            return Conv2d(weight: weight.values, bias: try params.bias(count: s[0]), inChannels: s[1], outChannels: s[0],
                          kernel: (s[2], s[3]), stride: try attrs.pair("stride", minimum: 1),
                          padding: try attrs.pair("padding", minimum: 0), dilation: try attrs.pair("dilation", minimum: 1, default: (1, 1)))
        case "conv_transpose2d":
            let weight = try params.weight("weight", rank: 4)
            let s = weight.shape
            return ConvTranspose2d(weight: weight.values, bias: try params.bias(count: s[1]), inChannels: s[0], outChannels: s[1],
                                   kernel: (s[2], s[3]), stride: try attrs.pair("stride", minimum: 1),
                                   padding: try attrs.pair("padding", minimum: 0),
                                   outputPadding: try attrs.pair("output_padding", minimum: 0, default: (0, 0)),
                                   dilation: try attrs.pair("dilation", minimum: 1, default: (1, 1)))
        case "batch_norm":
            return try batchNorm(node, attrs, params)
        case "relu": return Activation(.relu)
        case "leaky_relu": return Activation(.leakyReLU(slope: try attrs.float32("negative_slope", default: 0.01)))
        case "elu": return Activation(.elu(alpha: try attrs.float32("alpha", default: 1)))
        case "tanh": return Activation(.tanh)
        case "sigmoid": return Activation(.sigmoid)
        case "max_pool2d":
            let kernel = try attrs.pair("kernel", minimum: 1)
            return MaxPool2d(kernel: kernel, stride: try attrs.pair("stride", minimum: 1, default: kernel),
                             padding: try attrs.pair("padding", minimum: 0, default: (0, 0)))
        case "avg_pool2d":
            let kernel = try attrs.pair("kernel", minimum: 1)
            return AvgPool2d(kernel: kernel, stride: try attrs.pair("stride", minimum: 1, default: kernel),
                             padding: try attrs.pair("padding", minimum: 0, default: (0, 0)),
                             countIncludePad: try attrs.bool("count_include_pad", default: true))
        case "adaptive_avg_pool2d":
            guard try attrs.pair("output_size", minimum: 1, default: (1, 1)) == (1, 1) else {
                throw ModelFileError(path, "node '\(node.name)': adaptive_avg_pool2d supports output_size [1, 1] only")
            }
            return AvgPool2d.global()
        case "flatten": return Reshape.flatten()
        case "reshape":
            let shape = try attrs.integers("shape", in: 1...GraphLimits.valuesPerSample)
            guard !shape.isEmpty else { throw ModelFileError(path, "node '\(node.name)' (reshape): attribute 'shape' must not be empty") }
            return Reshape.reshape(shape)
        case "add": return Add()
        case "normalize":
            let mean = try attrs.float32s("mean"), std = try attrs.float32s("std")
            guard mean.count == std.count else {
                throw ModelFileError(path, "node '\(node.name)' (normalize): 'mean' has \(mean.count) values and 'std' \(std.count); they need one per channel")
            }
            if let c = std.indices.first(where: { !(std[$0] > 0) }) {
                throw ModelFileError(path, "node '\(node.name)' (normalize): std[\(c)] is \(std[c]) in Float32; every std must be positive")
            }
            return try ChannelAffine.normalize(mean: mean, std: std).finite(in: "node '\(node.name)' (normalize)", path: path)
        case "affine":
            return ChannelAffine(kind: "affine", scale: [try attrs.float32("scale")], shift: [try attrs.float32("shift")])
        case "resize_bilinear": return ResizeBilinear(size: try attrs.pair("size", minimum: 1))
        case "softmax": return Softmax(log: false)
        case "log_softmax": return Softmax(log: true)
        default:
            throw ModelFileError(path, "node '\(node.name)' uses unknown operation '\(node.op)'")
        }
    }

    private func batchNorm(_ node: GraphSpec.NodeSpec, _ attrs: Attributes, _ params: NodeParameters) throws(ModelFileError) -> ChannelAffine {
        let mean = try params.weight("running_mean", rank: 1)
        let channels = mean.shape[0]
        let variance = try params.weight("running_var", shape: [channels])
        if let negative = variance.values.firstIndex(where: { $0 < 0 }) {
            throw ModelFileError(path, "node '\(node.name)': running_var[\(negative)] is negative")
        }
        // eps enters the folded scale in Double (ChannelAffine.batchNorm); it is kept as written.
        let eps = try attrs.number("eps", default: 1e-5)
        guard eps >= 0, Float(eps).isFinite else {
            throw ModelFileError(path, "node '\(node.name)': eps must be a non-negative number within Float32's range, got \(eps)")
        }
        if let zero = variance.values.firstIndex(where: { Double($0) + eps == 0 }) {
            throw ModelFileError(path, "node '\(node.name)': running_var[\(zero)] + eps is 0, a division by zero")
        }
        let affine = ChannelAffine.batchNorm(mean: mean.values, variance: variance.values,
                                             weight: try params.optional("weight", shape: [channels])?.values,
                                             bias: try params.optional("bias", shape: [channels])?.values, eps: eps)
        return try affine.finite(in: "node '\(node.name)' (batch_norm)", path: path)
    }
}

extension ChannelAffine {
    /// Itself when every scale and shift is finite in Float32; constants derived from finite
    /// attributes can still overflow (a mean of 1e30 over a std of 1e-10).
    func finite(in context: String, path: String) throws(ModelFileError) -> ChannelAffine {
        if let c = scale.indices.first(where: { !scale[$0].isFinite || !shift[$0].isFinite }) {
            throw ModelFileError(path, "\(context): channel \(c) becomes \(scale[c]) * x + \(shift[c]), which is not finite in Float32")
        }
        return self
    }
}
