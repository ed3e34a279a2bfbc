import Testing
@testable import CeilingEngine

/// Batch norm folded into the layer before it: the graph must give the values, gradients and
/// tangents of the layers run one after the other, at its output and at the folded layer itself.
@Suite("Batch norm folding")
struct AffineFoldingTests {
    static let norm = ChannelAffine.batchNorm(mean: [0.3, -0.2, 0.1], variance: [0.5, 2.0, 1.5],
                                              weight: [1.5, -0.7, 0.9], bias: [0.2, 0.0, -0.4], eps: 1e-5)

    /// Each foldable layer, with the input shape it takes.
    static let layers: [(name: String, layer: any NetworkOperation, input: [Int])] = [
        ("conv2d", Conv2d(weight: randomValues(3 * 2 * 9, seed: 1), bias: randomValues(3, seed: 2), inChannels: 2, outChannels: 3,
                          kernel: (3, 3), stride: (1, 1), padding: (1, 1), dilation: (1, 1)), [2, 6, 5]),
        ("conv_transpose2d", ConvTranspose2d(weight: randomValues(2 * 3 * 16, seed: 3), bias: nil, inChannels: 2, outChannels: 3,
                                             kernel: (4, 4), stride: (2, 2), padding: (1, 1), outputPadding: (0, 0), dilation: (1, 1)), [2, 3, 4]),
        ("linear", Linear(weight: randomValues(3 * 5, seed: 4), bias: randomValues(3, seed: 5), inFeatures: 5, outFeatures: 3), [5]),
    ]

    static func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.data, b.data).map { abs($0 - $1) }.max() ?? 0
    }

    @Test(arguments: 0..<3)
    func foldedGraphMatchesTheLayersInTurn(_ which: Int) throws {
        let (_, layer, input) = Self.layers[which]
        var b = GraphBuilder(inputShape: input)
        let layerValue = b.add("layer", layer)
        b.add("norm", Self.norm)
        b.add("relu", Activation(.relu))
        let graph = try b.build()
        let x = randomTensor([4] + input, seed: 6)

        let y = layer.forward([x]), z = Self.norm.forward([y]), out = Activation(.relu).forward([z])
        #expect(Self.maxDifference(graph.evaluate(x), out) < 1e-5)
        // The layer's own value is the layer alone, without the folded batch norm.
        #expect(Self.maxDifference(graph.evaluate(x, at: layerValue), y) < 1e-6)

        // Two cotangents per sample: the gradient through the whole chain, and through the layer.
        let u = randomTensor([8] + graph.shape(of: graph.output), seed: 7)
        let trace = graph.trace(x)
        let masked = Activation(.relu).vjp(u, inputs: [z], output: out)[0]
        let chain = layer.vjp(Self.norm.vjp(masked, inputs: [y], output: z)[0], inputs: [x], output: y)[0]
        #expect(Self.maxDifference(graph.vjp(trace, cotangent: u), chain) < 1e-5)
        let v = randomTensor([8] + graph.shape(of: layerValue), seed: 8)
        let layerTrace = graph.trace(x, until: layerValue)
        #expect(Self.maxDifference(graph.vjp(layerTrace, cotangent: v, at: layerValue), layer.vjp(v, inputs: [x], output: y)[0]) < 1e-5)

        let t = randomTensor([8] + input, seed: 9)
        let tangent = Activation(.relu).jvp([Self.norm.jvp([layer.jvp([t], inputs: [x], output: y)], inputs: [y], output: z)], inputs: [z], output: out)
        #expect(Self.maxDifference(graph.jvp(trace, tangent: t), tangent) < 1e-5)
    }

    @Test func layerReadTwiceIsNotFolded() throws {
        // The convolution's value also feeds an add, so it must keep its own value.
        let (_, layer, input) = Self.layers[0]
        var b = GraphBuilder(inputShape: input)
        let conv = b.add("layer", layer)
        let norm = b.add("norm", Self.norm)
        b.add("sum", Add(), inputs: [conv, norm])
        let graph = try b.build()
        let x = randomTensor([2] + input, seed: 10)
        let y = layer.forward([x])
        let expected = Add().forward([y, Self.norm.forward([y])])
        #expect(Self.maxDifference(graph.evaluate(x), expected) < 1e-5)
    }
}
