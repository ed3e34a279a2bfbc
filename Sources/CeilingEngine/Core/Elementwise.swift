/// Elementwise loops written on SIMD16 values. The compiler leaves the plain loops over unsafe
/// pointers scalar: it cannot rule out that the output overlaps an input, and it will not load a
/// value that the scalar code only reads on one branch of a select.

/// out[i] = f(a[i], b[i], c[i]) for i < count.
@inline(__always)
func mapElements(_ count: Int, into out: UnsafeMutablePointer<Float>,
                 _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
                 _ f: (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>) {
    var i = 0
    while i + 16 <= count {
        let value = f(load(a + i), load(b + i), load(c + i))
        UnsafeMutableRawPointer(out + i).storeBytes(of: value, as: SIMD16<Float>.self)
        i += 16
    }
    guard i < count else { return }
    let rest = count - i
    let value = f(loadPartial(a + i, rest), loadPartial(b + i, rest), loadPartial(c + i, rest))
    for k in 0..<rest { out[i + k] = value[k] }
}

/// out[i] = f(a[i], b[i]) for i < count.
@inline(__always)
func mapElements(_ count: Int, into out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                 _ f: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>) {
    mapElements(count, into: out, a, b, b) { x, y, _ in f(x, y) }
}

/// out[i] = f(a[i]) for i < count.
@inline(__always)
func mapElements(_ count: Int, into out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>,
                 _ f: (SIMD16<Float>) -> SIMD16<Float>) {
    mapElements(count, into: out, a, a) { x, _ in f(x) }
}

@inline(__always)
private func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

/// The first `count` (< 16) values, zeros after them.
@inline(__always)
private func loadPartial(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD16<Float> {
    var value = SIMD16<Float>.zero
    for k in 0..<count { value[k] = p[k] }
    return value
}

/// a + b for two tensors of the same shape, in parallel chunks, in `a`'s layout.
func elementwiseSum(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.shape == b.shape, "adding tensors of shapes \(a.shape) and \(b.shape)")
    let b = b.inLayout(a.layout)
    return Tensor(shape: a.shape, layout: a.layout) { out in
        nonisolated(unsafe) let out = out
        a.data.withUnsafeBufferPointer { x in
            b.data.withUnsafeBufferPointer { y in
                forEachChunk(x.count) { range in
                    let i = range.lowerBound
                    mapElements(range.count, into: out.baseAddress! + i, x.baseAddress! + i, y.baseAddress! + i) { x, y in x + y }
                }
            }
        }
    }
}
