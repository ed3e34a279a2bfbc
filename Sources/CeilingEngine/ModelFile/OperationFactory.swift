/// Turns one node of a model file's graph into an operation, checking its attributes and the
/// shapes and values of its weights.
struct OperationFactory {
    let tensors: SafeTensors
    let path: String

    func make(_ node: GraphSpec.NodeSpec) throws(ModelFileError) -> any NetworkOperation {
        let attrs = Attributes(values: node.attrs ?? [:], node: node.name, path: path)
        switch node.op {
        case "linear":
            let weight = try param(node, "weight", rank: 2)
            let (out, input) = (weight.shape[0], weight.shape[1])
            return Linear(weight: weight.values, bias: try bias(node, count: out), inFeatures: input, outFeatures: out)
        case "conv2d":
            let weight = try param(node, "weight", rank: 4)
            let s = weight.shape
            return Conv2d(weight: weight.values, bias: try bias(node, count: s[0]), inChannels: s[1], outChannels: s[0],
                          kernel: (s[2], s[3]), stride: try attrs.pair("stride", minimum: 1),
                          padding: try attrs.pair("padding", minimum: 0), dilation: try attrs.pair("dilation", minimum: 1, default: (1, 1)))
        case "conv_transpose2d":
            let weight = try param(node, "weight", rank: 4)
            let s = weight.shape
            return ConvTranspose2d(weight: weight.values, bias: try bias(node, count: s[1]), inChannels: s[0], outChannels: s[1],
                                   kernel: (s[2], s[3]), stride: try attrs.pair("stride", minimum: 1),
                                   padding: try attrs.pair("padding", minimum: 0),
                                   outputPadding: try attrs.pair("output_padding", minimum: 0, default: (0, 0)),
                                   dilation: try attrs.pair("dilation", minimum: 1, default: (1, 1)))
        case "batch_norm":
            let mean = try param(node, "running_mean", rank: 1)
            let channels = mean.shape[0]
            let variance = try param(node, "running_var", shape: [channels])
            if let negative = variance.values.firstIndex(where: { $0 < 0 }) {
                throw ModelFileError(path, "node '\(node.name)': running_var[\(negative)] is negative")
            }
            let eps = try attrs.number("eps", default: 1e-5)
            guard eps >= 0 else { throw ModelFileError(path, "node '\(node.name)': eps must not be negative") }
            return ChannelAffine.batchNorm(mean: mean.values, variance: variance.values,
                                           weight: try optionalParam(node, "weight", shape: [channels])?.values,
                                           bias: try optionalParam(node, "bias", shape: [channels])?.values, eps: eps)
        case "relu": return Activation(.relu)
        case "leaky_relu": return Activation(.leakyReLU(slope: Float(try attrs.number("negative_slope", default: 0.01))))
        case "elu": return Activation(.elu(alpha: Float(try attrs.number("alpha", default: 1))))
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
        case "reshape": return Reshape.reshape(try attrs.integers("shape"))
        case "add": return Add()
        case "normalize":
            let mean = try attrs.numbers("mean"), std = try attrs.numbers("std")
            guard mean.count == std.count, std.allSatisfy({ $0 > 0 }) else {
                throw ModelFileError(path, "node '\(node.name)': normalize needs mean and std of one length, std positive")
            }
            return ChannelAffine.normalize(mean: mean.map(Float.init), std: std.map(Float.init))
        case "affine":
            return ChannelAffine(kind: "affine", scale: [Float(try attrs.number("scale"))], shift: [Float(try attrs.number("shift"))])
        case "resize_bilinear": return ResizeBilinear(size: try attrs.pair("size", minimum: 1))
        case "softmax": return Softmax(log: false)
        case "log_softmax": return Softmax(log: true)
        default:
            throw ModelFileError(path, "node '\(node.name)' uses unknown operation '\(node.op)'")
        }
    }

