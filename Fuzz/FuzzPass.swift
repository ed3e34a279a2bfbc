import Foundation

// The passes both fuzz targets run on a model that loaded (compiled with either by
// scripts/fuzz.sh): forward, backward and along a tangent on a batch of two, so that a shape
// the loader accepted but an operation cannot handle shows up as a crash.

/// Work and memory a pass may take for the fuzzer to run it: far below the engine's limits,
/// so that each input takes milliseconds.
private let maxTraceValues = 1 << 16
private let maxMultiplyAdds = 1 << 22

/// Runs a small enough model forward, backward and along a tangent.
func runPasses(_ model: Model) {
    let graph = model.graph
    guard graph.traceValuesPerSample <= maxTraceValues, estimatedWork(graph) <= maxMultiplyAdds else { return }
    let batch = 2
    let input = patterned([batch] + graph.inputShape, seed: 1)
    let trace = graph.trace(input)
    let output = trace.value(graph.output)
    _ = graph.vjp(trace, cotangent: patterned(output.shape, seed: 2))
    _ = graph.jvp(trace, tangent: patterned(input.shape, seed: 3))
}

/// Multiply-adds of one sample's forward pass, roughly: what a node's output costs per value
/// times its values.
private func estimatedWork(_ graph: Graph) -> Int {
    var total = 0
    for node in graph.nodes {
        let outputs = node.shape.reduce(1, *)
        let perValue: Int
        switch node.operation {
        case let conv as Conv2d: perValue = conv.inChannels * conv.kernel.0 * conv.kernel.1
        case let conv as ConvTranspose2d: perValue = conv.inChannels * conv.kernel.0 * conv.kernel.1
        case let linear as Linear: perValue = linear.inFeatures
        case let pool as MaxPool2d: perValue = pool.pool.kernel.0 * pool.pool.kernel.1
        case let pool as AvgPool2d: perValue = pool.pool.map { $0.kernel.0 * $0.kernel.1 } ?? graph.shape(of: node.inputs[0]).reduce(1, *)
        default: perValue = 4
        }
        total += outputs * perValue
        if total > maxMultiplyAdds { return total }
    }
    return total
}

/// A deterministic tensor with values in [-1, 1].
private func patterned(_ shape: [Int], seed: Int) -> Tensor {
    let count = shape.reduce(1, *)
    return Tensor(shape: shape, data: (0..<count).map { Float(($0 * 37 + seed * 11) % 101) / 50 - 1 })
}
