/// The window arithmetic of MaxPool2d and AvgPool2d (floor mode, dilation 1, as in PyTorch).
struct PoolWindow: Sendable {
    let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)

    /// The output plane, nil when the size arithmetic overflows, sides of 0 when the window
    /// does not fit.
    func checkedOutputSize(_ h: Int, _ w: Int) -> (Int, Int)? {
        guard let oh = SizeArithmetic.windows(input: h, kernel: kernel.0, stride: stride.0, padding: padding.0),
              let ow = SizeArithmetic.windows(input: w, kernel: kernel.1, stride: stride.1, padding: padding.1) else { return nil }
        return (oh, ow)
    }

    /// `checkedOutputSize` for a pass on a plane the graph checked when it was built.
    func outputSize(_ h: Int, _ w: Int) -> (Int, Int) { checkedOutputSize(h, w)! }

    func validate(_ shape: [Int], _ kind: String) throws(ShapeError) -> [Int] {
        guard shape.count == 3 else {
            throw ShapeError("\(kind) expects [N, C, H, W] inputs")
        }
        guard kernel.0 >= 1 && kernel.1 >= 1 && stride.0 >= 1 && stride.1 >= 1 && padding.0 >= 0 && padding.1 >= 0 else {
            throw ShapeError("\(kind) needs a kernel and stride of at least 1 and a non-negative padding")
        }
        guard padding.0 <= kernel.0 / 2 && padding.1 <= kernel.1 / 2 else {
            throw ShapeError("\(kind) padding \(padding) must be at most half the kernel \(kernel)")
        }
        guard let (oh, ow) = checkedOutputSize(shape[1], shape[2]), oh > 0 && ow > 0 else {
            throw ShapeError("\(kind) window \(kernel) does not fit \(shape[1])x\(shape[2])")
        }
        return [shape[0], oh, ow]
    }

    /// The outputs `ow` whose whole window lies inside the image's columns (no padding, no clipping).
    func interiorColumns(width: Int, outWidth: Int) -> Range<Int> {
        let low = (padding.1 + stride.1 - 1) / stride.1
        let lastStart = width + padding.1 - kernel.1
        let high = lastStart < 0 ? 0 : min(outWidth, lastStart / stride.1 + 1)
        return min(low, high)..<max(low, high)
    }

    /// The clipped window of output (oh, ow): rows h0..<h1, columns w0..<w1, and the padded size.
    @inline(__always)
    func window(_ oh: Int, _ ow: Int, _ h: Int, _ w: Int) -> (Int, Int, Int, Int, Int) {
        let hs = oh * stride.0 - padding.0, ws = ow * stride.1 - padding.1
        let padded = (min(hs + kernel.0, h + padding.0) - hs) * (min(ws + kernel.1, w + padding.1) - ws)
        return (max(hs, 0), min(hs + kernel.0, h), max(ws, 0), min(ws + kernel.1, w), padded)
    }
}

/// `nn.AvgPool2d` (floor mode), and with a window the size of the input, the global average of
/// `nn.AdaptiveAvgPool2d((1, 1))`.
public struct AvgPool2d: LinearOperation {
    public let kind: String
    let pool: PoolWindow?
    let countIncludePad: Bool

    public init(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), countIncludePad: Bool) {
        kind = "avg_pool2d"
        pool = PoolWindow(kernel: kernel, stride: stride, padding: padding)
        self.countIncludePad = countIncludePad
    }

    /// The global average over each channel's plane.
    public static func global() -> AvgPool2d { AvgPool2d() }
    private init() {
        kind = "adaptive_avg_pool2d"
        pool = nil
        countIncludePad = true
    }

    private func window(for shape: [Int]) -> PoolWindow {
        pool ?? PoolWindow(kernel: (shape[shape.count - 2], shape[shape.count - 1]), stride: (1, 1), padding: (0, 0))
    }

    public func outputShape(for inputShapes: [[Int]]) throws(ShapeError) -> [Int] {
        let shape = try singleInput(inputShapes, rank: 3, kind)
        return try window(for: shape).validate(shape, kind)
    }

    public func forward(_ inputs: [Tensor]) -> Tensor { linearPart(inputs[0]) }

    /// Calls `visit(inputOffset, outputOffset, weight)` for every (input, output) pair of a sample
    /// plane set: the pooling matrix, shared by the map and its adjoint.
    private func forEachWeight(_ shape: [Int], _ visit: (Int, Int, Float) -> Void) {
        let (c, h, w) = (shape[1], shape[2], shape[3])
        let p = window(for: shape)
        let (oh, ow) = p.outputSize(h, w)
        for ch in 0..<c {
            for i in 0..<oh {
                for j in 0..<ow {
                    let (h0, h1, w0, w1, padded) = p.window(i, j, h, w)
                    let divisor = countIncludePad ? padded : (h1 - h0) * (w1 - w0)
                    let weight = 1 / Float(divisor)
                    let o = (ch * oh + i) * ow + j
                    for r in h0..<h1 { for s in w0..<w1 { visit(ch * h * w + r * w + s, o, weight) } }
                }
            }
        }
    }

    func linearPart(_ x: Tensor) -> Tensor {
        let outShape = [x.batch] + (try! window(for: x.shape).validate(x.sampleShape, kind))
        var y = Tensor(zeros: outShape)
        let inSize = x.sampleSize, outSize = y.sampleSize
        y.data.withUnsafeMutableBufferPointer { out in
            x.data.withUnsafeBufferPointer { xs in
                for n in 0..<x.batch {
                    let xi = n * inSize, yo = n * outSize
                    forEachWeight(x.shape) { i, o, wgt in out[yo + o] += wgt * xs[xi + i] }
                }
            }
        }
        return y
    }

    public func vjp(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] {
        let inShape = inputs[0].shape
        var grad = Tensor(zeros: [cotangent.batch] + inputs[0].sampleShape)
        let inSize = grad.sampleSize, outSize = cotangent.sampleSize
        grad.data.withUnsafeMutableBufferPointer { g in
            cotangent.data.withUnsafeBufferPointer { cot in
                for n in 0..<cotangent.batch {
                    let gi = n * inSize, co = n * outSize
                    forEachWeight(inShape) { i, o, wgt in g[gi + i] += wgt * cot[co + o] }
                }
            }
        }
        return [grad]
    }
}
