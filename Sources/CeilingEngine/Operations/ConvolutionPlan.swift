import CDNNL

/// One oneDNN convolution primitive for a fixed direction, number of samples and input plane:
/// the weights already in the primitive's layout, and the reorders between the engine's NCHW
/// and the layouts the primitive chose for its input and output (absent where they agree).
final class ConvolutionPlan: @unchecked Sendable {
    let samples: Int
    /// Whether the primitive is a Winograd one (asked for and available for this shape).
    let winograd: Bool
    private let primitive: DNNLPrimitive
    private let toInner: DNNLPrimitive?, fromInner: DNNLPrimitive?
    private let inputArgument: Int32, outputArgument: Int32
    private let plainInput: dnnl_memory_desc_t, plainOutput: dnnl_memory_desc_t
    private let innerInput: dnnl_memory_desc_t, innerOutput: dnnl_memory_desc_t
    private let weightDescriptor: dnnl_memory_desc_t, biasDescriptor: dnnl_memory_desc_t
    private let weights: UnsafeMutableRawPointer
    private let scratchpadBytes: Int

    /// The primitive for one pass, what it reads and writes, and the [out, in, kh, kw] weights
    /// it convolves with.
    private struct Choice {
        let pd: dnnl_primitive_desc_t
        let input: (argument: Int32, query: dnnl_query_t), output: (argument: Int32, query: dnnl_query_t)
        let weightDims: [Int], weight: [Float]
    }

