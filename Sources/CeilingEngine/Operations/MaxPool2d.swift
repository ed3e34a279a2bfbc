/// `nn.MaxPool2d`. The backward pass and the JVP route each direction through the arg-max of the
/// forward window (first maximum, as PyTorch picks it).
public struct MaxPool2d: NetworkOperation {
    public let kind = "max_pool2d"
    let pool: PoolWindow
    public init(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)) {
        pool = PoolWindow(kernel: kernel, stride: stride, padding: padding)
    }

    public func outputShape(for inputShapes: [[Int]]) throws(ShapeError) -> [Int] {
        try pool.validate(singleInput(inputShapes, kind), kind)
    }

    /// Each output's maximum and, when `indices` is set, its index within the sample: the first
    /// maximum in row-major window order, or the first NaN, as PyTorch picks them. The forward
    /// pass leaves the indices out; that skips a third of the work in the vector loop.
    private func argmax(_ x: Tensor, indices: Bool) -> (values: Tensor, index: [Int32]) {
        let (c, h, w) = (x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = pool.outputSize(h, w)
        let planes = x.batch * c, inPlane = h * w, outPlane = oh * ow
        let interior = pool.interiorColumns(width: w, outWidth: ow)
        var index = [Int32](repeating: 0, count: indices ? planes * outPlane : 0)
        let values = Tensor(shape: [x.batch, c, oh, ow]) { out in
            nonisolated(unsafe) let out = out
            index.withUnsafeMutableBufferPointer { at in
                nonisolated(unsafe) let at = at
                x.data.withUnsafeBufferPointer { xs in
                    forEachBlock(total: planes, blockSize: max(1, (1 << 14) / inPlane)) { range in
                        for p in range {
                            let plane = xs.baseAddress! + p * inPlane, offset = Int32((p % c) * inPlane)
                            for i in 0..<oh {
                                let row = p * outPlane + i * ow
                                let (h0, h1, _, _, _) = pool.window(i, 0, h, w)
                                var j = 0
                                while j < ow {
                                    let lanes = min(8, ow - j), firstColumn = j * pool.stride.1 - pool.padding.1
                                    // The last group of a row may be short: its spare lanes read on
                                    // into the next row (never past the tensor) and are not stored.
                                    let lastRead = (h1 - 1) * w + firstColumn + 7 * pool.stride.1 + pool.kernel.1 - 1
                                    if interior.contains(j) && j + lanes <= interior.upperBound && lastRead < xs.count - p * inPlane {
                                        let (best, where_) = maxOfEight(plane, width: w, rows: h0..<h1, firstColumn: firstColumn, indices: indices)
                                        if lanes == 8 {
                                            UnsafeMutableRawPointer(out.baseAddress! + row + j).storeBytes(of: best, as: SIMD8<Float>.self)
                                            if indices {
                                                UnsafeMutableRawPointer(at.baseAddress! + row + j).storeBytes(of: where_ &+ offset, as: SIMD8<Int32>.self)
                                            }
                                        } else {
                                            for k in 0..<lanes { out[row + j + k] = best[k] }
                                            if indices { for k in 0..<lanes { at[row + j + k] = where_[k] &+ offset } }
                                        }
                                        j += lanes
                                    } else {
                                        let (_, _, w0, w1, _) = pool.window(i, j, h, w)
                                        let (best, where_) = maxOfWindow(plane, width: w, rows: h0..<h1, columns: w0..<w1)
                                        out[row + j] = best
                                        if indices { at[row + j] = Int32(where_) + offset }
                                        j += 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (values, index)
    }

    /// The maximum of one clipped window and its index in the plane.
    @inline(__always)
    private func maxOfWindow(_ plane: UnsafePointer<Float>, width: Int, rows: Range<Int>, columns: Range<Int>) -> (Float, Int) {
        var best = -Float.infinity, where_ = rows.lowerBound * width + columns.lowerBound
        for r in rows {
            for s in columns {
                let v = plane[r * width + s]
                if v > best || v.isNaN {
                    best = v
                    where_ = r * width + s
                    if v.isNaN { return (best, where_) }
                }
            }
        }
        return (best, where_)
    }

    /// The same for eight neighbouring windows that lie inside the image, their columns starting
    /// at `firstColumn` and every stride after it: one window element of all eight per step.
    /// Without `indices` the second result is left at the window's start.
    @inline(__always)
    private func maxOfEight(_ plane: UnsafePointer<Float>, width: Int, rows: Range<Int>, firstColumn: Int,
                            indices: Bool) -> (SIMD8<Float>, SIMD8<Int32>) {
        let sw = pool.stride.1
        let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) &* Int32(sw)
        var best = SIMD8<Float>(repeating: -.infinity)
        var where_ = Int32(rows.lowerBound * width + firstColumn) &+ lanes
        for r in rows {
            for kj in 0..<pool.kernel.1 {
                let start = r * width + firstColumn + kj
                let v = Self.load(plane + start, stride: sw)
                let take = ((v .> best) .| (v .!= v)) .& (best .== best)
                best.replace(with: v, where: take)
                if indices { where_.replace(with: Int32(start) &+ lanes, where: take) }
            }
        }
        return (best, where_)
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>, stride: Int) -> SIMD8<Float> {
        switch stride {
        case 1: return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
        case 2:
            // Two overlapping loads that end at the last element read, never past it.
            let a = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
            let b = UnsafeRawPointer(p + 7).loadUnaligned(as: SIMD8<Float>.self)
            return SIMD8(a[0], a[2], a[4], a[6], b[1], b[3], b[5], b[7])
        default: return SIMD8(p[0], p[stride], p[2 * stride], p[3 * stride], p[4 * stride], p[5 * stride], p[6 * stride], p[7 * stride])
        }
    }

    public func forward(_ inputs: [Tensor]) -> Tensor { argmax(inputs[0], indices: false).values }

    public func vjp(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] {
        let x = inputs[0]
        let index = argmax(x, indices: true).index
        let outSize = output.sampleSize, inSize = x.sampleSize, n = x.batch
        var grad = Tensor(zeros: [cotangent.batch] + x.sampleShape)
        grad.data.withUnsafeMutableBufferPointer { g in
            nonisolated(unsafe) let g = g
            cotangent.data.withUnsafeBufferPointer { cot in
                forEachBlock(total: cotangent.batch, blockSize: max(1, (1 << 14) / inSize)) { range in
                    for b in range {
                        let source = (b % n) * outSize, sample = g.baseAddress! + b * inSize
                        for k in 0..<outSize { sample[Int(index[source + k])] += cot[b * outSize + k] }
                    }
                }
            }
        }
        return [grad]
    }

    public func jvp(_ tangents: [Tensor], inputs: [Tensor], output: Tensor) -> Tensor {
        let x = inputs[0], t = tangents[0]
        let index = argmax(x, indices: true).index
        let outSize = output.sampleSize, inSize = x.sampleSize, n = x.batch
        return Tensor(shape: [t.batch] + output.sampleShape) { out in
            nonisolated(unsafe) let out = out
            t.data.withUnsafeBufferPointer { ts in
                forEachBlock(total: t.batch, blockSize: max(1, (1 << 14) / inSize)) { range in
                    for b in range {
                        let source = (b % n) * outSize, sample = ts.baseAddress! + b * inSize
                        for k in 0..<outSize { out[b * outSize + k] = sample[Int(index[source + k])] }
                    }
                }
            }
        }
    }
}
