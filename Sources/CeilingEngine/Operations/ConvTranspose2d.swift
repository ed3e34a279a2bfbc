/// Transposed 2-D convolution (`nn.ConvTranspose2d`, groups 1): the adjoint of a Conv2d from the
/// output back to the input, so it runs that convolution's gradient (ConvolutionKernel), and
/// its own gradient is that convolution.
public struct ConvTranspose2d: LinearOperation {
    public let kind = "conv_transpose2d"
    public let inChannels: Int, outChannels: Int
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    public let outputPadding: (Int, Int), dilation: (Int, Int)
    /// [in, out, kh, kw] = a row-major [in, out * kh * kw] matrix.
    public let weight: [Float]
    public let bias: [Float]?
    /// The convolution from this operation's output to its input; [in, out, kh, kw] is its
    /// [out, in, kh, kw] weight.
    private let convolution: ConvolutionKernel

    public init(weight: [Float], bias: [Float]?, inChannels: Int, outChannels: Int, kernel: (Int, Int),
                stride: (Int, Int), padding: (Int, Int), outputPadding: (Int, Int), dilation: (Int, Int)) {
        precondition(weight.count == outChannels * inChannels * kernel.0 * kernel.1)
        self.weight = weight
        self.bias = bias
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.dilation = dilation
        convolution = ConvolutionKernel(weight: weight, inChannels: outChannels, outChannels: inChannels,
                                        kernel: kernel, stride: stride, padding: padding, dilation: dilation)
    }

    public var parameterCount: Int { weight.count + (bias?.count ?? 0) }


    /// The convolution this operation is the adjoint of: from the output plane to the input plane.
    func geometry(_ sampleShape: [Int]) -> ConvGeometry {
        let h = (sampleShape[1] - 1) * stride.0 - 2 * padding.0 + dilation.0 * (kernel.0 - 1) + outputPadding.0 + 1
        let w = (sampleShape[2] - 1) * stride.1 - 2 * padding.1 + dilation.1 * (kernel.1 - 1) + outputPadding.1 + 1
        return ConvGeometry(channels: outChannels, height: h, width: w,
                            kernel: kernel, stride: stride, padding: padding, dilation: dilation)
    }

    public func outputShape(for inputShapes: [[Int]]) throws(ShapeError) -> [Int] {
        let shape = try singleInput(inputShapes, rank: 3, kind)
        guard shape[0] == inChannels else {
            throw ShapeError("conv_transpose2d expects \(inChannels) input channels, got \(shape[0])")
        }
        guard outputPadding.0 < stride.0 && outputPadding.1 < stride.1 else {
            throw ShapeError("conv_transpose2d output_padding \(outputPadding) must be smaller than the stride \(stride)")
        }
        let g = geometry(shape)
        guard g.height > 0 && g.width > 0 else {
            throw ShapeError("conv_transpose2d gives an empty output for an input of \(shape[1])x\(shape[2])")
        }
        return [outChannels, g.height, g.width]
    }

    public func forward(_ inputs: [Tensor]) -> Tensor { transpose(inputs[0], bias: bias) }

    func linearPart(_ x: Tensor) -> Tensor { transpose(x, bias: nil) }

    private func transpose(_ x: Tensor, bias: [Float]?) -> Tensor {
        let g = geometry(x.sampleShape)
        return convolution.backward(x, height: g.height, width: g.width, bias: bias)
    }

    public func vjp(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] {
        [convolution.forward(cotangent, bias: nil)]
    }
}
