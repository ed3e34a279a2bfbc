/// Bilinear resize with `align_corners=False`, as `F.interpolate(mode="bilinear")` computes it
/// when given an output size: source coordinate `(dst + 0.5) * in / out - 0.5`, clamped at 0.
public struct ResizeBilinear: LinearOperation {
    public let kind = "resize_bilinear"
    public let size: (Int, Int)
    public init(size: (Int, Int)) { self.size = size }

    public func outputShape(for inputShapes: [[Int]]) throws(ShapeError) -> [Int] {
        let shape = try singleInput(inputShapes, rank: 3, kind)
        guard size.0 > 0 && size.1 > 0 else { throw ShapeError("resize_bilinear size must be positive, got \(size)") }
        return [shape[0], size.0, size.1]
    }

    /// For each output coordinate: the two source indices and the weight of the second.
    private static func taps(input: Int, output: Int) -> [(Int, Int, Float)] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { d in
            let src = max((Float(d) + 0.5) * scale - 0.5, 0)
            let i0 = min(Int(src), input - 1)
            let i1 = min(i0 + 1, input - 1)
            return (i0, i1, src - Float(i0))
        }
    }

    /// Visits each (input offset, output offset, weight) of one channel plane.
    private func forEachWeight(_ h: Int, _ w: Int, _ visit: (Int, Int, Float) -> Void) {
        let rows = Self.taps(input: h, output: size.0), cols = Self.taps(input: w, output: size.1)
        for (i, (r0, r1, lr)) in rows.enumerated() {
            for (j, (c0, c1, lc)) in cols.enumerated() {
                let o = i * size.1 + j
                visit(r0 * w + c0, o, (1 - lr) * (1 - lc))
                visit(r0 * w + c1, o, (1 - lr) * lc)
                visit(r1 * w + c0, o, lr * (1 - lc))
                visit(r1 * w + c1, o, lr * lc)
            }
        }
    }

    public func forward(_ inputs: [Tensor]) -> Tensor { linearPart(inputs[0]) }

    func linearPart(_ x: Tensor) -> Tensor {
        let (c, h, w) = (x.shape[1], x.shape[2], x.shape[3])
        var y = Tensor(zeros: [x.batch, c, size.0, size.1])
        let inPlane = h * w, outPlane = size.0 * size.1
        y.data.withUnsafeMutableBufferPointer { out in
            x.data.withUnsafeBufferPointer { xs in
                for p in 0..<(x.batch * c) {
                    let xi = p * inPlane, yo = p * outPlane
                    forEachWeight(h, w) { i, o, wgt in out[yo + o] += wgt * xs[xi + i] }
                }
            }
        }
        return y
    }

    public func vjp(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] {
        let (c, h, w) = (inputs[0].shape[1], inputs[0].shape[2], inputs[0].shape[3])
        var grad = Tensor(zeros: [cotangent.batch, c, h, w])
        let inPlane = h * w, outPlane = size.0 * size.1
        grad.data.withUnsafeMutableBufferPointer { g in
            cotangent.data.withUnsafeBufferPointer { cot in
                for p in 0..<(cotangent.batch * c) {
                    let gi = p * inPlane, co = p * outPlane
                    forEachWeight(h, w) { i, o, wgt in g[gi + i] += wgt * cot[co + o] }
                }
            }
        }
        return [grad]
    }
}
