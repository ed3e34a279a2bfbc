import CDNNL

/// One oneDNN primitive for a fixed direction, number of samples and input plane: the weights
/// already in the primitive's layout, the reorders into its input layout from each TensorLayout
/// (absent where they agree), and the layout its output is left in.
final class ConvolutionPlan: @unchecked Sendable {
    let samples: Int
    /// Whether the primitive is a Winograd one (asked for and available for this shape).
    let winograd: Bool
    /// The layout of the output: the primitive's own where it is a TensorLayout and none was
    /// asked for, else the one asked for (NCHW where the primitive's is none of ours).
    let outputLayout: TensorLayout
    private let primitive: DNNLPrimitive
    private let toInner: [TensorLayout: (descriptor: dnnl_memory_desc_t, reorder: DNNLPrimitive?)]
    private let fromInner: DNNLPrimitive?
    private let innerInput: dnnl_memory_desc_t, innerOutput: dnnl_memory_desc_t, finalOutput: dnnl_memory_desc_t
    private let weightDescriptor: dnnl_memory_desc_t, biasDescriptor: dnnl_memory_desc_t
    private let weights: UnsafeMutableRawPointer
    private let scratchpadBytes: Int
    private let addsBias: Bool
    /// The output's channels and plane, for adding a bias after the primitive.
    private let outputChannels: Int, outputPlane: Int

    /// The primitive for one pass (reading SRC, writing DST) and the weights it convolves with,
    /// with their dims and layout.
    private struct Choice {
        let pd: dnnl_primitive_desc_t
        let weightDims: [Int], weightTag: dnnl_format_tag_t, weight: [Float]
        /// Whether the primitive adds the bias (else `execute` does).
        var addsBias = true
    }

    /// A plan for `direction`; with `winograd`, a Winograd primitive where oneDNN has one for the
    /// shape, else (silently) the direct one. `outputLayout` fixes the output's layout (so that
    /// the blocks of one pass agree); nil leaves it to the primitive.
    init(_ kernel: ConvolutionKernel, direction: ConvolutionKernel.Direction, samples: Int, height: Int, width: Int,
         winograd: Bool, outputLayout required: TensorLayout?) {
        self.samples = samples
        let (oh, ow) = kernel.outputPlane(height: height, width: width)
        let imageDims = [samples, kernel.inChannels, height, width], responseDims = [samples, kernel.outChannels, oh, ow]
        let (inputDims, outputDims) = switch direction {
        case .forward: (imageDims, responseDims)
        case .backward: (responseDims, imageDims)
        }
        biasDescriptor = DNNL.descriptor([outputDims[1]], dnnl_x)
        let attr = DNNL.userScratchpadAttributes()
        defer { dnnl_primitive_attr_destroy(attr) }
        DNNL.stayOnCallingThread()  // made for the one thread it runs on
        let winogradChoice = winograd ? Self.winograd(kernel, direction, inputDims, outputDims, attr) : nil
        let choice = winogradChoice ?? Self.direct(kernel, direction, inputDims, outputDims, attr)
        self.winograd = winogradChoice != nil
        (addsBias, outputChannels, outputPlane) = (choice.addsBias, outputDims[1], outputDims[2] * outputDims[3])
        (innerInput, innerOutput) = (DNNL.query(choice.pd, dnnl_query_src_md), DNNL.query(choice.pd, dnnl_query_dst_md))
        weightDescriptor = DNNL.query(choice.pd, dnnl_query_weights_md)
        primitive = DNNLPrimitive(choice.pd)
        var toInner = [TensorLayout: (descriptor: dnnl_memory_desc_t, reorder: DNNLPrimitive?)]()
        for layout in TensorLayout.candidates(channels: inputDims[1]) {
            let descriptor = layout.descriptor(inputDims)
            toInner[layout] = (descriptor, DNNL.same(descriptor, innerInput) ? nil : DNNLPrimitive(reorderFrom: descriptor, to: innerInput))
        }
        self.toInner = toInner
        outputLayout = required ?? TensorLayout.of(innerOutput, dims: outputDims) ?? .nchw
        finalOutput = outputLayout.descriptor(outputDims)
        fromInner = DNNL.same(finalOutput, innerOutput) ? nil : DNNLPrimitive(reorderFrom: innerOutput, to: finalOutput)

        // The weights, reordered once into the primitive's layout (for Winograd, transformed).
        let plainWeights = DNNL.descriptor(choice.weightDims, choice.weightTag)
        let weightReorder = DNNLPrimitive(reorderFrom: plainWeights, to: weightDescriptor)
        scratchpadBytes = ([primitive, fromInner, weightReorder] + toInner.values.map(\.reorder)).compactMap { $0?.scratchpadBytes }.max() ?? 0
        weights = UnsafeMutableRawPointer.allocate(byteCount: max(1, DNNL.bytes(weightDescriptor)), alignment: 64)
        choice.weight.withUnsafeBytes { plain in
            Scratch.withBytes(scratchpadBytes) { pad in
                DNNL.withStream { stream in
                    weightReorder.execute([(Int32(CDNNL_ARG_SRC), plainWeights, UnsafeMutableRawPointer(mutating: plain.baseAddress!)),
                                           (Int32(CDNNL_ARG_DST), weightDescriptor, weights)], scratchpad: pad, on: stream)
                }
            }
        }
    }