    /// A plan for `direction`; with `winograd`, a Winograd primitive where oneDNN has one for the
    /// shape, else (silently) the direct one.
    init(_ kernel: ConvolutionKernel, direction: ConvolutionKernel.Direction, samples: Int, height: Int, width: Int, winograd: Bool) {
        self.samples = samples
        let (oh, ow) = kernel.outputPlane(height: height, width: width)
        let sourceDims = [samples, kernel.inChannels, height, width]
        let destinationDims = [samples, kernel.outChannels, oh, ow]
        biasDescriptor = DNNL.descriptor([kernel.outChannels], dnnl_x)
        let attr = DNNL.userScratchpadAttributes()
        defer { dnnl_primitive_attr_destroy(attr) }
        DNNL.stayOnCallingThread()  // made for the one thread it runs on
        let winogradChoice = winograd ? Self.winograd(kernel, direction, sourceDims, destinationDims, attr) : nil
        let choice = winogradChoice ?? Self.direct(kernel, direction, sourceDims, destinationDims, attr)
        self.winograd = winogradChoice != nil
        let pd = choice.pd
        (inputArgument, outputArgument) = (choice.input.argument, choice.output.argument)
        (plainInput, plainOutput) = switch direction {
        case .forward: (DNNL.descriptor(sourceDims, dnnl_nchw), DNNL.descriptor(destinationDims, dnnl_nchw))
        case .backward: (DNNL.descriptor(destinationDims, dnnl_nchw), DNNL.descriptor(sourceDims, dnnl_nchw))
        }
        (innerInput, innerOutput) = (DNNL.query(pd, choice.input.query), DNNL.query(pd, choice.output.query))
        weightDescriptor = DNNL.query(pd, dnnl_query_weights_md)
        primitive = DNNLPrimitive(pd)
        toInner = DNNL.same(plainInput, innerInput) ? nil : DNNLPrimitive(reorderFrom: plainInput, to: innerInput)
        fromInner = DNNL.same(plainOutput, innerOutput) ? nil : DNNLPrimitive(reorderFrom: innerOutput, to: plainOutput)

        // The weights, reordered once into the primitive's layout (for Winograd, transformed).
        let plainWeights = DNNL.descriptor(choice.weightDims, dnnl_oihw)
        let weightReorder = DNNLPrimitive(reorderFrom: plainWeights, to: weightDescriptor)
        scratchpadBytes = [primitive, toInner, fromInner, weightReorder].compactMap { $0?.scratchpadBytes }.max() ?? 0
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

    /// oneDNN's direct convolution, forward or backward-data.
    private static func direct(_ kernel: ConvolutionKernel, _ direction: ConvolutionKernel.Direction,
                               _ sourceDims: [Int], _ destinationDims: [Int], _ attr: dnnl_primitive_attr_t) -> Choice {
        let weightDims = [kernel.outChannels, kernel.inChannels, kernel.kernel.0, kernel.kernel.1]
        // oneDNN's channel-blocked layouts pad the channels to blocks of 16. A gradient into
        // fewer input channels than that (a first layer's 3) then spends most of its time on
        // padding. From 32 output channels on, NCHW (where oneDNN runs a GEMM and col2im) is
        // fastest: per sample 26 against 64 us channels-last and 62 blocked for a DCGAN's last
        // layer (64 -> 3 channels, stride 2), 63 against 150 and 146 for a ResNet-18 w64 stem.
        // From fewer, channels-last: 30 against 59 (NCHW) and 78 (blocked) us for LeNet's first
        // layer (6 -> 3). Otherwise the primitive picks.
        var tag = dnnl_format_tag_any
        if case .backward = direction, kernel.inChannels < 16 { tag = kernel.outChannels >= 32 ? dnnl_nchw : dnnl_nhwc }
        var source = DNNL.descriptor(sourceDims, tag)
        var destination = DNNL.descriptor(destinationDims, tag)
        var weight = DNNL.descriptor(weightDims, dnnl_format_tag_any)
        let bias = DNNL.descriptor([kernel.outChannels], dnnl_x)
        let strides = [Int64(kernel.stride.0), Int64(kernel.stride.1)]
        // oneDNN counts dilation from 0 (no gaps), PyTorch from 1.
        let dilates = [Int64(kernel.dilation.0 - 1), Int64(kernel.dilation.1 - 1)]
        let pads = [Int64(kernel.padding.0), Int64(kernel.padding.1)]
        var convolution = dnnl_convolution_desc_t()
        var pd: dnnl_primitive_desc_t?
        switch direction {
        case .forward(let hasBias):
            DNNL.check(withUnsafePointer(to: bias) { bias in
                dnnl_dilated_convolution_forward_desc_init(&convolution, dnnl_forward_inference, dnnl_convolution_direct, &source, &weight,
                                                           hasBias ? bias : nil, &destination, strides, dilates, pads, pads)
            }, "describing a convolution \(sourceDims) -> \(destinationDims)")
            DNNL.check(dnnl_primitive_desc_create(&pd, &convolution, attr, DNNL.engine, nil), "choosing a convolution")
            return Choice(pd: pd!, input: (Int32(CDNNL_ARG_SRC), dnnl_query_src_md), output: (Int32(CDNNL_ARG_DST), dnnl_query_dst_md),
                          weightDims: weightDims, weight: kernel.weight)
        case .backward:
            // oneDNN picks a backward kernel to match a forward one: describe that forward first.
            var forward = dnnl_convolution_desc_t()
            var hint: dnnl_primitive_desc_t?
            DNNL.check(dnnl_dilated_convolution_forward_desc_init(&forward, dnnl_forward_training, dnnl_convolution_direct,
                                                                  &source, &weight, nil, &destination, strides, dilates, pads, pads),
                       "describing a convolution \(sourceDims) -> \(destinationDims)")
            DNNL.check(dnnl_primitive_desc_create(&hint, &forward, nil, DNNL.engine, nil), "choosing a convolution")
            defer { dnnl_primitive_desc_destroy(hint) }
            DNNL.check(dnnl_dilated_convolution_backward_data_desc_init(&convolution, dnnl_convolution_direct,
                                                                        &source, &weight, &destination, strides, dilates, pads, pads),
                       "describing a convolution gradient \(destinationDims) -> \(sourceDims)")
            DNNL.check(dnnl_primitive_desc_create(&pd, &convolution, attr, DNNL.engine, hint), "choosing a convolution gradient")
            return Choice(pd: pd!, input: (Int32(CDNNL_ARG_DIFF_DST), dnnl_query_diff_dst_md),
                          output: (Int32(CDNNL_ARG_DIFF_SRC), dnnl_query_diff_src_md), weightDims: weightDims, weight: kernel.weight)
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
                                 _ sourceDims: [Int], _ destinationDims: [Int], _ attr: dnnl_primitive_attr_t) -> Choice? {
        let (kh, kw) = kernel.kernel
        guard kernel.stride == (1, 1), kernel.dilation == (1, 1) else { return nil }
        let from: [Int], to: [Int], weightDims: [Int], weight: [Float], padding: (Int, Int), hasBias: Bool
        switch direction {
        case .forward(let bias):
            (from, to, padding, hasBias) = (sourceDims, destinationDims, kernel.padding, bias)
            (weightDims, weight) = ([kernel.outChannels, kernel.inChannels, kh, kw], kernel.weight)
        case .backward:
            (from, to, padding, hasBias) = (destinationDims, sourceDims, (kh - 1 - kernel.padding.0, kw - 1 - kernel.padding.1), false)
            (weightDims, weight) = ([kernel.inChannels, kernel.outChannels, kh, kw], rotatedTranspose(kernel))
        }
        guard padding.0 >= 0, padding.1 >= 0 else { return nil }
        var source = DNNL.descriptor(from, dnnl_format_tag_any)
        var destination = DNNL.descriptor(to, dnnl_format_tag_any)
        var weights = DNNL.descriptor(weightDims, dnnl_format_tag_any)
        let bias = DNNL.descriptor([to[1]], dnnl_x)
        let pads = [Int64(padding.0), Int64(padding.1)]
        var convolution = dnnl_convolution_desc_t()
        var pd: dnnl_primitive_desc_t?
        let described = withUnsafePointer(to: bias) { bias in
            dnnl_convolution_forward_desc_init(&convolution, dnnl_forward_inference, dnnl_convolution_winograd, &source, &weights,
                                               hasBias ? bias : nil, &destination, [1, 1], pads, pads)
        }
        guard described == dnnl_success,
              dnnl_primitive_desc_create(&pd, &convolution, attr, DNNL.engine, nil) == dnnl_success, let pd else { return nil }
        return Choice(pd: pd, input: (Int32(CDNNL_ARG_SRC), dnnl_query_src_md), output: (Int32(CDNNL_ARG_DST), dnnl_query_dst_md),
                      weightDims: weightDims, weight: weight)
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

    /// Runs the plan on one block: `input` and `output` are `samples` NCHW samples each.
    func execute(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?) {
        let input = UnsafeMutableRawPointer(mutating: input), output = UnsafeMutableRawPointer(output)
        Scratch.withBytes(toInner == nil ? 0 : DNNL.bytes(innerInput)) { innerIn in
            Scratch.withBytes(fromInner == nil ? 0 : DNNL.bytes(innerOutput)) { innerOut in
                Scratch.withBytes(scratchpadBytes) { pad in
                    DNNL.withStream { stream in
                        let source = toInner == nil ? input : innerIn
                        let destination = fromInner == nil ? output : innerOut
                        toInner?.execute([(Int32(CDNNL_ARG_SRC), plainInput, input), (Int32(CDNNL_ARG_DST), innerInput, innerIn)],
                                         scratchpad: pad, on: stream)
                        var arguments = [(inputArgument, innerInput, source), (Int32(CDNNL_ARG_WEIGHTS), weightDescriptor, weights),
                                         (outputArgument, innerOutput, destination)]
                        if let bias { arguments.append((Int32(CDNNL_ARG_BIAS), biasDescriptor, UnsafeMutableRawPointer(mutating: bias))) }
                        primitive.execute(arguments, scratchpad: pad, on: stream)
                        fromInner?.execute([(Int32(CDNNL_ARG_SRC), innerOutput, innerOut), (Int32(CDNNL_ARG_DST), plainOutput, output)],
                                           scratchpad: pad, on: stream)
                    }
                }
            }
        }
    }
}
