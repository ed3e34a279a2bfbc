import CeilingEngine
import Foundation

/// Which native operation each ONNX operator on computed values becomes.
extension GraphTranslation {
    /// The operators ceiling imports, for messages and documentation (constant folding adds
    /// Constant, Shape, Gather, Concat, Slice, ConstantOfShape and arithmetic on constants).
    static let supported = ["Add", "AveragePool", "BatchNormalization", "Cast", "Conv", "ConvTranspose", "Div", "Dropout", "Elu",
                            "Flatten", "Gemm", "GlobalAveragePool", "Identity", "LeakyRelu", "LogSoftmax", "MatMul", "MaxPool", "Mul",
                            "Pad", "ReduceMean", "Relu", "Reshape", "Sigmoid", "Softmax", "Squeeze", "Sub", "Tanh", "Unsqueeze"]

    func translateOperator(_ c: NodeContext) throws(ModelFileError) -> [ImportedValue] {
        switch c.op {
        case "Conv": return [.computed(try convolution(c))]
        case "ConvTranspose": return [.computed(try transposedConvolution(c))]
        case "MaxPool", "AveragePool": return [.computed(try pool(c))]
        case "GlobalAveragePool", "ReduceMean": return [.computed(try globalAverage(c))]
        case "BatchNormalization": return [.computed(try batchNorm(c))]
        case "Gemm": return [.computed(try gemm(c))]
        case "MatMul": return [.computed(try matMul(c))]
        case "Add", "Sub", "Mul", "Div": return [.computed(try arithmetic(c))]
        case "Relu", "Tanh", "Sigmoid":
            let x = try computed(c, 0)
            return [.computed(try emit(c, c.op.lowercased(), inputs: [x], shape: x.shape))]
        case "LeakyRelu":
            let x = try computed(c, 0)
            let slope = try c.attributes.float("alpha", default: 0.01)
            return [.computed(try emit(c, "leaky_relu", inputs: [x], shape: x.shape, attrs: ["negative_slope": Double(slope)]))]
        case "Elu":
            let x = try computed(c, 0)
            return [.computed(try emit(c, "elu", inputs: [x], shape: x.shape, attrs: ["alpha": Double(try c.attributes.float("alpha", default: 1))]))]
        case "Softmax", "LogSoftmax":
            let x = try computed(c, 0)
            let axis = try c.attributes.int("axis", default: opset >= 13 ? -1 : 1)
            guard x.shape.count == 1, axis == 1 || axis == -1 else {
                throw fail(c, "ceiling takes \(c.op) over the class axis of [N, classes] logits only")
            }
            return [.computed(try emit(c, c.op == "Softmax" ? "softmax" : "log_softmax", inputs: [x], shape: x.shape))]
        case "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Cast", "Pad":
            return try translateShapeOperator(c)
        default:
            throw fail(c, "operator '\(c.op)' is not supported (ceiling imports \(Self.supported.joined(separator: ", ")), and folds constant subgraphs)")
        }
    }

    /// BatchNormalization at inference, with its running statistics; the batch statistics it
    /// can also output are training-only.
    private func batchNorm(_ c: NodeContext) throws(ModelFileError) -> Computed {
        let x = try computed(c, 0)
        guard (1...3).contains(x.shape.count) else { throw fail(c, "ceiling normalises [N, C], [N, C, L] or [N, C, H, W] values only") }
        let channels = [x.shape[0]]
        let a = c.attributes
        _ = try a.float("momentum", default: 0.9)
        guard try a.int("training_mode", default: 0) == 0 else { throw fail(c, "training_mode is on; export the model in eval mode") }
        guard try a.int("spatial", default: 1) == 1 else { throw fail(c, "spatial 0 is not supported") }
        let eps = try a.float("epsilon", default: 1e-5)
        var params = [String: (shape: [Int], values: [Float])]()
        for (i, slot) in [(1, "weight"), (2, "bias"), (3, "running_mean"), (4, "running_var")] {
            params[slot] = (channels, try weight(c, i, slot.replacingOccurrences(of: "_", with: " "), shape: channels).floats!)
        }
        return try emit(c, "batch_norm", inputs: [x], shape: x.shape, attrs: ["eps": Double(eps)], params: params)
    }
}
