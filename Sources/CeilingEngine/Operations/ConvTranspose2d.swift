/// Transposed 2-D convolution (`nn.ConvTranspose2d`, groups 1): the adjoint of a Conv2d from the
/// output back to the input, so it runs that convolution's gradient (ConvolutionKernel), and
/// its own gradient is that convolution.
public struct ConvTranspose2d: LinearOperation {
    public let kind = "conv_transpose2d"
    public let bias: [Float]?
    public let outputPadding: (Int, Int)
    /// The convolution from this operation's output to its input; [in, out, kh, kw] is its
    /// [out, in, kh, kw] weight.
    private let convolution: ConvolutionKernel

    public var inChannels: Int { convolution.outChannels }
    public var outChannels: Int { convolution.inChannels }
    public var kernel: (Int, Int) { convolution.kernel }
    public var stride: (Int, Int) { convolution.stride }
    public var padding: (Int, Int) { convolution.padding }
    public var dilation: (Int, Int) { convolution.dilation }
    /// [in, out, kh, kw] = a row-major [in, out * kh * kw] matrix.
    public var weight: [Float] { convolution.weight }

    public init(weight: [Float], bias: [Float]?, inChannels: Int, outChannels: Int, kernel: (Int, Int),
                stride: (Int, Int), padding: (Int, Int), outputPadding: (Int, Int), dilation: (Int, Int)) {
        precondition(weight.count == outChannels * inChannels * kernel.0 * kernel.1)
        self.bias = bias
        self.outputPadding = outputPadding
        convolution = ConvolutionKernel(weight: weight, inChannels: outChannels, outChannels: inChannels,
                                        kernel: kernel, stride: stride, padding: padding, dilation: dilation)
    }

    public var parameterCount: Int { weight.count + (bias?.count ?? 0) }

    /// The output plane for an input plane `[_, height, width]`, nil on overflow.
    private func checkedOutputPlane(_ sampleShape: [Int]) -> (height: Int, width: Int)? {
        convolution.checkedInputPlane(height: sampleShape[1], width: sampleShape[2], extra: outputPadding)
    }

    public func outputShape(for inputShapes: [[Int]]) throws(ShapeError) -> [Int] {
        let shape = try singleInput(inputShapes, rank: 3, kind)
        guard shape[0] == inChannels else {
            throw ShapeError("conv_transpose2d expects \(inChannels) input channels, got \(shape[0])")
        }
        guard outputPadding.0 < stride.0 && outputPadding.1 < stride.1 else {
            throw ShapeError("conv_transpose2d output_padding \(outputPadding) must be smaller than the stride \(stride)")
        }
        guard let (h, w) = checkedOutputPlane(shape) else {
            throw ShapeError("conv_transpose2d output size overflows for an input of \(shape[1])x\(shape[2])")
        }
        guard h > 0 && w > 0 else {
            throw ShapeError("conv_transpose2d gives an empty output for an input of \(shape[1])x\(shape[2])")
        }
        return [outChannels, h, w]
    }

    public func forward(_ inputs: [Tensor]) -> Tensor { transpose(inputs[0], bias: bias, layout: .nchw) }

    func linearPart(_ x: Tensor) -> Tensor { transpose(x, bias: nil, layout: .nchw) }

    private func transpose(_ x: Tensor, bias: [Float]?, layout: TensorLayout?) -> Tensor {
        // The graph checked this plane when it was built.
        let (h, w) = checkedOutputPlane(x.sampleShape)!
        return convolution.backward(x, height: h, width: w, bias: bias, layout: layout)
    }

    public func vjp(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] {
        [convolution.forward(cotangent, bias: nil, layout: .nchw)]
    }
}

extension ConvTranspose2d: LayoutAware {
    func forwardInLayout(_ inputs: [Tensor], nchw: Bool) -> Tensor { transpose(inputs[0], bias: bias, layout: nchw ? .nchw : nil) }

    func vjpInLayout(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] {
        [convolution.forward(cotangent, bias: nil, layout: inputs[0].layout)]
    }

    func jvpInLayout(_ tangents: [Tensor], inputs: [Tensor], output: Tensor) -> Tensor {
        transpose(tangents[0], bias: nil, layout: output.layout)
    }
}
