/// One operation of a network graph: a forward map with its vector-Jacobian and
/// Jacobian-vector products with respect to its inputs.
///
/// Batches of cotangents and tangents: `vjp` and `jvp` accept a batch of R * N directions for a
/// forward batch of N, copy-major (direction `r * N + n` belongs to sample `n`). One backward pass
/// then gives, say, the gradients of all K class logits at once.
public protocol NetworkOperation: Sendable {
    /// The operation's name in the model file (`conv2d`, `relu`, ...).
    var kind: String { get }
    /// Number of trainable values it holds.
    var parameterCount: Int { get }
    /// The per-sample output shape for per-sample input shapes (batch axis left out).
    func outputShape(for inputShapes: [[Int]]) throws(ShapeError) -> [Int]
    func forward(_ inputs: [Tensor]) -> Tensor
    /// Cotangents of the inputs given the cotangent of the output.
    func vjp(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor]
    /// Tangent of the output given the tangents of the inputs.
    func jvp(_ tangents: [Tensor], inputs: [Tensor], output: Tensor) -> Tensor
}

extension NetworkOperation {
    public var parameterCount: Int { 0 }
}

/// A shape that an operation cannot accept; the graph loader adds the node's name.
public struct ShapeError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Operations whose output is a linear function of one input: the JVP is the map itself with
/// the constant part dropped.
protocol LinearOperation: NetworkOperation {
    func linearPart(_ input: Tensor) -> Tensor
}

extension LinearOperation {
    public func jvp(_ tangents: [Tensor], inputs: [Tensor], output: Tensor) -> Tensor {
        linearPart(tangents[0])
    }
}

/// Requires exactly one input of the given rank (batch axis excluded); returns its shape.
func singleInput(_ shapes: [[Int]], rank: Int? = nil, _ kind: String) throws(ShapeError) -> [Int] {
    guard shapes.count == 1 else { throw ShapeError("\(kind) takes one input, got \(shapes.count)") }
    if let rank, shapes[0].count != rank {
        throw ShapeError("\(kind) expects an input of rank \(rank + 1) with the batch axis, got [N, \(shapes[0].map(String.init).joined(separator: ", "))]")
    }
    return shapes[0]
}
