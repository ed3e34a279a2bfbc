import CeilingEngine

/// Draws latent codes z ~ N(0, I_d) and directions uniform on the unit sphere, reproducibly from
/// a seed. Every random draw of the science goes through one of these.
///
/// A stage whose points can be split between machines (DESIGN §10) draws point i from its own
/// stream, `init(seed:index:)`, so a point's values depend on (seed, stage, index) alone.
public struct LatentSampler: Sendable {
    private var generator: SeededGenerator

    public init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    /// The stream of point `index` of the stage seeded with `seed`.
    public init(seed: UInt64, index: Int) { generator = SeededGenerator(seed: seed, index: index) }

    /// The latent codes of points `indices` of the stage seeded with `seed`, each the first draw
    /// of its own stream: the same rows whichever other points are drawn beside them.
    public static func latents(_ indices: some Sequence<Int>, shape: [Int], seed: UInt64) -> Tensor {
        let rows = indices.map { i in
            var sampler = LatentSampler(seed: seed, index: i)
            return sampler.latents(1, shape: shape)
        }
        return Tensor(shape: [rows.count] + shape, data: rows.flatMap(\.data))
    }

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
