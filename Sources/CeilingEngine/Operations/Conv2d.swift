/// 2-D convolution (`nn.Conv2d`, groups 1, zero padding) computed as im2col followed by one GEMM
/// per block of samples.
public struct Conv2d: LinearOperation {
    public let kind = "conv2d"
    public let inChannels: Int, outChannels: Int
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)
    /// [out, in, kh, kw] = a row-major [out, in * kh * kw] matrix.
    public let weight: [Float]
    public let bias: [Float]?

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

    public func forward(_ inputs: [Tensor]) -> Tensor { convolve(inputs[0], bias: bias) }

    func linearPart(_ x: Tensor) -> Tensor { convolve(x, bias: nil) }

    private func convolve(_ x: Tensor, bias: [Float]?) -> Tensor {
        let g = geometry(x.sampleShape)
        let batch = x.batch
        let block = g.samplesPerBlock()
        return Tensor(shape: [batch, outChannels, g.outHeight, g.outWidth]) { out in
            nonisolated(unsafe) let out = out
            x.data.withUnsafeBufferPointer { xs in
                weight.withUnsafeBufferPointer { w in
                    forEachBlock(total: batch, blockSize: block) { range in
                        let columns = range.count * g.outputPlane
                        // A block of one sample: the GEMM's rows are that sample's channel planes,
                        // so it writes the output in place instead of through a scatter.
                        let direct = range.count == 1
                        Scratch.withBuffer(g.patchSize * columns) { col in
                            Scratch.withBuffer(direct ? 0 : outChannels * columns) { scratch in
                                let result = direct ? out.baseAddress! + range.lowerBound * outChannels * g.outputPlane : scratch
                                for (s, n) in range.enumerated() {
                                    g.im2col(xs.baseAddress! + n * x.sampleSize, into: col, leading: columns, column: s * g.outputPlane)
                                }
                                BLAS.gemm(transposeA: false, transposeB: false, m: outChannels, n: columns, k: g.patchSize,
                                          a: w.baseAddress!, b: col, c: result)
                                bias.withUnsafeOptionalBuffer { b in
                                    if direct {
                                        if let b { addChannelBias(b, to: result, plane: g.outputPlane) }
                                    } else {
                                        scatterChannelMajor(result, range: range, channels: outChannels, plane: g.outputPlane, bias: b, into: out.baseAddress!)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public func vjp(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] {
        let g = geometry(inputs[0].sampleShape)
        let batch = cotangent.batch
        let block = g.samplesPerBlock()
        let inputSize = inputs[0].sampleSize
        // Each block zeroes its own samples just before col2im adds into them: in parallel, and
        // while the memory is about to be used anyway.
        let grad = Tensor(shape: [batch] + inputs[0].sampleShape) { gradInput in
            nonisolated(unsafe) let gradInput = gradInput
            cotangent.data.withUnsafeBufferPointer { cot in
                weight.withUnsafeBufferPointer { w in
                    forEachBlock(total: batch, blockSize: block) { range in
                        let columns = range.count * g.outputPlane
                        // One sample's cotangent is already the [channels, plane] matrix the GEMM reads.
                        let direct = range.count == 1
                        Scratch.withBuffer(direct ? 0 : outChannels * columns) { scratch in
                            Scratch.withBuffer(g.patchSize * columns) { col in
                                let gathered = direct ? cot.baseAddress! + range.lowerBound * outChannels * g.outputPlane : UnsafePointer(scratch)
                                if !direct {
                                    gatherChannelMajor(cot.baseAddress!, range: range, channels: outChannels, plane: g.outputPlane, into: scratch)
                                }
                                BLAS.gemm(transposeA: true, transposeB: false, m: g.patchSize, n: columns, k: outChannels,
                                          a: w.baseAddress!, b: gathered, c: col)
                                (gradInput.baseAddress! + range.lowerBound * inputSize).update(repeating: 0, count: range.count * inputSize)
                                for (s, n) in range.enumerated() {
                                    g.col2im(col, leading: columns, column: s * g.outputPlane, into: gradInput.baseAddress! + n * inputSize)
                                }
                            }
                        }
                    }
                }
            }
        }
        return [grad]
    }
}
