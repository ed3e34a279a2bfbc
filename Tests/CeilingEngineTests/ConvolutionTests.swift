import Testing
@testable import CeilingEngine

/// Conv2d and ConvTranspose2d against a direct sum in Double: small and large planes, dilation,
/// asymmetric kernels, padding beyond the kernel, and blocks of one and of several samples.
@Suite("Convolution against a direct sum")
struct ConvolutionTests {
    struct Case: CustomStringConvertible, Sendable {
        let batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int
        let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)
        var description: String { "\(batch)x\(inChannels)x\(height)x\(width) -> \(outChannels) k\(kernel) s\(stride) p\(padding) d\(dilation)" }
    }

    static let cases = [
        Case(batch: 3, inChannels: 5, outChannels: 7, height: 6, width: 5, kernel: (3, 3), stride: (1, 1), padding: (1, 1), dilation: (1, 1)),
        Case(batch: 2, inChannels: 3, outChannels: 4, height: 34, width: 33, kernel: (3, 2), stride: (1, 1), padding: (2, 0), dilation: (2, 1)),
        // Tiny work per sample: blocks of several samples.
        Case(batch: 9, inChannels: 2, outChannels: 3, height: 9, width: 8, kernel: (3, 3), stride: (2, 2), padding: (1, 1), dilation: (1, 1)),
        Case(batch: 2, inChannels: 4, outChannels: 2, height: 12, width: 10, kernel: (2, 2), stride: (1, 1), padding: (2, 2), dilation: (1, 1)),
        // Winograd, forward and backward (see winogradRunsWhereItPays).
        Case(batch: 2, inChannels: 32, outChannels: 40, height: 9, width: 8, kernel: (3, 3), stride: (1, 1), padding: (1, 1), dilation: (1, 1)),
    ]

    /// Calls `body(x index, w index, y index)` for every product w[o, c, a, b] x[n, c, i*s - p + a*d,
    /// j*s - p + b*d] of y[n, o, i, j], flat NCHW / OIHW indices.
    static func forEachTerm(_ c: Case, outHeight oh: Int, outWidth ow: Int, _ body: (Int, Int, Int) -> Void) {
        for n in 0..<c.batch {
            for o in 0..<c.outChannels {
                for i in 0..<oh {
                    for j in 0..<ow {
                        for ch in 0..<c.inChannels {
                            for a in 0..<c.kernel.0 {
                                for b in 0..<c.kernel.1 {
                                    let r = i * c.stride.0 - c.padding.0 + a * c.dilation.0
                                    let s = j * c.stride.1 - c.padding.1 + b * c.dilation.1
                                    guard r >= 0, r < c.height, s >= 0, s < c.width else { continue }
                                    body(((n * c.inChannels + ch) * c.height + r) * c.width + s,
                                         ((o * c.inChannels + ch) * c.kernel.0 + a) * c.kernel.1 + b,
                                         ((n * c.outChannels + o) * oh + i) * ow + j)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// y = conv(x), summed in Double.
    static func direct(_ c: Case, _ w: [Float], _ x: [Float], outHeight oh: Int, outWidth ow: Int) -> [Double] {
        var y = [Double](repeating: 0, count: c.batch * c.outChannels * oh * ow)
        forEachTerm(c, outHeight: oh, outWidth: ow) { xi, wi, yi in y[yi] += Double(w[wi]) * Double(x[xi]) }
        return y
    }

    /// The adjoint of `direct` applied to `u`, the same products summed into the input.
    static func directAdjoint(_ c: Case, _ w: [Float], _ u: [Float], outHeight oh: Int, outWidth ow: Int) -> [Double] {
        var dx = [Double](repeating: 0, count: c.batch * c.inChannels * c.height * c.width)
        forEachTerm(c, outHeight: oh, outWidth: ow) { xi, wi, yi in dx[xi] += Double(w[wi]) * Double(u[yi]) }
        return dx
    }

    static func expectClose(_ a: [Float], _ b: [Double], _ what: String) {
        let scale = max(1e-3, b.map(abs).max() ?? 0)
        let worst = zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(a.count == b.count)
        #expect(worst / scale < 1e-5, "\(what): max |difference| / max |reference| = \(worst / scale)")
    }

    @Test(arguments: cases)
    func conv2dMatches(_ c: Case) {
        let w = randomValues(c.outChannels * c.inChannels * c.kernel.0 * c.kernel.1, seed: 1)
        let bias = randomValues(c.outChannels, seed: 2)
        let x = randomTensor([c.batch, c.inChannels, c.height, c.width], seed: 3)
        let conv = Conv2d(weight: w, bias: bias, inChannels: c.inChannels, outChannels: c.outChannels,
                          kernel: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation)
        let y = conv.forward([x])
        let (oh, ow) = (y.shape[2], y.shape[3])
        let plain = Self.direct(c, w, x.data, outHeight: oh, outWidth: ow)
        let plane = oh * ow
        Self.expectClose(y.data, plain.enumerated().map { $1 + Double(bias[($0 / plane) % c.outChannels]) }, "forward")

        let u = randomTensor(y.shape, seed: 4)
        let gradient = conv.vjp(u, inputs: [x], output: y)[0]
        let expected = Self.directAdjoint(c, w, u.data, outHeight: oh, outWidth: ow)
        Self.expectClose(gradient.data, expected, "input gradient")
    }

    /// The Winograd case runs Winograd both ways (else the tests above would not cover it); too
    /// few channels or too small a plane keep the direct kernels.
    @Test func winogradRunsWhereItPays() {
        func kernel(_ c: Case) -> ConvolutionKernel {
            ConvolutionKernel(weight: randomValues(c.outChannels * c.inChannels * 9, seed: 1), inChannels: c.inChannels,
                              outChannels: c.outChannels, kernel: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation)
        }
        let winograd = kernel(Self.cases[4])
        #expect(winograd.runsWinograd(.forward(bias: true), samples: 2, height: 9, width: 8))
        #expect(winograd.runsWinograd(.backward(bias: false), samples: 2, height: 9, width: 8))
        #expect(!winograd.runsWinograd(.forward(bias: true), samples: 2, height: 7, width: 8))
        #expect(!kernel(Self.cases[0]).runsWinograd(.forward(bias: true), samples: 3, height: 6, width: 5))
    }

    @Test(arguments: cases)
    func convTranspose2dIsTheAdjoint(_ c: Case) {
        // ConvTranspose2d with weight [in_t = out, out_t = in, kh, kw] maps y back to x.
        let w = randomValues(c.outChannels * c.inChannels * c.kernel.0 * c.kernel.1, seed: 5)
        let conv = Conv2d(weight: w, bias: nil, inChannels: c.inChannels, outChannels: c.outChannels,
                          kernel: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation)
        let x = randomTensor([c.batch, c.inChannels, c.height, c.width], seed: 6)
        let y = conv.forward([x])
        let extra = (c.height + 2 * c.padding.0 - c.dilation.0 * (c.kernel.0 - 1) - 1) % c.stride.0
        let extraW = (c.width + 2 * c.padding.1 - c.dilation.1 * (c.kernel.1 - 1) - 1) % c.stride.1
        let transposed = ConvTranspose2d(weight: w, bias: nil, inChannels: c.outChannels, outChannels: c.inChannels, kernel: c.kernel,
                                         stride: c.stride, padding: c.padding, outputPadding: (extra, extraW), dilation: c.dilation)
        let u = randomTensor(y.shape, seed: 7)
        let back = transposed.forward([u])
        #expect(back.shape == x.shape)
        Self.expectClose(back.data, conv.vjp(u, inputs: [x], output: y)[0].data.map(Double.init), "transposed forward")
        Self.expectClose(transposed.vjp(x, inputs: [u], output: back)[0].data, y.data.map(Double.init), "transposed gradient")
    }
}
