import CeilingEngine
import Foundation

/// Hands a reference network's weights to the PyTorch side, so that both time the same network
/// with the same values (random He-scaled weights can differ in speed only through denormals,
/// but identical weights also let the two outputs be compared).
///
/// Parameters are written in graph order as `NNN.weight`, `NNN.bias` (convolutions, linear
/// layers) and `NNN.scale`, `NNN.shift` (folded batch norms); the PyTorch module's Conv, Linear
/// and BatchNorm modules come in the same order, and a batch norm takes scale and shift as its
/// weight and bias with mean 0 and variance 1 - eps.
enum BenchWeights {
    static func write(_ graph: Graph, to path: String) throws {
        var tensors = [(name: String, shape: [Int], values: [Float])]()
        var index = 0
        func add(_ suffix: String, _ shape: [Int], _ values: [Float]) {
            tensors.append((String(format: "%03d.", index) + suffix, shape, values))
        }
        for node in graph.nodes {
            switch node.operation {
            case let conv as Conv2d:
                add("weight", [conv.outChannels, conv.inChannels, conv.kernel.0, conv.kernel.1], conv.weight)
                if let bias = conv.bias { add("bias", [bias.count], bias) }
            case let conv as ConvTranspose2d:
                add("weight", [conv.inChannels, conv.outChannels, conv.kernel.0, conv.kernel.1], conv.weight)
                if let bias = conv.bias { add("bias", [bias.count], bias) }
            case let linear as Linear:
                add("weight", [linear.outFeatures, linear.inFeatures], linear.weight)
                if let bias = linear.bias { add("bias", [bias.count], bias) }
            case let affine as ChannelAffine where affine.kind == "batch_norm":
                add("scale", [affine.scale.count], affine.scale)
                add("shift", [affine.shift.count], affine.shift)
            default:
                continue
            }
            index += 1
        }
        try SafeTensors.encode(tensors: tensors, metadata: [:]).write(to: URL(fileURLWithPath: path))
    }
}
