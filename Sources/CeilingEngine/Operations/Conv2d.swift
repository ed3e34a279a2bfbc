/// 2-D convolution (`nn.Conv2d`, groups 1, zero padding), run by oneDNN (ConvolutionKernel).
public struct Conv2d: LinearOperation {
    public let kind = "conv2d"
    public let bias: [Float]?
    let convolution: ConvolutionKernel

    public var inChannels: Int { convolution.inChannels }
    public var outChannels: Int { convolution.outChannels }
    public var kernel: (Int, Int) { convolution.kernel }
    public var stride: (Int, Int) { convolution.stride }
    public var padding: (Int, Int) { convolution.padding }
    public var dilation: (Int, Int) { convolution.dilation }
    /// [out, in, kh, kw] = a row-major [out, in * kh * kw] matrix.
    public var weight: [Float] { convolution.weight }

    public init(weight: [Float], bias: [Float]?, inChannels: Int, outChannels: Int,
                kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)) {
        precondition(weight.count == outChannels * inChannels * kernel.0 * kernel.1)
        self.bias = bias
        convolution = ConvolutionKernel(weight: weight, inChannels: inChannels, outChannels: outChannels,
                                        kernel: kernel, stride: stride, padding: padding, dilation: dilation)
    }

    public var parameterCount: Int { weight.count + (bias?.count ?? 0) }

    public func outputShape(for inputShapes: [[Int]]) throws(ShapeError) -> [Int] {
        let shape = try singleInput(inputShapes, rank: 3, kind)
        guard shape[0] == inChannels else {
            throw ShapeError("conv2d expects \(inChannels) input channels, got \(shape[0])")
        }
        guard let (h, w) = convolution.checkedOutputPlane(height: shape[1], width: shape[2]) else {
            throw ShapeError("conv2d output size overflows for an input of \(shape[1])x\(shape[2])")
        }
        guard h > 0 && w > 0 else {
            throw ShapeError("conv2d kernel \(kernel) does not fit an input of \(shape[1])x\(shape[2])")
        }
        return [outChannels, h, w]
    }

    public func forward(_ inputs: [Tensor]) -> Tensor { convolution.forward(inputs[0], bias: bias, layout: .nchw) }

    func linearPart(_ x: Tensor) -> Tensor { convolution.forward(x, bias: nil, layout: .nchw) }

    public func vjp(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] {
        let shape = inputs[0].shape
        return [convolution.backward(cotangent, height: shape[2], width: shape[3], bias: nil, layout: .nchw)]
    }
}

extension Conv2d: LayoutAware {
    func forwardInLayout(_ inputs: [Tensor], nchw: Bool) -> Tensor {
        convolution.forward(inputs[0], bias: bias, layout: nchw ? .nchw : nil)
    }

    func vjpInLayout(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] {
        let shape = inputs[0].shape
        return [convolution.backward(cotangent, height: shape[2], width: shape[3], bias: nil, layout: inputs[0].layout)]
    }

    func jvpInLayout(_ tangents: [Tensor], inputs: [Tensor], output: Tensor) -> Tensor {
        convolution.forward(tangents[0], bias: nil, layout: output.layout)
    }
}
