import Testing
@testable import CeilingEngine

/// MaxPool2d's vectorised row kernel against a plain scan of every window, on planes wide enough
/// for the eight-output path, with ties, -inf and NaN.
@Suite("Max pooling")
struct MaxPoolTests {
    struct Case: CustomStringConvertible, Sendable {
        let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), height: Int, width: Int
        var description: String { "k\(kernel) s\(stride) p\(padding) \(height)x\(width)" }
    }

    static let cases = [
        Case(kernel: (2, 2), stride: (2, 2), padding: (0, 0), height: 28, width: 28),
        Case(kernel: (3, 3), stride: (2, 2), padding: (1, 1), height: 19, width: 37),
        Case(kernel: (3, 2), stride: (1, 1), padding: (1, 1), height: 6, width: 21),
        Case(kernel: (3, 3), stride: (3, 3), padding: (0, 0), height: 9, width: 50),
        Case(kernel: (2, 4), stride: (1, 3), padding: (0, 2), height: 5, width: 40),
    ]

    /// First maximum in row-major window order; the first NaN wins outright.
    static func reference(_ x: [Float], _ c: Case) -> (values: [Float], index: [Int]) {
        let oh = (c.height + 2 * c.padding.0 - c.kernel.0) / c.stride.0 + 1
        let ow = (c.width + 2 * c.padding.1 - c.kernel.1) / c.stride.1 + 1
        var values = [Float](), index = [Int]()
        for i in 0..<oh {
            for j in 0..<ow {
                var best = -Float.infinity, at = -1
                for r in (i * c.stride.0 - c.padding.0)..<(i * c.stride.0 - c.padding.0 + c.kernel.0) where r >= 0 && r < c.height {
                    for s in (j * c.stride.1 - c.padding.1)..<(j * c.stride.1 - c.padding.1 + c.kernel.1) where s >= 0 && s < c.width {
                        let v = x[r * c.width + s]
                        if at < 0 { at = r * c.width + s }
                        if best.isNaN { continue }
                        if v > best || v.isNaN { best = v; at = r * c.width + s }
                    }
                }
                values.append(best)
                index.append(at)
            }
        }
        return (values, index)
    }

    @Test(arguments: cases)
    func matchesAPlainScan(_ c: Case) {
        var rng = SeededGenerator(seed: 11)
        // Few distinct values, so windows hold ties; a few -inf and NaN.
        var x = (0..<(c.height * c.width)).map { _ in Float(Int.random(in: 0..<4, using: &rng)) }
        for k in stride(from: 5, to: x.count, by: 17) { x[k] = -.infinity }
        for k in stride(from: 11, to: x.count, by: 53) { x[k] = .nan }
        let pool = MaxPool2d(kernel: c.kernel, stride: c.stride, padding: c.padding)
        let input = Tensor(shape: [1, 1, c.height, c.width], data: x)
        let output = pool.forward([input])
        let expected = Self.reference(x, c)
        #expect(output.data.count == expected.values.count)
        for (a, b) in zip(output.data, expected.values) {
            #expect(a == b || (a.isNaN && b.isNaN))
        }
        // The gradient lands where the arg-max is: a one-hot cotangent per output finds it.
        let ones = Tensor(shape: output.shape, data: [Float](repeating: 1, count: output.count))
        let grad = pool.vjp(ones, inputs: [input], output: output)[0]
        var counts = [Float](repeating: 0, count: x.count)
        for k in expected.index { counts[k] += 1 }
        #expect(grad.data == counts)
    }
}
