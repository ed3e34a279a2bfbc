import Foundation
import Testing
@testable import CeilingEngine

/// The SIMD e^x and tanh against libm in Double, in units in the last place of the Float result.
@Suite("Vector math")
struct VectorMathTests {
    /// The largest error in ulps of `f` against `reference` on `xs`.
    static func worstULPs(_ xs: [Float], _ f: (SIMD16<Float>) -> SIMD16<Float>, _ reference: (Double) -> Double) -> Double {
        var worst = 0.0
        for start in stride(from: 0, to: xs.count, by: 16) {
            var lanes = SIMD16<Float>.zero
            for k in 0..<16 { lanes[k] = xs[min(start + k, xs.count - 1)] }
            let values = f(lanes)
            for k in 0..<16 {
                let exact = reference(Double(lanes[k]))
                worst = max(worst, abs(Double(values[k]) - exact) / Double(Float(exact).ulp))
            }
        }
        return worst
    }

    static let grid: [Float] = (-240_000...240_000).map { Float($0) / 20_000 }

    @Test func tanhIsWithinTwoULPs() {
        let small = (-300...300).map { Float(sign: $0 < 0 ? .minus : .plus, exponent: -abs($0) / 2, significand: 1.37) }
        #expect(Self.worstULPs(Self.grid + small + [1e30, -1e30, 20, -20], VectorMath.tanh, Foundation.tanh) <= 2)
        let special = VectorMath.tanh(SIMD16(.infinity, -.infinity, .nan, 0, -0.0, 0.55, -0.55, 9.5, 1, 1, 1, 1, 1, 1, 1, 1))
        #expect(special[0] == 1 && special[1] == -1 && special[2].isNaN)
        #expect(special[3] == 0 && special[3].sign == .plus && special[4] == 0 && special[4].sign == .minus)
        #expect(special[5] == -special[6] && special[7] == 1)
    }

    @Test func expIsWithinTwoULPs() {
        let xs = (-174_000...176_000).map { Float($0) / 2_000 }
        #expect(Self.worstULPs(xs, VectorMath.exp, Foundation.exp) <= 2)
    }
}
