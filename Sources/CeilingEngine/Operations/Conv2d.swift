/// 2-D convolution (`nn.Conv2d`, groups 1, zero padding), run by oneDNN (ConvolutionKernel).
public struct Conv2d: LinearOperation {
    public let kind = "conv2d"
    public let inChannels: Int, outChannels: Int
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)
    /// [out, in, kh, kw] = a row-major [out, in * kh * kw] matrix.
    public let weight: [Float]
    public let bias: [Float]?
    private let convolution: ConvolutionKernel

    public init(weight: [Float], bias: [Float]?, inChannels: Int, outChannels: Int,
                kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)) {
        precondition(weight.count == outChannels * inChannels * kernel.0 * kernel.1)
        self.weight = weight
        self.bias = bias
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        convolution = ConvolutionKernel(weight: weight, inChannels: inChannels, outChannels: outChannels,
                                        kernel: kernel, stride: stride, padding: padding, dilation: dilation)
    }

    public var parameterCount: Int { weight.count + (bias?.count ?? 0) }

    func geometry(_ sampleShape: [Int]) -> ConvGeometry {
        ConvGeometry(channels: inChannels, height: sampleShape[1], width: sampleShape[2],
                     kernel: kernel, stride: stride, padding: padding, dilation: dilation)
    }

    public func outputShape(for inputShapes: [[Int]]) throws(ShapeError) -> [Int] {
        let shape = try singleInput(inputShapes, rank: 3, kind)
        guard shape[0] == inChannels else {
            throw ShapeError("conv2d expects \(inChannels) input channels, got \(shape[0])")
        }
        let g = geometry(shape)
        guard g.outHeight > 0 && g.outWidth > 0 else {
            throw ShapeError("conv2d kernel \(kernel) does not fit an input of \(shape[1])x\(shape[2])")
        }
        return [outChannels, g.outHeight, g.outWidth]
    }

    public func forward(_ inputs: [Tensor]) -> Tensor { convolution.forward(inputs[0], bias: bias) }

    func linearPart(_ x: Tensor) -> Tensor { convolution.forward(x, bias: nil) }

    public func vjp(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] {
        let shape = inputs[0].shape
        return [convolution.backward(cotangent, height: shape[2], width: shape[3], bias: nil)]
    }
}
