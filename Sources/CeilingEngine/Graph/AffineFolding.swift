/// Operations whose output channels can absorb a per-channel affine map that follows them:
/// `scale[c] * op(x)[c] + shift[c]` is the same operation with rescaled weights and a new bias.
protocol AffineAbsorbing: NetworkOperation {
    var outputChannels: Int { get }
    func absorbing(scale: [Float], shift: [Float]) -> any NetworkOperation
}

/// Passes its input through: what remains of a batch norm once its preceding layer absorbed it.
struct Absorbed: LayoutKeeping {
    let kind: String
    func outputShape(for inputShapes: [[Int]]) throws(ShapeError) -> [Int] { try singleInput(inputShapes, kind) }
    func forward(_ inputs: [Tensor]) -> Tensor { inputs[0] }
    func vjp(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] { [cotangent] }
    func jvp(_ tangents: [Tensor], inputs: [Tensor], output: Tensor) -> Tensor { tangents[0] }
}

/// Folds every per-channel affine node (batch norm in eval mode) into the convolution or linear
/// layer before it, when that layer's value is read by the affine node alone. The graph keeps its
/// nodes and value indices; only the operations it runs change, so each folded pair costs one pass
/// over the activations instead of two, forward and backward. Values of absorbing layers then hold
/// the affine node's result: `foldedValues` lists them.
func foldAffineNodes(_ nodes: [Graph.Node], output: Int) -> (operations: [any NetworkOperation], foldedValues: Set<Int>) {
    var operations = nodes.map(\.operation)
    var readers = [Int](repeating: 0, count: nodes.count + 1)
    for node in nodes { for input in node.inputs { readers[input] += 1 } }
    var folded = Set<Int>()
    for (j, node) in nodes.enumerated() {
        guard let affine = node.operation as? ChannelAffine, affine.perChannel, node.inputs.count == 1 else { continue }
        let value = node.inputs[0]
        guard value > 0, value != output, readers[value] == 1,
              let layer = operations[value - 1] as? any AffineAbsorbing, layer.outputChannels == affine.scale.count else { continue }
        operations[value - 1] = layer.absorbing(scale: affine.scale, shift: affine.shift)
        operations[j] = Absorbed(kind: affine.kind)
        folded.insert(value)
    }
    return (operations, folded)
}

/// Scales rows of a weight array laid out as [outer, channels, inner] by channel, in Double.
func scaledWeights(_ weight: [Float], outer: Int, channels: Int, scale: [Float]) -> [Float] {
    let inner = weight.count / (outer * channels)
    var result = weight
    for o in 0..<outer {
        for c in 0..<channels {
            let base = (o * channels + c) * inner
            for k in 0..<inner { result[base + k] = Float(Double(weight[base + k]) * Double(scale[c])) }
        }
    }
    return result
}

/// scale * bias + shift per channel (bias 0 where there is none).
func absorbedBias(_ bias: [Float]?, scale: [Float], shift: [Float]) -> [Float] {
    scale.indices.map { c in Float(Double(scale[c]) * Double(bias?[c] ?? 0) + Double(shift[c])) }
}

extension Conv2d: AffineAbsorbing {
    var outputChannels: Int { outChannels }
    func absorbing(scale: [Float], shift: [Float]) -> any NetworkOperation {
        Conv2d(weight: scaledWeights(weight, outer: 1, channels: outChannels, scale: scale),
               bias: absorbedBias(bias, scale: scale, shift: shift), inChannels: inChannels, outChannels: outChannels,
               kernel: kernel, stride: stride, padding: padding, dilation: dilation)
    }
}

extension ConvTranspose2d: AffineAbsorbing {
    var outputChannels: Int { outChannels }
    func absorbing(scale: [Float], shift: [Float]) -> any NetworkOperation {
        ConvTranspose2d(weight: scaledWeights(weight, outer: inChannels, channels: outChannels, scale: scale),
                        bias: absorbedBias(bias, scale: scale, shift: shift), inChannels: inChannels, outChannels: outChannels,
                        kernel: kernel, stride: stride, padding: padding, outputPadding: outputPadding, dilation: dilation)
    }
}

extension Linear: AffineAbsorbing {
    var outputChannels: Int { outFeatures }
    func absorbing(scale: [Float], shift: [Float]) -> any NetworkOperation {
        Linear(weight: scaledWeights(weight, outer: 1, channels: outFeatures, scale: scale),
               bias: absorbedBias(bias, scale: scale, shift: shift), inFeatures: inFeatures, outFeatures: outFeatures)
    }
}
