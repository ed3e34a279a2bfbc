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

    /// Writes the patches of one sample `x` [channels, height, width] into columns
    /// `column ..< column + outputPlane` of `col` [patchSize, leading].
    func im2col(_ x: UnsafePointer<Float>, into col: UnsafeMutablePointer<Float>, leading: Int, column: Int) {
        let (kh, kw) = kernel
        for c in 0..<channels {
            let plane = x + c * inputPlane
            for ki in 0..<kh {
                for kj in 0..<kw {
                    let row = col + ((c * kh + ki) * kw + kj) * leading + column
                    for oh in 0..<outHeight {
                        let ih = oh * stride.0 - padding.0 + ki * dilation.0
                        let dst = row + oh * outWidth
                        guard ih >= 0 && ih < height else {
                            dst.update(repeating: 0, count: outWidth)
                            continue
                        }
                        let src = plane + ih * width
                        var iw = kj * dilation.1 - padding.1
                        for ow in 0..<outWidth {
                            dst[ow] = (iw >= 0 && iw < width) ? src[iw] : 0
                            iw += stride.1
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
        for c in 0..<channels {
            let plane = x + c * inputPlane
            for ki in 0..<kh {
                for kj in 0..<kw {
                    let row = col + ((c * kh + ki) * kw + kj) * leading + column
                    for oh in 0..<outHeight {
                        let ih = oh * stride.0 - padding.0 + ki * dilation.0
                        guard ih >= 0 && ih < height else { continue }
                        let src = row + oh * outWidth
                        let dst = plane + ih * width
                        var iw = kj * dilation.1 - padding.1
                        for ow in 0..<outWidth {
                            if iw >= 0 && iw < width { dst[iw] += src[ow] }
                            iw += stride.1
                        }
                    }
                }
            }
        }
    }

    /// Samples per GEMM: enough columns to keep the GEMM efficient on small late-layer planes,
    /// few enough to keep the column buffer small. Depends only on the geometry, never on the
    /// thread count, so results are the same with any number of threads.
    func samplesPerBlock(columns: Int = 1024) -> Int {
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

/// Reads a pair attribute such as `stride` as a tuple.
typealias Pair = (Int, Int)
