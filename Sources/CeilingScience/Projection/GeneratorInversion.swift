import CeilingEngine
import Foundation

/// Inverts a generator: for each image x, z*(x) = argmin_z ||g(z) - x||^2, the latent code whose
/// image is nearest to x (the projection of Theorem 2's classifier f~).
///
/// The problem is non-convex, so it is solved from several starts: `restarts` random codes from
/// the prior N(0, I) per image, plus any warm starts the caller knows (a code near the answer,
/// such as the latent code a point was generated from, or the solution at a nearby point). All
/// starts of all images run as one batch of rows, row `s * N + n` being start s of image n, and
/// each row descends its own loss (the rows do not interact, so the grouping into batches of
/// `rowsPerBatch` changes no result): Adam (random starts; warm starts per `warmStartSteps`), then
/// a polish by gradient descent with an adaptive step (`InversionDescent`). The gradient of
/// ||g(z) - x||^2 is the vector-Jacobian product of g at z with 2 (g(z) - x). Each image keeps the
/// best iterate over all its starts and steps.
///
/// Every random start comes from the seed, so an inversion is reproducible.
public struct GeneratorInversion: Sendable {
    public let generator: any DifferentiableMap
    public let settings: InversionSettings

    /// - Throws: `ProjectionError.invalidSetting` for settings out of range.
    public init(generator: any DifferentiableMap, settings: InversionSettings = InversionSettings()) throws(ProjectionError) {
        try settings.validate()
        self.generator = generator
        self.settings = settings
    }

    /// Inverts every image of `images` ([N] + the generator's output shape).
    ///
    /// - Parameters:
    ///   - warmStarts: extra starts, each [N] + the latent shape (row n is a start for image n).
    ///   - seed: the seed of the random starts; `settings.seed` when nil.
    /// - Throws: `ProjectionError.shapeMismatch` / `.countMismatch` for images or warm starts that
    ///   do not fit the generator, `.invalidSetting` when there is no start at all.
    public func invert(_ images: Tensor, warmStarts: [Tensor] = [], seed: UInt64? = nil) throws(ProjectionError) -> Inversion {
        guard images.shape.count >= 1, images.sampleShape == generator.outputShape else {
            throw .shapeMismatch("images of shape \(describe(shape: images.shape)) do not match the generator's output [N] + \(describe(shape: generator.outputShape))")
        }
        for (w, start) in warmStarts.enumerated() {
            guard start.shape.count >= 1, start.sampleShape == generator.inputShape else {
                throw .shapeMismatch("warm start \(w) of shape \(describe(shape: start.shape)) does not match the generator's latent [N] + \(describe(shape: generator.inputShape))")
            }
            guard start.batch == images.batch else {
                throw .countMismatch("warm start \(w) has \(start.batch) rows for \(images.batch) images")
            }
        }
        let startCount = settings.restarts + warmStarts.count
        guard startCount >= 1 else { throw .invalidSetting("an inversion needs at least one start (restarts or warm starts)") }

        let n = images.batch
        let latentSize = generator.inputSize, imageSize = generator.outputSize
        var sampler = LatentSampler(seed: seed ?? settings.seed)
        var startData = [Float]()
        startData.reserveCapacity(startCount * n * latentSize)
        if settings.restarts > 0 {
            startData.append(contentsOf: sampler.latents(settings.restarts * n, shape: generator.inputShape).data)
        }
        for start in warmStarts { startData.append(contentsOf: start.data) }

        // Best over starts, per image.
        var bestLoss = [Double](repeating: .infinity, count: n)
        var bestStart = [Int](repeating: 0, count: n)
        var latents = [Float](repeating: 0, count: n * latentSize)
        var reconstructions = [Float](repeating: 0, count: n * imageSize)

        // Random starts' rows first, then the warm starts' (which skip Adam by default), each range
        // in batches of `rowsPerBatch`.
        let randomRows = settings.restarts * n, rows = startCount * n
        var first = 0
        while first < rows {
            let warm = first >= randomRows
            let count = min(settings.rowsPerBatch, (warm ? rows : randomRows) - first)
            let rowRange = first..<(first + count)
            let z0 = Tensor(shape: [count] + generator.inputShape,
                            data: Array(startData[(first * latentSize)..<((first + count) * latentSize)]))
            let target = Tensor(shape: [count] + generator.outputShape) { out in
                images.data.withUnsafeBufferPointer { x in
                    for (j, row) in rowRange.enumerated() {
                        let n0 = (row % n) * imageSize
                        for i in 0..<imageSize { out[j * imageSize + i] = x[n0 + i] }
                    }
                }
            }
            var descent = InversionDescent(generator: generator, settings: warm ? settings.forWarmStarts : settings, start: z0, target: target)
            descent.run()
            let result = descent.best
            for (j, row) in rowRange.enumerated() {
                let image = row % n
                // Strict improvement keeps the earliest start on ties, so the winner is well defined.
                if result.loss[j] < bestLoss[image] {
                    bestLoss[image] = result.loss[j]
                    bestStart[image] = row / n
                    for i in 0..<latentSize { latents[image * latentSize + i] = result.latents.data[j * latentSize + i] }
                    for i in 0..<imageSize { reconstructions[image * imageSize + i] = result.reconstructions.data[j * imageSize + i] }
                }
            }
            first += count
        }
        return Inversion(latents: Tensor(shape: [n] + generator.inputShape, data: latents),
                         reconstructions: Tensor(shape: [n] + generator.outputShape, data: reconstructions),
                         errors: bestLoss.map { $0.squareRoot() }, winningStarts: bestStart, restarts: settings.restarts)
    }
}
