import CeilingEngine
import Synchronization

/// Counts the samples a graph is run on, forward and backward, so that the bench can state how
/// much work an attack or the modulus ascent did (their pass counts depend on the data) and turn
/// it into FLOPs, without any hook in the science code.
final class PassCounter: Sendable {
    /// Samples through a forward pass (plain evaluation or a linearisation).
    let forwardSamples = Atomic<Int>(0)
    /// Cotangent samples pulled back (a batch of K cotangents for N samples counts K * N).
    let cotangentSamples = Atomic<Int>(0)
    /// Backward passes.
    let backwardPasses = Atomic<Int>(0)

    func reset() {
        forwardSamples.store(0, ordering: .relaxed)
        cotangentSamples.store(0, ordering: .relaxed)
        backwardPasses.store(0, ordering: .relaxed)
    }

    var snapshot: (forward: Int, cotangents: Int, backward: Int) {
        (forwardSamples.load(ordering: .relaxed), cotangentSamples.load(ordering: .relaxed), backwardPasses.load(ordering: .relaxed))
    }
}

/// The identity, placed in front of a graph's first node, reporting every batch to a counter.
struct CountingIdentity: NetworkOperation {
    let kind = "identity"
    let counter: PassCounter

    func outputShape(for inputShapes: [[Int]]) throws(ShapeError) -> [Int] { inputShapes[0] }

    func forward(_ inputs: [Tensor]) -> Tensor {
        counter.forwardSamples.add(inputs[0].batch, ordering: .relaxed)
        return inputs[0]
    }

    func vjp(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] {
        counter.cotangentSamples.add(cotangent.batch, ordering: .relaxed)
        counter.backwardPasses.add(1, ordering: .relaxed)
        return [cotangent]
    }

    func jvp(_ tangents: [Tensor], inputs: [Tensor], output: Tensor) -> Tensor { tangents[0] }
}

extension Graph {
    /// The same graph behind a counting identity; value `v` of `self` is value `v + 1` of the result.
    func counted(by counter: PassCounter) -> Graph {
        var nodes: [(name: String, operation: any NetworkOperation, inputs: [Int])] = [("bench.count", CountingIdentity(counter: counter), [0])]
        for node in self.nodes {
            nodes.append((node.name, node.operation, node.inputs.map { $0 + 1 }))
        }
        return try! Graph(inputShape: inputShape, nodes: nodes, output: output + 1)
    }
}
