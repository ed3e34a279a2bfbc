import Foundation

/// A small, fast, seedable generator (SplitMix64) so that a `--seed` fixes every random draw,
/// on every platform and Swift version.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The generator of point `index` of a stage seeded with `seed`: its own stream, derived from
    /// (seed, index) alone, so that a point's draws do not depend on which other points are drawn
    /// or in which order (any split of a stage's index range gives the same values per point).
    public init(seed: UInt64, index: Int) {
        state = Self.mix(seed ^ 0xD1B5_4A32_D192_ED03 &+ Self.mix(UInt64(index) &+ 1))
    }

    /// The SplitMix64 finaliser: decorrelates nearby seeds.
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func next() -> UInt64 {
        defer { state &+= 0x9E37_79B9_7F4A_7C15 }
        return Self.mix(state)
    }

    /// A uniform draw in the open interval (0, 1).
    public mutating func uniformOpen() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1p-53
    }

    /// A standard normal draw (Box–Muller; one of the pair is discarded to keep the stream simple).
    public mutating func gaussian() -> Double {
        let u = uniformOpen(), v = uniformOpen()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// A tensor of independent standard normal values.
    public mutating func gaussianTensor(_ shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        var values = [Float]()
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(Float(gaussian())) }
        return Tensor(shape: shape, data: values)
    }
}
