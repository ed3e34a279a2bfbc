import Testing
@testable import CeilingEngine

/// One operation under test with the per-sample shapes of its inputs.
struct OperationCase: CustomTestStringConvertible, Sendable {
    let name: String
    let operation: any NetworkOperation
    let inputShapes: [[Int]]
    /// Smooth operations also get a finite-difference check of the JVP.
    let smooth: Bool
    var testDescription: String { name }
}

let operationCases: [OperationCase] = [
    OperationCase(name: "linear", operation: Linear(weight: randomValues(35, seed: 1), bias: randomValues(5, seed: 2), inFeatures: 7, outFeatures: 5), inputShapes: [[7]], smooth: true),
    OperationCase(name: "conv2d stride 2 padding 1", operation: Conv2d(weight: randomValues(4 * 3 * 9, seed: 3), bias: randomValues(4, seed: 4), inChannels: 3, outChannels: 4, kernel: (3, 3), stride: (2, 2), padding: (1, 1), dilation: (1, 1)), inputShapes: [[3, 7, 6]], smooth: true),
    OperationCase(name: "conv2d dilated no bias", operation: Conv2d(weight: randomValues(2 * 3 * 6, seed: 5), bias: nil, inChannels: 3, outChannels: 2, kernel: (2, 3), stride: (1, 2), padding: (2, 0), dilation: (2, 2)), inputShapes: [[3, 6, 9]], smooth: true),
    OperationCase(name: "conv2d 3x3 stride 1 (Winograd)", operation: Conv2d(weight: randomValues(32 * 32 * 9, seed: 12, scale: 0.1), bias: randomValues(32, seed: 13), inChannels: 32, outChannels: 32, kernel: (3, 3), stride: (1, 1), padding: (1, 1), dilation: (1, 1)), inputShapes: [[32, 8, 8]], smooth: true),
    OperationCase(name: "conv_transpose2d stride 2 output_padding 1", operation: ConvTranspose2d(weight: randomValues(3 * 2 * 16, seed: 6), bias: randomValues(2, seed: 7), inChannels: 3, outChannels: 2, kernel: (4, 4), stride: (2, 2), padding: (1, 1), outputPadding: (1, 1), dilation: (1, 1)), inputShapes: [[3, 4, 5]], smooth: true),
    OperationCase(name: "conv_transpose2d stride 3 dilation 2", operation: ConvTranspose2d(weight: randomValues(2 * 3 * 6, seed: 8), bias: nil, inChannels: 2, outChannels: 3, kernel: (3, 2), stride: (3, 1), padding: (0, 1), outputPadding: (2, 0), dilation: (2, 1)), inputShapes: [[2, 3, 4]], smooth: true),
    OperationCase(name: "batch_norm", operation: ChannelAffine.batchNorm(mean: randomValues(3, seed: 9), variance: [0.5, 1.5, 2], weight: randomValues(3, seed: 10), bias: randomValues(3, seed: 11), eps: 1e-5), inputShapes: [[3, 4, 4]], smooth: true),
    OperationCase(name: "relu", operation: Activation(.relu), inputShapes: [[3, 5]], smooth: false),
    OperationCase(name: "leaky_relu", operation: Activation(.leakyReLU(slope: 0.2)), inputShapes: [[11]], smooth: false),
    OperationCase(name: "elu", operation: Activation(.elu(alpha: 1.3)), inputShapes: [[11]], smooth: true),
    OperationCase(name: "tanh", operation: Activation(.tanh), inputShapes: [[2, 3, 3]], smooth: true),
    OperationCase(name: "sigmoid", operation: Activation(.sigmoid), inputShapes: [[13]], smooth: true),
    OperationCase(name: "max_pool2d padded", operation: MaxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)), inputShapes: [[2, 7, 6]], smooth: false),
    OperationCase(name: "avg_pool2d count_include_pad", operation: AvgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1), countIncludePad: true), inputShapes: [[2, 7, 6]], smooth: true),
    OperationCase(name: "avg_pool2d exclude pad", operation: AvgPool2d(kernel: (3, 2), stride: (2, 1), padding: (1, 1), countIncludePad: false), inputShapes: [[2, 5, 6]], smooth: true),
    OperationCase(name: "adaptive_avg_pool2d", operation: AvgPool2d.global(), inputShapes: [[4, 3, 5]], smooth: true),
    OperationCase(name: "flatten", operation: Reshape.flatten(), inputShapes: [[2, 3, 4]], smooth: true),
    OperationCase(name: "reshape", operation: Reshape.reshape([6, 1, 2]), inputShapes: [[12]], smooth: true),
    OperationCase(name: "add", operation: Add(), inputShapes: [[3, 4], [3, 4]], smooth: true),
    OperationCase(name: "normalize", operation: ChannelAffine.normalize(mean: [0.1, 0.2, 0.3], std: [0.5, 0.7, 1.1]), inputShapes: [[3, 2, 2]], smooth: true),
    OperationCase(name: "affine", operation: ChannelAffine(kind: "affine", scale: [0.5], shift: [0.5]), inputShapes: [[3, 2, 2]], smooth: true),
    OperationCase(name: "resize_bilinear up", operation: ResizeBilinear(size: (7, 9)), inputShapes: [[2, 4, 5]], smooth: true),
    OperationCase(name: "resize_bilinear down", operation: ResizeBilinear(size: (3, 2)), inputShapes: [[2, 7, 5]], smooth: true),
    OperationCase(name: "softmax", operation: Softmax(log: false), inputShapes: [[6]], smooth: true),
    OperationCase(name: "log_softmax", operation: Softmax(log: true), inputShapes: [[6]], smooth: true),
]

