import CDNNL

/// One oneDNN convolution primitive for a fixed direction, number of samples and input plane:
/// the weights already in the primitive's layout, and the reorders between the engine's NCHW
/// and the layouts the primitive chose for its input and output (absent where they agree).
final class ConvolutionPlan: @unchecked Sendable {
    let samples: Int
    private let primitive: DNNLPrimitive
    private let toInner: DNNLPrimitive?, fromInner: DNNLPrimitive?
    private let inputArgument: Int32, outputArgument: Int32
    private let plainInput: dnnl_memory_desc_t, plainOutput: dnnl_memory_desc_t
    private let innerInput: dnnl_memory_desc_t, innerOutput: dnnl_memory_desc_t
    private let weightDescriptor: dnnl_memory_desc_t, biasDescriptor: dnnl_memory_desc_t
    private let weights: UnsafeMutableRawPointer
    private let scratchpadBytes: Int

    init(_ kernel: ConvolutionKernel, direction: ConvolutionKernel.Direction, samples: Int, height: Int, width: Int) {
        self.samples = samples
        let (oh, ow) = kernel.outputPlane(height: height, width: width)
        let sourceDims = [samples, kernel.inChannels, height, width]
        let destinationDims = [samples, kernel.outChannels, oh, ow]
        let weightDims = [kernel.outChannels, kernel.inChannels, kernel.kernel.0, kernel.kernel.1]
        // oneDNN's channel-blocked layouts pad the channels to blocks of 16. A gradient into
        // fewer input channels than that (a first layer's 3) then spends most of its time on
        // padding: channels-last took a third of the time for LeNet's first layer and less for
        // DCGAN's last. Otherwise the primitive picks.
        var tag = dnnl_format_tag_any
        if case .backward = direction, kernel.inChannels < 16 { tag = dnnl_nhwc }
        var source = DNNL.descriptor(sourceDims, tag)
        var destination = DNNL.descriptor(destinationDims, tag)
        var weight = DNNL.descriptor(weightDims, dnnl_format_tag_any)
        var bias = DNNL.descriptor([kernel.outChannels], dnnl_x)
        biasDescriptor = bias
        let strides = [Int64(kernel.stride.0), Int64(kernel.stride.1)]
        // oneDNN counts dilation from 0 (no gaps), PyTorch from 1.
        let dilates = [Int64(kernel.dilation.0 - 1), Int64(kernel.dilation.1 - 1)]
        let pads = [Int64(kernel.padding.0), Int64(kernel.padding.1)]
        let attr = DNNL.userScratchpadAttributes()
        defer { dnnl_primitive_attr_destroy(attr) }
        var convolution = dnnl_convolution_desc_t()
        var pd: dnnl_primitive_desc_t?
        switch direction {
        case .forward(let hasBias):
            DNNL.check(hasBias
                ? dnnl_dilated_convolution_forward_desc_init(&convolution, dnnl_forward_inference, dnnl_convolution_direct,
                                                             &source, &weight, &bias, &destination, strides, dilates, pads, pads)
                : dnnl_dilated_convolution_forward_desc_init(&convolution, dnnl_forward_inference, dnnl_convolution_direct,
                                                             &source, &weight, nil, &destination, strides, dilates, pads, pads),
                "describing a convolution \(sourceDims) -> \(destinationDims)")
            DNNL.check(dnnl_primitive_desc_create(&pd, &convolution, attr, DNNL.engine, nil), "choosing a convolution")
            (inputArgument, outputArgument) = (Int32(CDNNL_ARG_SRC), Int32(CDNNL_ARG_DST))
            (plainInput, plainOutput) = (DNNL.descriptor(sourceDims, dnnl_nchw), DNNL.descriptor(destinationDims, dnnl_nchw))
            (innerInput, innerOutput) = (DNNL.query(pd!, dnnl_query_src_md), DNNL.query(pd!, dnnl_query_dst_md))
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
            (inputArgument, outputArgument) = (Int32(CDNNL_ARG_DIFF_DST), Int32(CDNNL_ARG_DIFF_SRC))
            (plainInput, plainOutput) = (DNNL.descriptor(destinationDims, dnnl_nchw), DNNL.descriptor(sourceDims, dnnl_nchw))
            (innerInput, innerOutput) = (DNNL.query(pd!, dnnl_query_diff_dst_md), DNNL.query(pd!, dnnl_query_diff_src_md))
        }
        weightDescriptor = DNNL.query(pd!, dnnl_query_weights_md)
        primitive = DNNLPrimitive(pd!)
        toInner = DNNL.same(plainInput, innerInput) ? nil : DNNLPrimitive(reorderFrom: plainInput, to: innerInput)
        fromInner = DNNL.same(plainOutput, innerOutput) ? nil : DNNLPrimitive(reorderFrom: innerOutput, to: plainOutput)

        // The weights, reordered once into the primitive's layout.
        let plainWeights = DNNL.descriptor(weightDims, dnnl_oihw)
        let weightReorder = DNNLPrimitive(reorderFrom: plainWeights, to: weightDescriptor)
        scratchpadBytes = [primitive, toInner, fromInner, weightReorder].compactMap { $0?.scratchpadBytes }.max() ?? 0
        weights = UnsafeMutableRawPointer.allocate(byteCount: max(1, DNNL.bytes(weightDescriptor)), alignment: 64)
        kernel.weight.withUnsafeBytes { plain in
            Scratch.withBytes(scratchpadBytes) { pad in
                DNNL.withStream { stream in
                    weightReorder.execute([(Int32(CDNNL_ARG_SRC), plainWeights, UnsafeMutableRawPointer(mutating: plain.baseAddress!)),
                                           (Int32(CDNNL_ARG_DST), weightDescriptor, weights)], scratchpad: pad, on: stream)
                }
            }
        }
    }

    deinit { weights.deallocate() }

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
