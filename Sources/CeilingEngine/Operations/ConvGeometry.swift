/// The shape arithmetic shared by Conv2d and ConvTranspose2d: a convolution that maps
/// [channels, height, width] to [*, outHeight, outWidth] with a kernel, stride, zero padding and
/// dilation, as PyTorch defines them.
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

    var inputPlane: Int { height * width }
    var outputPlane: Int { outHeight * outWidth }
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