@Suite("Operations: JVP and VJP are adjoint, JVP is the derivative")
struct OperationAdjointTests {
    static let batch = 2
    /// Directions per sample: exercises the R * N batching of cotangents and tangents.
    static let copies = 3

    @Test(arguments: operationCases)
    func adjointIdentity(_ c: OperationCase) throws {
        let inputs = c.inputShapes.enumerated().map { randomTensor([Self.batch] + $1, seed: 100 + UInt64($0)) }
        let output = c.operation.forward(inputs)
        let outShape = try c.operation.outputShape(for: c.inputShapes)
        #expect(output.shape == [Self.batch] + outShape)
        let tangents = c.inputShapes.enumerated().map { randomTensor([Self.batch * Self.copies] + $1, seed: 200 + UInt64($0)) }
        let u = randomTensor([Self.batch * Self.copies] + outShape, seed: 300)
        let jv = c.operation.jvp(tangents, inputs: inputs, output: output)
        let jtu = c.operation.vjp(u, inputs: inputs, output: output)
        #expect(jv.shape == u.shape)
        let lhs = jv.dot(u)
        let rhs = zip(tangents, jtu).reduce(0.0) { $0 + $1.0.dot($1.1) }
        #expect(relativeError(lhs, rhs) < 1e-4, "<Jv,u> = \(lhs), <v,J^T u> = \(rhs)")
    }

    @Test(arguments: operationCases.filter(\.smooth))
    func jvpMatchesFiniteDifferences(_ c: OperationCase) {
        let inputs = c.inputShapes.enumerated().map { randomTensor([Self.batch] + $1, seed: 400 + UInt64($0)) }
        let tangents = c.inputShapes.enumerated().map { randomTensor([Self.batch] + $1, seed: 500 + UInt64($0)) }
        let output = c.operation.forward(inputs)
        let jv = c.operation.jvp(tangents, inputs: inputs, output: output)
        let h: Float = 1e-2
        func shifted(_ sign: Float) -> Tensor {
            c.operation.forward(zip(inputs, tangents).map { x, t in
                Tensor(shape: x.shape, data: zip(x.data, t.data).map { $0 + sign * h * $1 })
            })
        }
        let plus = shifted(1), minus = shifted(-1)
        let difference = Tensor(shape: plus.shape, data: zip(plus.data, minus.data).map { ($0 - $1) / (2 * h) })
        #expect(maxRelativeError(jv, difference) < 2e-3)
    }

    /// Direct and Winograd convolutions, forward and backward, on a batch of several blocks.
    @Test(arguments: operationCases.filter { $0.name.hasPrefix("conv2d stride 2") || $0.name.hasSuffix("(Winograd)") })
    func resultsDoNotDependOnThreadCount(_ c: OperationCase) throws {
        let x = randomTensor([9] + c.inputShapes[0], seed: 600)
        let u = randomTensor([9] + (try c.operation.outputShape(for: c.inputShapes)), seed: 601)
        func run(threads: Int) -> [Tensor] {
            let saved = EngineThreads.count
            defer { EngineThreads.count = saved }
            EngineThreads.count = threads
            let y = c.operation.forward([x])
            return [y] + c.operation.vjp(u, inputs: [x], output: y)
        }
        #expect(run(threads: 1) == run(threads: 2))
    }
}
