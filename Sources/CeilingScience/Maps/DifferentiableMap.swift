import CeilingEngine

/// A batched differentiable map between tensors: a generator z -> x, a classifier x -> logits, or
/// their composition z -> logits. The attacks, the inversion and the modulus are written once
/// against this and work in any of the three spaces.
public protocol DifferentiableMap: Sendable {
    /// Per-sample input shape.
    var inputShape: [Int] { get }
    /// Per-sample output shape.
    var outputShape: [Int] { get }
    func callAsFunction(_ x: Tensor) -> Tensor
    /// The value at `x` with the means to take vector-Jacobian and Jacobian-vector products there.
    func linearize(_ x: Tensor) -> Linearization
}

/// A map's value at a batch of points, with its derivatives there. `vjp` and `jvp` accept R * N
/// directions for N points, copy-major (direction r * N + n belongs to point n).
public struct Linearization: Sendable {
    public let value: Tensor
    public let vjp: @Sendable (Tensor) -> Tensor
    public let jvp: @Sendable (Tensor) -> Tensor
}

extension DifferentiableMap {
    public var inputSize: Int { inputShape.reduce(1, *) }
    public var outputSize: Int { outputShape.reduce(1, *) }
}

/// A graph evaluated up to one of its values (a classifier's logits, a generator's output).
public struct GraphMap: DifferentiableMap {
    public let graph: Graph
    public let at: Int

    public init(_ graph: Graph, at: Int? = nil) {
        self.graph = graph
        self.at = at ?? graph.output
    }

    public var inputShape: [Int] { graph.inputShape }
    public var outputShape: [Int] { graph.shape(of: at) }

    public func callAsFunction(_ x: Tensor) -> Tensor { graph.evaluate(x, at: at) }

    public func linearize(_ x: Tensor) -> Linearization {
        let trace = graph.trace(x, until: at)
        let (graph, at) = (graph, at)
        return Linearization(value: trace.value(at),
                             vjp: { graph.vjp(trace, cotangent: $0, at: at) },
                             jvp: { graph.jvp(trace, tangent: $0, at: at) })
    }
}

/// `outer(inner(x))`, e.g. the classifier's logits as a function of the latent code.
public struct ComposedMap: DifferentiableMap {
    public let inner: any DifferentiableMap
    public let outer: any DifferentiableMap

    public init(_ outer: any DifferentiableMap, after inner: any DifferentiableMap) {
        precondition(inner.outputShape == outer.inputShape, "composition of mismatched shapes")
        self.inner = inner
        self.outer = outer
    }

    public var inputShape: [Int] { inner.inputShape }
    public var outputShape: [Int] { outer.outputShape }

    public func callAsFunction(_ x: Tensor) -> Tensor { outer(inner(x)) }

    public func linearize(_ x: Tensor) -> Linearization {
        let first = inner.linearize(x)
        let second = outer.linearize(first.value)
        return Linearization(value: second.value,
                             vjp: { first.vjp(second.vjp($0)) },
                             jvp: { second.jvp(first.jvp($0)) })
    }
}

extension Model {
    /// The classifier's logits (before any final softmax) or the generator's output, as a map.
    public var map: GraphMap { GraphMap(graph, at: role == .classifier ? logits : graph.output) }
}