    deinit { weights.deallocate() }

    /// oneDNN's direct convolution forward, or backward as its deconvolution (the same kernels
    /// as its convolution gradient). A deconvolution's own bias took 60 us per sample for a
    /// DCGAN layer of 16K values, more than half its convolution: `execute` adds it instead.
    private static func direct(_ kernel: ConvolutionKernel, _ direction: ConvolutionKernel.Direction,
                               _ inputDims: [Int], _ outputDims: [Int], _ attr: dnnl_primitive_attr_t) -> Choice {
        // oneDNN's channel-blocked layouts pad the channels to blocks of 16. A gradient into
        // fewer input channels than that (a first layer's 3) then spends most of its time on
        // padding. From 32 output channels on, NCHW (where oneDNN runs a GEMM and col2im) is
        // fastest: per sample 26 against 64 us channels-last and 62 blocked for a DCGAN's last
        // layer (64 -> 3 channels, stride 2), 63 against 150 and 146 for a ResNet-18 w64 stem.
        // From fewer, channels-last: 30 against 59 (NCHW) and 78 (blocked) us for LeNet's first
        // layer (6 -> 3). Otherwise the primitive picks.
        var tag = dnnl_format_tag_any
        if case .backward = direction, kernel.inChannels < 16 { tag = kernel.outChannels >= 32 ? dnnl_nchw : dnnl_nhwc }
        var source = DNNL.descriptor(inputDims, tag)
        var destination = DNNL.descriptor(outputDims, tag)
        let bias = DNNL.descriptor([outputDims[1]], dnnl_x)
        let strides = [Int64(kernel.stride.0), Int64(kernel.stride.1)]
        // oneDNN counts dilation from 0 (no gaps), PyTorch from 1.
        let dilates = [Int64(kernel.dilation.0 - 1), Int64(kernel.dilation.1 - 1)]
        let pads = [Int64(kernel.padding.0), Int64(kernel.padding.1)]
        var pd: dnnl_primitive_desc_t?
        switch direction {
        case .forward(let hasBias):
            let weightDims = [kernel.outChannels, kernel.inChannels, kernel.kernel.0, kernel.kernel.1]
            var weight = DNNL.descriptor(weightDims, dnnl_format_tag_any)
            var convolution = dnnl_convolution_desc_t()
            DNNL.check(withUnsafePointer(to: bias) { bias in
                dnnl_dilated_convolution_forward_desc_init(&convolution, dnnl_forward_inference, dnnl_convolution_direct, &source, &weight,
                                                           hasBias ? bias : nil, &destination, strides, dilates, pads, pads)
            }, "describing a convolution \(inputDims) -> \(outputDims)")
            DNNL.check(dnnl_primitive_desc_create(&pd, &convolution, attr, DNNL.engine, nil), "choosing a convolution")
            return Choice(pd: pd!, weightDims: weightDims, weightTag: dnnl_oihw, weight: kernel.weight)
        case .backward:
            // A deconvolution's weights are [its out = our in, its in = our out, kh, kw]: ours, read as IOHW.
            let weightDims = [kernel.inChannels, kernel.outChannels, kernel.kernel.0, kernel.kernel.1]
            var weight = DNNL.descriptor(weightDims, dnnl_format_tag_any)
            var deconvolution = dnnl_deconvolution_desc_t()
            DNNL.check(dnnl_dilated_deconvolution_forward_desc_init(&deconvolution, dnnl_forward_inference, dnnl_deconvolution_direct,
                                                                    &source, &weight, nil, &destination, strides, dilates, pads, pads),
                       "describing a convolution gradient \(inputDims) -> \(outputDims)")
            DNNL.check(dnnl_primitive_desc_create(&pd, &deconvolution, attr, DNNL.engine, nil), "choosing a convolution gradient")
            return Choice(pd: pd!, weightDims: weightDims, weightTag: dnnl_iohw, weight: kernel.weight, addsBias: false)
        }
    }

