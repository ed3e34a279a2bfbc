import CDNNL
import Foundation

/// How the values of an [N, C, H, W] tensor lie in memory. Outside a graph pass every tensor is
/// NCHW. Inside one, a convolution's output stays in the layout its oneDNN primitive wrote it in
/// (channels-last, or blocks of 16 channels), and the elementwise layers after it keep that
/// layout, so that the next convolution reads it without reordering: reorders to and from NCHW
/// took a quarter of oneDNN's time in a w16 ResNet's forward pass. Samples stay outermost and
/// no layout pads, so a block of samples is a contiguous range of values in every one.
@usableFromInline
enum TensorLayout: Hashable, Sendable {
    case nchw, nhwc, blocked16

    var tag: dnnl_format_tag_t {
        switch self {
        case .nchw: dnnl_nchw
        case .nhwc: dnnl_nhwc
        case .blocked16: dnnl_nChw16c
        }
    }

    /// The layouts a tensor of `channels` channels may take: blocks only of whole blocks.
    static func candidates(channels: Int) -> [TensorLayout] {
        channels % 16 == 0 ? [.nchw, .nhwc, .blocked16] : [.nchw, .nhwc]
    }

    /// The one of `candidates` that `descriptor` describes for `dims`, if any.
    static func of(_ descriptor: dnnl_memory_desc_t, dims: [Int]) -> TensorLayout? {
        candidates(channels: dims[1]).first { DNNL.same($0.descriptor(dims), descriptor) }
    }

    func descriptor(_ dims: [Int]) -> dnnl_memory_desc_t { DNNL.descriptor(dims, tag) }
}

extension Tensor {
    /// The tensor in NCHW: what every operation outside a graph pass reads and returns.
    var plain: Tensor { inLayout(.nchw) }

    /// The same tensor in `target` (an [N, C, H, W] tensor unless both layouts are NCHW).
    func inLayout(_ target: TensorLayout) -> Tensor {
        guard layout != target else { return self }
        let (c, h, w) = (shape[1], shape[2], shape[3])
        let size = sampleSize, block = max(1, (1 << 16) / size)
        let full = LayoutReorders.reorder(samples: block, c, h, w, from: layout, to: target)
        let last = batch % block == 0 ? full : LayoutReorders.reorder(samples: batch % block, c, h, w, from: layout, to: target)
        return Tensor(shape: shape, layout: target) { out in
            nonisolated(unsafe) let out = out
            data.withUnsafeBufferPointer { xs in
                forEachBlock(total: batch, blockSize: block) { range in
                    let reorder = range.count == block ? full : last
                    reorder.run(from: xs.baseAddress! + range.lowerBound * size, to: out.baseAddress! + range.lowerBound * size)
                }
            }
        }
    }
}

/// oneDNN reorders between layouts for a fixed number of samples of one shape, made once each.
final class LayoutReorders: @unchecked Sendable {
    private struct Key: Hashable {
        let samples: Int, channels: Int, height: Int, width: Int
        let from: TensorLayout, to: TensorLayout
    }
    nonisolated(unsafe) private static var made: [Key: LayoutReorders] = [:]
    private static let lock = NSLock()

    private let primitive: DNNLPrimitive
    private let source: dnnl_memory_desc_t, destination: dnnl_memory_desc_t

    private init(_ key: Key) {
        let dims = [key.samples, key.channels, key.height, key.width]
        (source, destination) = (key.from.descriptor(dims), key.to.descriptor(dims))
        DNNL.stayOnCallingThread()
        primitive = DNNLPrimitive(reorderFrom: source, to: destination)
    }

    static func reorder(samples: Int, _ channels: Int, _ height: Int, _ width: Int, from: TensorLayout, to: TensorLayout) -> LayoutReorders {
        let key = Key(samples: samples, channels: channels, height: height, width: width, from: from, to: to)
        lock.lock()
        defer { lock.unlock() }
        if let reorder = made[key] { return reorder }
        let reorder = LayoutReorders(key)
        made[key] = reorder
        return reorder
    }

    func run(from input: UnsafePointer<Float>, to output: UnsafeMutablePointer<Float>) {
        Scratch.withBytes(primitive.scratchpadBytes) { pad in
            DNNL.withStream { stream in
                primitive.execute([(Int32(CDNNL_ARG_SRC), source, UnsafeMutableRawPointer(mutating: input)),
                                   (Int32(CDNNL_ARG_DST), destination, UnsafeMutableRawPointer(output))], scratchpad: pad, on: stream)
            }
        }
    }
}
