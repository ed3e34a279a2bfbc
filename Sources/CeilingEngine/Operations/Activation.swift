import Foundation

/// Elementwise nonlinearities. Their derivatives are read from the forward input and output of
/// sample `i % N`, which is what lets one backward pass carry R * N cotangents.
public struct Activation: LayoutKeeping {
    public enum Function: Sendable, Equatable {
        case relu, leakyReLU(slope: Float), elu(alpha: Float), tanh, sigmoid
    }

    public let function: Function
    public init(_ function: Function) { self.function = function }

    public var kind: String {
        switch function {
        case .relu: "relu"
        case .leakyReLU: "leaky_relu"
        case .elu: "elu"
        case .tanh: "tanh"
        case .sigmoid: "sigmoid"
        }
    }

    public func outputShape(for inputShapes: [[Int]]) throws(ShapeError) -> [Int] {
        try singleInput(inputShapes, kind)
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let function = function
        return Tensor(shape: x.shape, layout: x.layout) { out in
            nonisolated(unsafe) let out = out
            x.data.withUnsafeBufferPointer { xs in
                forEachChunk(xs.count) { range in
                    switch function {
                    case .relu:
                        mapElements(range.count, into: out.baseAddress! + range.lowerBound, xs.baseAddress! + range.lowerBound) { x in
                            x.replacing(with: 0, where: x .< 0)
                        }
                    case .leakyReLU(let slope):
                        mapElements(range.count, into: out.baseAddress! + range.lowerBound, xs.baseAddress! + range.lowerBound) { x in
                            x.replacing(with: slope * x, where: .!(x .> 0))
                        }
                    case .elu(let alpha): for i in range { out[i] = xs[i] > 0 ? xs[i] : alpha * Float(expm1(Double(xs[i]))) }
                    case .tanh:
                        mapElements(range.count, into: out.baseAddress! + range.lowerBound, xs.baseAddress! + range.lowerBound) { x in
                            VectorMath.tanh(x)
                        }
                    case .sigmoid: for i in range { out[i] = Activation.sigmoid(xs[i]) }
                    }
                }
            }
        }
    }

    static func sigmoid(_ x: Float) -> Float {
        x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
    }

    /// Multiplies `direction` (R * N samples) by the elementwise derivative at the forward point.
    /// The choice of function is made once per chunk, not per value, so the loops vectorise.
    /// Inside a graph pass the three may come in different layouts; the result is in the layout
    /// of the forward value the derivative reads (the input, or for tanh and sigmoid the output),
    /// and the value it does not read stands in for it.
    private func scaleByDerivative(_ direction: Tensor, input: Tensor, output: Tensor) -> Tensor {
        let (input, output) = switch function {
        case .relu, .leakyReLU: (input, input)
        case .tanh, .sigmoid: (output, output)
        case .elu: (input, output.inLayout(input.layout))
        }
        let layout = input.layout
        let direction = direction.inLayout(layout)
        let forwardCount = input.count
        let function = function
        return Tensor(shape: direction.shape, layout: layout) { out in
            nonisolated(unsafe) let out = out
            direction.data.withUnsafeBufferPointer { d in
                input.data.withUnsafeBufferPointer { x in
                    output.data.withUnsafeBufferPointer { y in
                        forEachChunk(d.count) { range in
                            // Split the chunk where it wraps to the next copy of the forward batch.
                            var start = range.lowerBound
                            while start < range.upperBound {
                                let j0 = start % forwardCount
                                let count = min(range.upperBound - start, forwardCount - j0)
                                let o = out.baseAddress! + start, g = d.baseAddress! + start
                                let xj = x.baseAddress! + j0, yj = y.baseAddress! + j0
                                switch function {
                                case .relu:
                                    mapElements(count, into: o, g, xj, yj) { g, x, _ in g.replacing(with: 0, where: .!(x .> 0)) }
                                case .leakyReLU(let slope):
                                    mapElements(count, into: o, g, xj, yj) { g, x, _ in g.replacing(with: slope * g, where: .!(x .> 0)) }
                                case .elu(let alpha):
                                    mapElements(count, into: o, g, xj, yj) { g, x, y in (g * (y + alpha)).replacing(with: g, where: x .> 0) }
                                case .tanh:
                                    mapElements(count, into: o, g, xj, yj) { g, _, y in g * (1 - y * y) }
                                case .sigmoid:
                                    mapElements(count, into: o, g, xj, yj) { g, _, y in g * y * (1 - y) }
                                }
                                start += count
                            }
                        }
                    }
                }
            }
        }
    }

    public func vjp(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] {
        [scaleByDerivative(cotangent, input: inputs[0], output: output)]
    }

    public func jvp(_ tangents: [Tensor], inputs: [Tensor], output: Tensor) -> Tensor {
        scaleByDerivative(tangents[0], input: inputs[0], output: output)
    }
}
