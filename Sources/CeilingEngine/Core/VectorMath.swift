/// e^x and tanh on SIMD16 lanes, within a few units in the last place of Float. The scalar libm
/// tanh took a tenth of a DCGAN's generation time in its output layer.
enum VectorMath {
    /// e^x for x clamped to [-87, 88] (within Float's normal range): e^x = 2^k e^r with k the
    /// integer nearest x / ln 2 and |r| <= ln 2 / 2, e^r from its Taylor series to r^7 (the next
    /// term is below 6e-9 relative).
    @inline(__always)
    static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        // (pointwiseMin and pointwiseMax compile to a loop over the lanes; comparisons do not.)
        let x = x.replacing(with: 88, where: x .> 88).replacing(with: -87, where: x .< -87)
        // Adding 1.5 * 2^23 rounds to an integer, which then sits in the low mantissa bits.
        let shifter: Float = 12_582_912
        let shifted = x * 1.442_695_04 + shifter
        let k = shifted - shifter
        // ln 2 in two parts (the first exact in few bits), so that k * ln 2 loses nothing.
        let r = (x - k * 0.693_145_751_953_125) - k * 1.428_606_820_309_417_2e-6
        var p = r * (1.0 / 5040) + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let exponent = (unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(exponent, to: SIMD16<Float>.self)
    }

    /// tanh x: for |x| < 0.55 its Taylor series to x^19 (the next term is below 1e-8 relative
    /// there), else 1 - 2 / (e^2|x| + 1), which loses at most an ulp for results of 0.5 and more;
    /// the sign of x restored, NaN passed through.
    @inline(__always)
    static func tanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
        let a = unsafeBitCast(bits & 0x7FFF_FFFF, to: SIMD16<Float>.self)
        // tanh is 1 in Float from 9.1 on: capping the exponent at 40 changes nothing.
        let large = 1 - 2 / (exp((2 * a).replacing(with: 40, where: a .> 20)) + 1)
        let s = a * a
        // The coefficients of x^19, x^17, ..., x^3: -443861162/1856156927625, 6404582/10854718875,
        // -929569/638512875, 21844/6081075, -1382/155925, 62/2835, -17/315, 2/15, -1/3.
        var p = s * -2.391_291_142e-4 + 5.900_274_409e-4
        p = p * s - 1.455_834_387e-3
        p = p * s + 3.592_128_037e-3
        p = p * s - 8.863_235_530e-3
        p = p * s + 2.186_948_854e-2
        p = p * s - 5.396_825_397e-2
        p = p * s + 0.133_333_333_3
        p = p * s - 0.333_333_333_3
        let small = a + a * s * p
        let magnitude = large.replacing(with: small, where: a .< 0.55)
        let signed = unsafeBitCast(unsafeBitCast(magnitude, to: SIMD16<UInt32>.self) | (bits & 0x8000_0000), to: SIMD16<Float>.self)
        return signed.replacing(with: x, where: x .!= x)
    }
}