    /// oneDNN's Winograd convolution for inference, whose weights are transformed once here
    /// rather than on every call (its training and backward-data kernels redo that each call,
    /// which made them up to 20x slower than direct ones on planes of 8x8 and below). The
    /// backward pass of a stride-1 convolution is itself a forward one: from the output
    /// cotangent, with the weights' two channel axes swapped and the kernel rotated by 180
    /// degrees, padded by kernel - 1 - padding. Nil where oneDNN has no Winograd kernel for the
    /// shape (or the padding exceeds kernel - 1), and the plan then runs the direct one.
    private static func winograd(_ kernel: ConvolutionKernel, _ direction: ConvolutionKernel.Direction,
                                 _ inputDims: [Int], _ outputDims: [Int], _ attr: dnnl_primitive_attr_t) -> Choice? {
        let (kh, kw) = kernel.kernel
        guard kernel.stride == (1, 1), kernel.dilation == (1, 1) else { return nil }
        let weightDims: [Int], weight: [Float], padding: (Int, Int), hasBias: Bool
        switch direction {
        case .forward(let bias):
            (padding, hasBias) = (kernel.padding, bias)
            (weightDims, weight) = ([kernel.outChannels, kernel.inChannels, kh, kw], kernel.weight)
        case .backward(let bias):
            (padding, hasBias) = ((kh - 1 - kernel.padding.0, kw - 1 - kernel.padding.1), bias)
            (weightDims, weight) = ([kernel.inChannels, kernel.outChannels, kh, kw], rotatedTranspose(kernel))
        }
        guard padding.0 >= 0, padding.1 >= 0 else { return nil }
        var source = DNNL.descriptor(inputDims, dnnl_format_tag_any)
        var destination = DNNL.descriptor(outputDims, dnnl_format_tag_any)
        var weights = DNNL.descriptor(weightDims, dnnl_format_tag_any)
        let bias = DNNL.descriptor([outputDims[1]], dnnl_x)
        let pads = [Int64(padding.0), Int64(padding.1)]
        var convolution = dnnl_convolution_desc_t()
        var pd: dnnl_primitive_desc_t?
        let described = withUnsafePointer(to: bias) { bias in
            dnnl_convolution_forward_desc_init(&convolution, dnnl_forward_inference, dnnl_convolution_winograd, &source, &weights,
                                               hasBias ? bias : nil, &destination, [1, 1], pads, pads)
        }
        guard described == dnnl_success,
              dnnl_primitive_desc_create(&pd, &convolution, attr, DNNL.engine, nil) == dnnl_success, let pd else { return nil }
        return Choice(pd: pd, weightDims: weightDims, weightTag: dnnl_oihw, weight: weight)
    }

