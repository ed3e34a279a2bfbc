import CeilingEngine

/// The result of inverting a generator at a batch of images x: the best latent code found for
/// each, z*(x), its reconstruction g(z*), and the reconstruction error ||g(z*) - x||.
///
/// z* is the best iterate over every start and every step (not the last one), so adding starts
/// can only lower the error. The error is exact for the returned z*; it is an upper bound on the
/// distance from x to the generator's image, min_z ||g(z) - x||, and equals it only when the
/// optimisation found the global minimum.
public struct Inversion: Sendable {
    /// z*, [N] + latent shape.
    public let latents: Tensor
    /// g(z*), [N] + image shape.
    public let reconstructions: Tensor
    /// ||g(z*) - x|| per image, in the image norm.
    public let errors: [Double]
    /// Which start won per image: 0..<restarts are the random starts, restarts + w is warm start w.
    public let winningStarts: [Int]
    /// Random starts per image (to read `winningStarts`).
    public let restarts: Int

    /// Numbers for a report.
    public var summary: InversionSummary { InversionSummary(errors: errors, winningStarts: winningStarts, restarts: restarts) }
}

/// The reconstruction errors of an inversion, for results.json.
public struct InversionSummary: Sendable, Codable, Equatable {
    /// ||g(z*) - x|| per image.
    public let errors: [Double]
    public let medianError: Double
    public let maxError: Double
    public let meanError: Double
    /// How many images were best reconstructed from a warm start rather than a random one.
    public let warmStartWins: Int

    public init(errors: [Double], winningStarts: [Int], restarts: Int) {
        self.errors = errors
        let sorted = errors.sorted()
        if sorted.isEmpty {
            medianError = 0
        } else if sorted.count % 2 == 1 {
            medianError = sorted[sorted.count / 2]
        } else {
            medianError = (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        maxError = sorted.last ?? 0
        meanError = errors.isEmpty ? 0 : errors.reduce(0, +) / Double(errors.count)
        warmStartWins = winningStarts.filter { $0 >= restarts }.count
    }
}