    struct Weight {
        let shape: [Int]
        let values: [Float]
    }

    /// Reads parameter `slot` of `node`, checking that it exists, has the expected rank or shape
    /// and holds only finite values.
    func param(_ node: GraphSpec.NodeSpec, _ slot: String, rank: Int? = nil, shape: [Int]? = nil) throws(ModelFileError) -> Weight {
        guard let name = node.params?[slot] else {
            throw ModelFileError(path, "node '\(node.name)' (\(node.op)) has no '\(slot)' parameter")
        }
        guard let entry = tensors.entries[name] else {
            throw ModelFileError(path, "node '\(node.name)' refers to tensor '\(name)', which the file does not contain")
        }
        if let rank, entry.shape.count != rank {
            throw ModelFileError(path, "tensor '\(name)' of node '\(node.name)' has shape \(describe(shape: entry.shape)); \(node.op) needs a \(rank)-dimensional \(slot)")
        }
        if let shape, entry.shape != shape {
            throw ModelFileError(path, "tensor '\(name)' of node '\(node.name)' has shape \(describe(shape: entry.shape)), expected \(describe(shape: shape))")
        }
        let values = try tensors.floats(name)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw ModelFileError(path, "tensor '\(name)' holds a non-finite value (\(values[bad])) at element \(bad)")
        }
        return Weight(shape: entry.shape, values: values)
    }

    func optionalParam(_ node: GraphSpec.NodeSpec, _ slot: String, shape: [Int]) throws(ModelFileError) -> Weight? {
        node.params?[slot] == nil ? nil : try param(node, slot, shape: shape)
    }

    func bias(_ node: GraphSpec.NodeSpec, count: Int) throws(ModelFileError) -> [Float]? {
        try optionalParam(node, "bias", shape: [count])?.values
    }
}

/// Typed access to a node's attributes, with errors that name the node and the attribute.
struct Attributes {
    let values: [String: JSONValue]
    let node: String
    let path: String

    private func fail(_ name: String, _ expected: String) -> ModelFileError {
        ModelFileError(path, "node '\(node)': attribute '\(name)' must be \(expected)" + (values[name].map { ", got \($0)" } ?? ", and is missing"))
    }

    func number(_ name: String, default fallback: Double? = nil) throws(ModelFileError) -> Double {
        switch values[name] {
        case .number(let d)? where d.isFinite: return d
        case nil where fallback != nil: return fallback!
        default: throw fail(name, "a finite number")
        }
    }

    func bool(_ name: String, default fallback: Bool) throws(ModelFileError) -> Bool {
        switch values[name] {
        case .bool(let b)?: return b
        case nil: return fallback
        default: throw fail(name, "true or false")
        }
    }

    func numbers(_ name: String) throws(ModelFileError) -> [Double] {
        guard case .array(let items)? = values[name] else { throw fail(name, "a list of numbers") }
        var result = [Double]()
        for item in items {
            guard case .number(let d) = item, d.isFinite else { throw fail(name, "a list of numbers") }
            result.append(d)
        }
        return result
    }

    func integers(_ name: String) throws(ModelFileError) -> [Int] {
        let list = try numbers(name)
        guard list.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e9 }) else { throw fail(name, "a list of integers") }
        return list.map { Int($0) }
    }

    /// A pair such as `[2, 2]`, or one integer for both axes.
    func pair(_ name: String, minimum: Int, default fallback: (Int, Int)? = nil) throws(ModelFileError) -> (Int, Int) {
        let list: [Int]
        switch values[name] {
        case nil:
            guard let fallback else { throw fail(name, "a pair of integers") }
            return fallback
        case .number?: list = [Int(try number(name))]
        default: list = try integers(name)
        }
        guard (list.count == 1 || list.count == 2), list.allSatisfy({ $0 >= minimum }) else {
            throw fail(name, "a pair of integers of at least \(minimum)")
        }
        return (list[0], list[list.count - 1])
    }
}
