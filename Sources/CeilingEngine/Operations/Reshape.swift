/// `flatten` and `reshape`: the same values under a new per-sample shape.
public struct Reshape: LinearOperation {
    public let kind: String
    /// The per-sample target shape; nil flattens to one axis.
    public let target: [Int]?

    public static func flatten() -> Reshape { Reshape(kind: "flatten", target: nil) }
    public static func reshape(_ shape: [Int]) -> Reshape { Reshape(kind: "reshape", target: shape) }

    public func outputShape(for inputShapes: [[Int]]) throws(ShapeError) -> [Int] {
        let shape = try singleInput(inputShapes, kind)
        let size = shape.reduce(1, *)
        guard let target else { return [size] }
        guard target.allSatisfy({ $0 > 0 }), SizeArithmetic.product(target) == size else {
            throw ShapeError("cannot reshape [N, \(shape.map(String.init).joined(separator: ", "))] to [N, \(target.map(String.init).joined(separator: ", "))]")
        }
        return target
    }

    public func forward(_ inputs: [Tensor]) -> Tensor { linearPart(inputs[0]) }

    func linearPart(_ x: Tensor) -> Tensor {
        x.reshaped([x.batch] + (target ?? [x.sampleSize]))
    }

    public func vjp(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] {
        [cotangent.reshaped([cotangent.batch] + inputs[0].sampleShape)]
    }
}

/// Elementwise sum of two inputs of one shape (residual connections).
public struct Add: LayoutKeeping {
    public let kind = "add"
    public init() {}

    public func outputShape(for inputShapes: [[Int]]) throws(ShapeError) -> [Int] {
        guard inputShapes.count == 2 else { throw ShapeError("add takes two inputs, got \(inputShapes.count)") }
        guard inputShapes[0] == inputShapes[1] else {
            throw ShapeError("add needs equal shapes, got [N, \(inputShapes[0].map(String.init).joined(separator: ", "))] and [N, \(inputShapes[1].map(String.init).joined(separator: ", "))]")
        }
        return inputShapes[0]
    }

    public func forward(_ inputs: [Tensor]) -> Tensor { elementwiseSum(inputs[0], inputs[1]) }

    public func vjp(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] { [cotangent, cotangent] }

    public func jvp(_ tangents: [Tensor], inputs: [Tensor], output: Tensor) -> Tensor { elementwiseSum(tangents[0], tangents[1]) }
}
