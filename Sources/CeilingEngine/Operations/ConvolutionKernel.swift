import CDNNL
import Foundation

/// A 2-D convolution with fixed weights [out, in, kh, kw], run forward (input to output) or
/// backward (output cotangent to input cotangent) through oneDNN. Conv2d uses it forward and its
/// gradient backward; ConvTranspose2d, being that gradient, uses it the other way round.
///
/// oneDNN's fast kernels want channel-blocked or channels-last layouts; each block of samples is
/// reordered from the layout it came in into the one the primitive chose, convolved, and left
/// in the primitive's output layout where that is a TensorLayout (the callers outside a graph
/// pass reorder it to NCHW). Blocks
/// are a fixed partition of the batch (by work per sample, never by thread count) and each runs
/// single-threaded on one engine thread, so results do not depend on the number of threads.
/// 3x3 stride-1 layers with enough channels run oneDNN's Winograd kernels (`winogradPays`).
final class ConvolutionKernel: @unchecked Sendable {
    let inChannels: Int, outChannels: Int
    let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)
    let weight: [Float]

    enum Direction: Hashable { case forward(bias: Bool), backward(bias: Bool) }

    private struct PlanKey: Hashable {
        let direction: Direction
        let samples: Int, height: Int, width: Int
        let outputLayout: TensorLayout?
    }

    private var plans: [PlanKey: ConvolutionPlan] = [:]
    private let lock = NSLock()

    /// Work per block: large enough to amortise a primitive call and its reorders (a few
    /// microseconds), small enough that a ResNet's 3x3 layers (5 to 75 MFLOP per sample) make one
    /// block per sample for the threads to share, even in a batch of 8.
    private static let flopsPerBlock = 4_000_000
    /// A plan is compiled for each block size a layer meets (the full block and the remainder of
    /// each batch size); capping the block bounds how many a tiny layer can collect.
    private static let maxSamplesPerBlock = 64

    init(weight: [Float], inChannels: Int, outChannels: Int,
         kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)) {
        self.weight = weight
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
    }

    /// The output plane of an input plane `height` x `width`, as PyTorch defines it (floor);
    /// nil when the size arithmetic overflows, sides of 0 when the kernel does not fit.
    func checkedOutputPlane(height: Int, width: Int) -> (height: Int, width: Int)? {
        guard let h = SizeArithmetic.windows(input: height, kernel: kernel.0, stride: stride.0, padding: padding.0, dilation: dilation.0),
              let w = SizeArithmetic.windows(input: width, kernel: kernel.1, stride: stride.1, padding: padding.1, dilation: dilation.1) else { return nil }
        return (h, w)
    }

    /// The input plane that `backward` gives for an output plane `height` x `width`: the smallest
    /// one mapping onto it, grown by `extra` rows and columns (`output_padding`; less than the
    /// stride, so the output plane stays the same). Nil when the size arithmetic overflows.
    func checkedInputPlane(height: Int, width: Int, extra: (Int, Int)) -> (height: Int, width: Int)? {
        guard let h = SizeArithmetic.transposed(input: height, kernel: kernel.0, stride: stride.0, padding: padding.0, dilation: dilation.0, extra: extra.0),
              let w = SizeArithmetic.transposed(input: width, kernel: kernel.1, stride: stride.1, padding: padding.1, dilation: dilation.1, extra: extra.1) else { return nil }
        return (h, w)
    }

    /// `checkedOutputPlane` for a pass on a plane the graph checked when it was built.
    func outputPlane(height: Int, width: Int) -> (height: Int, width: Int) {
        checkedOutputPlane(height: height, width: width)!
    }

    /// y = conv(x) (+ bias): x [N, in, H, W] -> [N, out, OH, OW], in `layout`, or with nil in
    /// the primitive's own (see TensorLayout).
    func forward(_ x: Tensor, bias: [Float]?, layout: TensorLayout?) -> Tensor {
        let (h, w) = (x.shape[2], x.shape[3])
        let (oh, ow) = outputPlane(height: h, width: w)
        return run(.forward(bias: bias != nil), x, outputShape: [x.batch, outChannels, oh, ow], height: h, width: w, bias: bias, layout: layout)
    }

    /// The adjoint of the linear part of `forward`: dy [N, out, OH, OW] -> dx [N, in, H, W] for
    /// an input plane `height` x `width` (which `dy`'s plane alone does not fix when the stride
    /// exceeds 1), plus a per-input-channel `bias` when given; in `layout` as for `forward`.
    func backward(_ dy: Tensor, height: Int, width: Int, bias: [Float]?, layout: TensorLayout?) -> Tensor {
        run(.backward(bias: bias != nil), dy, outputShape: [dy.batch, inChannels, height, width], height: height, width: width,
            bias: bias, layout: layout)
    }

    private func run(_ direction: Direction, _ input: Tensor, outputShape: [Int], height: Int, width: Int, bias: [Float]?,
                     layout required: TensorLayout?) -> Tensor {
        let batch = input.batch
        let (oh, ow) = outputPlane(height: height, width: width)
        let flopsPerSample = 2 * outChannels * inChannels * kernel.0 * kernel.1 * oh * ow
        let block = max(1, min(batch, Self.maxSamplesPerBlock, Self.flopsPerBlock / max(1, flopsPerSample)))
        let inputSize = input.sampleSize, layout = input.layout
        let outputSize = outputShape.dropFirst().reduce(1, *)
        // The plans for a full block and for the last, shorter one (writing the same layout),
        // made before the threads start.
        let full = plan(PlanKey(direction: direction, samples: block, height: height, width: width, outputLayout: required))
        let last = batch % block == 0 ? full
            : plan(PlanKey(direction: direction, samples: batch % block, height: height, width: width, outputLayout: full.outputLayout))
        return Tensor(shape: outputShape, layout: full.outputLayout) { out in
            nonisolated(unsafe) let out = out
            input.data.withUnsafeBufferPointer { xs in
                bias.withUnsafeOptionalBuffer { bias in
                    forEachBlock(total: batch, blockSize: block) { range in
                        (range.count == block ? full : last).execute(xs.baseAddress! + range.lowerBound * inputSize, layout: layout,
                                                                     out.baseAddress! + range.lowerBound * outputSize, bias: bias?.baseAddress)
                    }
                }
            }
        }
    }

    /// Whether a pass on an input plane `height` x `width` asks oneDNN for Winograd (it may still
    /// have none for the shape): for 3x3 stride-1 layers of at least 32 channels in and out on
    /// planes of at least 8x8. Below that, one-sample Winograd passes measured slower than direct
    /// ones on this project's AVX-512 machine (16 channels on 32x32: 0.9x forward, 0.8x
    /// backward; 256 channels on 4x4: 0.8x); at and above it, 1.2x to 2.4x faster. The choice
    /// depends on the shape alone, and so does the rounding.
    func winogradPays(height: Int, width: Int) -> Bool {
        let (oh, ow) = outputPlane(height: height, width: width)
        return kernel == (3, 3) && stride == (1, 1) && dilation == (1, 1)
            && min(inChannels, outChannels) >= 32 && min(height, width, oh, ow) >= 8
    }

    /// Whether the pass `direction` on `samples` samples of `height` x `width` runs Winograd.
    func runsWinograd(_ direction: Direction, samples: Int, height: Int, width: Int) -> Bool {
        plan(PlanKey(direction: direction, samples: samples, height: height, width: width, outputLayout: nil)).winograd
    }

    private func plan(_ key: PlanKey) -> ConvolutionPlan {
        lock.lock()
        defer { lock.unlock() }
        if let plan = plans[key] { return plan }
        let plan = ConvolutionPlan(self, direction: key.direction, samples: key.samples, height: key.height, width: key.width,
                                   winograd: winogradPays(height: key.height, width: key.width), outputLayout: key.outputLayout)
        plans[key] = plan
        return plan
    }
}

extension Optional where Wrapped == [Float] {
    /// The array's buffer, or nil, for kernels that take an optional bias.
    fileprivate func withUnsafeOptionalBuffer<R>(_ body: (UnsafeBufferPointer<Float>?) -> R) -> R {
        switch self {
        case .some(let array): array.withUnsafeBufferPointer { body($0) }
        case .none: body(nil)
        }
    }
}
