/// The index arithmetic shared by Conv2d and ConvTranspose2d: a convolution that maps
/// [channels, height, width] to [*, outHeight, outWidth] with a kernel, stride, zero padding and
/// dilation, as PyTorch defines them. ConvTranspose2d is the adjoint of such a convolution, so one
/// `im2col` and one `col2im` serve both.
struct ConvGeometry: Sendable {
    let channels: Int, height: Int, width: Int
    let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)
    let outHeight: Int, outWidth: Int

    init(channels: Int, height: Int, width: Int,
         kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)) {
        self.channels = channels
        self.height = height
        self.width = width
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.outHeight = (height + 2 * padding.0 - dilation.0 * (kernel.0 - 1) - 1) / stride.0 + 1
        self.outWidth = (width + 2 * padding.1 - dilation.1 * (kernel.1 - 1) - 1) / stride.1 + 1
    }

    /// Rows of the column matrix: one per (channel, kernel row, kernel column).
    var patchSize: Int { channels * kernel.0 * kernel.1 }
    var inputPlane: Int { height * width }
    var outputPlane: Int { outHeight * outWidth }

    /// The output columns `ow` whose input column `ow * stride - padding + kj * dilation` lies
    /// inside the image, as a range, and that input column's offset at `ow = 0`. Splitting the
    /// row this way leaves the inner loops of im2col and col2im without a bounds test.
    @inline(__always)
    func validColumns(_ kj: Int) -> (range: Range<Int>, offset: Int) {
        let offset = kj * dilation.1 - padding.1
        let low = offset >= 0 ? 0 : (-offset + stride.1 - 1) / stride.1
        let last = width - 1 - offset
        let high = last < 0 ? 0 : min(outWidth, last / stride.1 + 1)
        return (min(low, high)..<high, offset)
    }

    /// Writes the patches of one sample `x` [channels, height, width] into columns
    /// `column ..< column + outputPlane` of `col` [patchSize, leading].
    func im2col(_ x: UnsafePointer<Float>, into col: UnsafeMutablePointer<Float>, leading: Int, column: Int) {
        let (kh, kw) = kernel
        let sw = stride.1
        for c in 0..<channels {
            let plane = x + c * inputPlane
            for ki in 0..<kh {
                for kj in 0..<kw {
                    let row = col + ((c * kh + ki) * kw + kj) * leading + column
                    let (valid, offset) = validColumns(kj)
                    for oh in 0..<outHeight {
                        let ih = oh * stride.0 - padding.0 + ki * dilation.0
                        let dst = row + oh * outWidth
                        guard ih >= 0 && ih < height, !valid.isEmpty else {
                            dst.update(repeating: 0, count: outWidth)
                            continue
                        }
                        if valid.lowerBound > 0 { dst.update(repeating: 0, count: valid.lowerBound) }
                        if valid.upperBound < outWidth { (dst + valid.upperBound).update(repeating: 0, count: outWidth - valid.upperBound) }
                        let src = plane + ih * width + offset
                        if sw == 1 {
                            (dst + valid.lowerBound).update(from: src + valid.lowerBound, count: valid.count)
                        } else {
                            for ow in valid { dst[ow] = src[ow * sw] }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of `im2col`: adds columns `column ..< column + outputPlane` of `col` back into
    /// one sample `x` [channels, height, width], which the caller has zeroed.
    func col2im(_ col: UnsafePointer<Float>, leading: Int, column: Int, into x: UnsafeMutablePointer<Float>) {
        let (kh, kw) = kernel
        let sw = stride.1
        for c in 0..<channels {
            let plane = x + c * inputPlane
            for ki in 0..<kh {
                for kj in 0..<kw {
                    let row = col + ((c * kh + ki) * kw + kj) * leading + column
                    let (valid, offset) = validColumns(kj)
                    guard !valid.isEmpty else { continue }
                    for oh in 0..<outHeight {
                        let ih = oh * stride.0 - padding.0 + ki * dilation.0
                        guard ih >= 0 && ih < height else { continue }
                        let src = row + oh * outWidth
                        let dst = plane + ih * width + offset
                        if sw == 1 {
                            addRow(dst + valid.lowerBound, src + valid.lowerBound, count: valid.count)
                        } else {
                            for ow in valid { dst[ow * sw] += src[ow] }
                        }
                    }
                }
            }
        }
    }

    /// Samples per GEMM: enough columns to keep the GEMM efficient on small late-layer planes,
    /// few enough to keep the column buffer small and to give every thread blocks to take (256
    /// columns run OpenBLAS's SGEMM as fast as 1024 on these shapes, and a batch of 8 through a
    /// 4x4 layer is then no longer one block on one thread). Blocks sized by work instead (so
    /// that LeNet's 6-channel first layer gets several samples per GEMM) measured twice as slow
    /// there: OpenBLAS's small-matrix kernels stop applying. Depends only on the geometry, never
    /// on the thread count, so results are the same with any number of threads.
    func samplesPerBlock(columns: Int = 256) -> Int {
        max(1, columns / max(1, outputPlane))
    }
}

/// Copies samples `range` of an NCHW-like tensor (channels x plane per sample) into a matrix
/// [channels, range.count * plane], sample-major within each row.
func gatherChannelMajor(_ src: UnsafePointer<Float>, range: Range<Int>, channels: Int, plane: Int,
                        into dst: UnsafeMutablePointer<Float>) {
    let leading = range.count * plane
    for (s, n) in range.enumerated() {
        for c in 0..<channels {
            (dst + c * leading + s * plane).update(from: src + (n * channels + c) * plane, count: plane)
        }
    }
}

/// The inverse of `gatherChannelMajor`, adding a per-channel bias on the way when given.
func scatterChannelMajor(_ src: UnsafePointer<Float>, range: Range<Int>, channels: Int, plane: Int,
                         bias: UnsafeBufferPointer<Float>?, into dst: UnsafeMutablePointer<Float>) {
    let leading = range.count * plane
    for (s, n) in range.enumerated() {
        for c in 0..<channels {
            let out = dst + (n * channels + c) * plane
            let from = src + c * leading + s * plane
            if let bias {
                let b = bias[c]
                for p in 0..<plane { out[p] = from[p] + b }
            } else {
                out.update(from: from, count: plane)
            }
        }
    }
}

/// dst[i] += src[i] for i < count, eight lanes at a time: the compiler cannot prove that the
/// two rows do not overlap, so it leaves the plain loop scalar.
@inline(__always)
func addRow(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
        let sum = UnsafeRawPointer(dst + i).loadUnaligned(as: SIMD8<Float>.self)
            + UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(dst + i).storeBytes(of: sum, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        dst[i] += src[i]
        i += 1
    }
}

/// Adds `bias[c]` to every value of channel plane `c` of one sample [channels, plane].
func addChannelBias(_ bias: UnsafeBufferPointer<Float>, to sample: UnsafeMutablePointer<Float>, plane: Int) {
    for c in bias.indices {
        let values = sample + c * plane, b = bias[c]
        for p in 0..<plane { values[p] += b }
    }
}

extension Optional where Wrapped == [Float] {
    /// The array's buffer, or nil, for kernels that take an optional bias.
    func withUnsafeOptionalBuffer<R>(_ body: (UnsafeBufferPointer<Float>?) -> R) -> R {
        switch self {
        case .some(let array): array.withUnsafeBufferPointer { body($0) }
        case .none: body(nil)
        }
    }
}

/// Reads a pair attribute such as `stride` as a tuple.
typealias Pair = (Int, Int)
