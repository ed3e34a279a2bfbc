import Foundation
import Testing
@testable import CeilingEngine

/// Inside a graph pass convolution outputs stay in oneDNN's layouts; outside one, everything is NCHW.
@Suite("Tensor layouts")
struct TensorLayoutTests {
    /// Every layout reorders into every other and back to the same values.
    @Test func roundTrips() {
        for channels in [3, 32] {
            let x = randomTensor([5, channels, 4, 7], seed: 1)
            for a in TensorLayout.candidates(channels: channels) {
                for b in TensorLayout.candidates(channels: channels) {
                    let there = x.inLayout(a).inLayout(b)
                    #expect(there.layout == b && there.plain == x, "\(channels) channels, \(a) -> \(b)")
                }
            }
        }
    }

    /// A ResNet pass holds values in channels-last and blocked layouts (so the comparisons with
    /// PyTorch cover them), hands every value out in NCHW, and its operations called on their
    /// own return NCHW.
    @Test func resNetPassKeepsLayoutsInsideOnly() throws {
        let model = try Model.load(fixturesDirectory.appendingPathComponent("cifar_resnet18.bin").path)
        let x = try NPY.read(fixturesDirectory.appendingPathComponent("cifar_resnet18.input.npy").path)
        let trace = model.graph.trace(x)
        let layouts = Set(trace.values.map(\.layout))
        #expect(layouts.contains(.nhwc) && layouts.contains(.blocked16), "layouts in the pass: \(layouts)")
        for index in trace.values.indices { #expect(trace.value(index).layout == .nchw) }
        let output = model.graph.output
        #expect(model.graph.evaluate(x).layout == .nchw)
        #expect(model.graph.vjp(trace, cotangent: randomTensor(trace.value(output).shape, seed: 2)).layout == .nchw)
        #expect(model.graph.jvp(trace, tangent: randomTensor(x.shape, seed: 3)).layout == .nchw)
        for (index, node) in model.graph.nodes.enumerated() where node.operation is Conv2d {
            let input = trace.value(node.inputs[0])
            let y = node.operation.forward([input])
            #expect(y.layout == .nchw)
            #expect(node.operation.vjp(y, inputs: [input], output: y)[0].layout == .nchw, "node \(index + 1)")
            #expect(node.operation.jvp([input], inputs: [input], output: y).layout == .nchw)
        }
    }
}