    /// w'[i, o, a, b] = w[o, i, kh - 1 - a, kw - 1 - b]: the weights of the convolution that is
    /// this one's adjoint at stride 1.
    private static func rotatedTranspose(_ kernel: ConvolutionKernel) -> [Float] {
        let (kh, kw) = kernel.kernel, (ins, outs) = (kernel.inChannels, kernel.outChannels)
        var result = [Float](repeating: 0, count: kernel.weight.count)
        for o in 0..<outs {
            for i in 0..<ins {
                for a in 0..<kh {
                    for b in 0..<kw {
                        result[((i * outs + o) * kh + a) * kw + b] = kernel.weight[((o * ins + i) * kh + kh - 1 - a) * kw + kw - 1 - b]
                    }
                }
            }
        }
        return result
    }

    /// Runs the plan on one block: `samples` samples each of `input`, in `layout`, and of
    /// `output`, in `outputLayout`.
    func execute(_ input: UnsafePointer<Float>, layout: TensorLayout, _ output: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?) {
        let input = UnsafeMutableRawPointer(mutating: input), output = UnsafeMutableRawPointer(output)
        let (given, toInner) = self.toInner[layout]!
        Scratch.withBytes(toInner == nil ? 0 : DNNL.bytes(innerInput)) { innerIn in
            Scratch.withBytes(fromInner == nil ? 0 : DNNL.bytes(innerOutput)) { innerOut in
                Scratch.withBytes(scratchpadBytes) { pad in
                    DNNL.withStream { stream in
                        let source = toInner == nil ? input : innerIn
                        let destination = fromInner == nil ? output : innerOut
                        toInner?.execute([(Int32(CDNNL_ARG_SRC), given, input), (Int32(CDNNL_ARG_DST), innerInput, innerIn)],
                                         scratchpad: pad, on: stream)
                        var arguments = [(Int32(CDNNL_ARG_SRC), innerInput, source), (Int32(CDNNL_ARG_WEIGHTS), weightDescriptor, weights),
                                         (Int32(CDNNL_ARG_DST), innerOutput, destination)]
                        if let bias, addsBias { arguments.append((Int32(CDNNL_ARG_BIAS), biasDescriptor, UnsafeMutableRawPointer(mutating: bias))) }
                        primitive.execute(arguments, scratchpad: pad, on: stream)
                        fromInner?.execute([(Int32(CDNNL_ARG_SRC), innerOutput, innerOut), (Int32(CDNNL_ARG_DST), finalOutput, output)],
                                           scratchpad: pad, on: stream)
                    }
                }
            }
        }
        if let bias, !addsBias {
            addChannelBias(bias, to: output.assumingMemoryBound(to: Float.self), samples: samples, channels: outputChannels,
                           plane: outputPlane, layout: outputLayout)
        }
    }
}

/// Adds `bias[c]` to every value of channel `c` of `samples` samples of `channels` x `plane`
/// values in `layout`.
private func addChannelBias(_ bias: UnsafePointer<Float>, to values: UnsafeMutablePointer<Float>, samples: Int, channels: Int,
                            plane: Int, layout: TensorLayout) {
    switch layout {
    case .nchw:
        for row in 0..<(samples * channels) {
            let b = SIMD16<Float>(repeating: bias[row % channels]), p = values + row * plane
            mapElements(plane, into: p, p) { $0 + b }
        }
    case .nhwc:
        for pixel in 0..<(samples * plane) {
            let p = values + pixel * channels
            mapElements(channels, into: p, p, bias) { $0 + $1 }
        }
    case .blocked16:
        // Per block of 16 channels, its plane of 16-value groups, each plus the block's 16 biases.
        for block in 0..<(samples * channels / 16) {
            let first = block * 16 % channels
            let b = UnsafeRawPointer(bias + first).loadUnaligned(as: SIMD16<Float>.self)
            let p = UnsafeMutableRawPointer(values + block * 16 * plane)
            for i in 0..<plane {
                let offset = i * MemoryLayout<SIMD16<Float>>.size
                p.storeBytes(of: p.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self) + b, toByteOffset: offset, as: SIMD16<Float>.self)
            }
        }
    }
}
