/// Read-only views of operations that certified robustness bounds need: the magnitude of a
/// linear layer (for interval propagation) and the windows of a max pooling (for its linear
/// relaxation). They live here so that the bounds never take a network apart themselves.
extension Graph {
    /// The map `r -> |A| r` of a unary linear operation `y = A x + b` (every weight replaced by
    /// its absolute value, no constant term), or nil for an operation that is not one.
    /// For |d| <= r elementwise, |A d| <= |A| r elementwise: a box of half-widths r around a
    /// centre maps into a box of half-widths |A| r around the image of the centre.
    public static func magnitude(of operation: any NetworkOperation) -> (any NetworkOperation)? {
        switch operation {
        case let op as Linear:
            return Linear(weight: op.weight.map(abs), bias: nil, inFeatures: op.inFeatures, outFeatures: op.outFeatures)
        case let op as Conv2d:
            return Conv2d(weight: op.weight.map(abs), bias: nil, inChannels: op.inChannels, outChannels: op.outChannels,
                          kernel: op.kernel, stride: op.stride, padding: op.padding, dilation: op.dilation)
        case let op as ConvTranspose2d:
            return ConvTranspose2d(weight: op.weight.map(abs), bias: nil, inChannels: op.inChannels, outChannels: op.outChannels,
                                   kernel: op.kernel, stride: op.stride, padding: op.padding, outputPadding: op.outputPadding,
                                   dilation: op.dilation)
        case let op as ChannelAffine:
            return ChannelAffine(kind: op.kind, scale: op.scale.map(abs), shift: op.scale.map { _ in 0 })
        // Averages, bilinear weights and reshapes are already non-negative and have no constant.
        case is AvgPool2d, is ResizeBilinear, is Reshape:
            return operation
        default:
            return nil
        }
    }
}

extension MaxPool2d {
    /// For each output position of one channel plane of size `height` x `width` (row-major), the
    /// in-plane indices of the inputs its window covers (padding left out).
    public func windows(height: Int, width: Int) -> [[Int]] {
        let (oh, ow) = pool.outputSize(height, width)
        var windows = [[Int]]()
        windows.reserveCapacity(oh * ow)
        for i in 0..<oh {
            for j in 0..<ow {
                let (h0, h1, w0, w1, _) = pool.window(i, j, height, width)
                var window = [Int]()
                for r in h0..<h1 { for s in w0..<w1 { window.append(r * width + s) } }
                windows.append(window)
            }
        }
        return windows
    }
}
