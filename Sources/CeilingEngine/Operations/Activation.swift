import Foundation

/// Elementwise nonlinearities. Their derivatives are read from the forward input and output of
/// sample `i % N`, which is what lets one backward pass carry R * N cotangents.
public struct Activation: NetworkOperation {
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
        return Tensor(shape: x.shape) { out in
            x.data.withUnsafeBufferPointer { xs in
                switch function {
                case .relu: for i in 0..<xs.count { out[i] = max(xs[i], 0) }
                case .leakyReLU(let slope): for i in 0..<xs.count { out[i] = xs[i] > 0 ? xs[i] : slope * xs[i] }
                case .elu(let alpha): for i in 0..<xs.count { out[i] = xs[i] > 0 ? xs[i] : alpha * Float(expm1(Double(xs[i]))) }
                case .tanh: for i in 0..<xs.count { out[i] = Foundation.tanh(xs[i]) }
                case .sigmoid: for i in 0..<xs.count { out[i] = Activation.sigmoid(xs[i]) }
                }
            }
        }
    }

    static func sigmoid(_ x: Float) -> Float {
        x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
    }

    /// Multiplies `direction` (R * N samples) by the elementwise derivative at the forward point.
    private func scaleByDerivative(_ direction: Tensor, input: Tensor, output: Tensor) -> Tensor {
        let forwardCount = input.count
        return Tensor(shape: direction.shape) { out in
            direction.data.withUnsafeBufferPointer { d in
                input.data.withUnsafeBufferPointer { x in
                    output.data.withUnsafeBufferPointer { y in
                        var j = 0
                        for i in 0..<d.count {
                            let g = d[i]
                            switch function {
                            case .relu: out[i] = x[j] > 0 ? g : 0
                            case .leakyReLU(let slope): out[i] = x[j] > 0 ? g : slope * g
                            case .elu(let alpha): out[i] = x[j] > 0 ? g : g * (y[j] + alpha)
                            case .tanh: out[i] = g * (1 - y[j] * y[j])
                            case .sigmoid: out[i] = g * y[j] * (1 - y[j])
                            }
                            j += 1
                            if j == forwardCount { j = 0 }
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
