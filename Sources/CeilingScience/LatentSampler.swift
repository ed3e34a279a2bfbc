import CeilingEngine

/// Draws latent codes z ~ N(0, I_d) and directions uniform on the unit sphere, reproducibly from
/// a seed. Every random draw of the science goes through one of these.
public struct LatentSampler: Sendable {
    private var generator: SeededGenerator

    public init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    /// `count` latent codes of shape `shape` from the standard normal prior.
    public mutating func latents(_ count: Int, shape: [Int]) -> Tensor {
        generator.gaussianTensor([count] + shape)
    }

    /// `count` directions uniform on the unit sphere of R^(shape): normalised Gaussian vectors
    /// (normalised uniform vectors would favour the corners of the cube).
    public mutating func sphereDirections(_ count: Int, shape: [Int]) -> Tensor {
        var t = generator.gaussianTensor([count] + shape)
        let size = t.sampleSize
        for n in 0..<count {
            var norm: Double = 0
            for i in 0..<size { norm += Double(t.data[n * size + i] * t.data[n * size + i]) }
            let inverse = Float(1 / norm.squareRoot())
            for i in 0..<size { t.data[n * size + i] *= inverse }
        }
        return t
    }

    /// A uniform draw in (0, 1).
    public mutating func uniform() -> Double { generator.uniformOpen() }
}
