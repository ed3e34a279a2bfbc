import CeilingEngine

/// The Wasserstein slack delta of Theorem 4: an estimate of W1(g#nu, mu), the 1-Wasserstein
/// distance in the image L2 norm between the generated distribution and the data distribution,
/// from n real images and n generated images g(z), z ~ N(0, I).
///
/// The estimate is the exact empirical W1 between the two samples (`EmpiricalWasserstein`). It
/// over-estimates the population W1 in expectation: W1 is jointly convex in its two arguments
/// (a supremum of linear functionals, by Kantorovich–Rubinstein duality) and the empirical
/// measures average to the true ones, so E W1(mu_n, nu_n) >= W1(mu, nu) by Jensen. In high
/// dimension the bias is large: for data of intrinsic dimension m' > 2 the empirical W1 between
/// two samples of the same distribution decays only like n^(-1/m'), so even a perfect generator
/// gets a clearly positive delta. The sampling floor (W1 between two halves of the generated
/// sample) shows how much of the estimate that bias can account for.
public struct WassersteinSlack: Sendable, Codable, Equatable {
    /// n requested.
    public let requestedCount: Int
    /// n used (fewer when the file has fewer real images).
    public let count: Int
    /// Real images in the file.
    public let availableRealImages: Int
    /// Pixels per image, m.
    public let imageDimension: Int
    /// The empirical W1 (the slack delta).
    public let distance: Double
    /// Median and largest matched distance.
    public let medianPairDistance: Double
    public let maxPairDistance: Double
    /// Mean ||x|| over the real images and over the generated ones, for scale (the robustness
    /// tables normalise by E||g(z)||).
    public let meanRealNorm: Double
    public let meanGeneratedNorm: Double
    /// W1 between two independent halves of the generated images (n/2 each), when measured.
    public let samplingFloor: Double?
    public let seed: UInt64
    /// What the number means and what it rests on, for a report.
    public let notes: [String]
}

/// Estimates the Wasserstein slack of a generator against real images.
public struct WassersteinEstimator: Sendable {
    public let generator: any DifferentiableMap
    public let settings: WassersteinSettings

    /// - Throws: `WassersteinError.invalidSetting` for settings out of range.
    public init(generator: any DifferentiableMap, settings: WassersteinSettings = WassersteinSettings()) throws(WassersteinError) {
        try settings.validate()
        self.generator = generator
        self.settings = settings
    }

    /// The slack against real images in a `.npy` file ([N] + the generator's output shape, float32
    /// or float64, in the generator's output space and range).
    /// - Throws: `WassersteinError.unreadable` for a file that cannot be read, then as
    ///   `estimate(realImages:)`.
    public func estimate(realImagesAt path: String) throws(WassersteinError) -> WassersteinSlack {
        let images: Tensor
        do { images = try NPY.read(path) } catch { throw .unreadable(error.description) }
        return try estimate(realImages: images)
    }

    /// The slack against real images [N] + the generator's output shape.
    /// - Throws: `WassersteinError.shapeMismatch`, `.nonFinite`, `.noImages`.
    public func estimate(realImages: Tensor) throws(WassersteinError) -> WassersteinSlack {
        let imageShape = generator.outputShape
        guard realImages.shape.count >= 1, realImages.sampleShape == imageShape else {
            throw .shapeMismatch(real: realImages.shape, generator: imageShape)
        }
        let available = realImages.batch
        guard available > 0 else { throw .noImages }
        let m = realImages.sampleSize
        if let bad = realImages.data.firstIndex(where: { !$0.isFinite }) {
            throw .nonFinite(image: bad / m, element: bad % m, value: realImages.data[bad])
        }

        var rng = SeededGenerator(seed: settings.seed)
        let n = min(settings.count, available)
        let real = n < available ? ProjectionRows.pick(realImages, Self.subset(n, of: available, using: &rng)) : realImages
        let generated = generate(n, seed: rng.next())
        let transport = try EmpiricalWasserstein.transport(real, generated)

        var floor: Double?
        if settings.samplingFloor, n >= 4 {
            let half = n / 2
            floor = try EmpiricalWasserstein.transport(generated.samples(0..<half), generated.samples(half..<(2 * half))).distance
        }
        let sorted = transport.pairDistances.sorted()
        let median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        let realNorm = sampleNorms(real).reduce(0, +) / Double(n)
        let generatedNorm = sampleNorms(generated).reduce(0, +) / Double(n)

        var notes = [
            "delta = empirical W1 between \(n) real and \(n) generated images, in the image L2 norm of X (the generator's output space), by an exact assignment: \(transport.distance) (\(transport.distance / max(realNorm, .leastNonzeroMagnitude)) of the mean real-image norm).",
            "The empirical W1 over-estimates W1(g#nu, mu) in expectation (W1 is jointly convex, so E W1(mu_n, nu_n) >= W1(mu, nu)), and by a lot in high dimension: its sampling bias decays only like n^(-1/m') for data of intrinsic dimension m' (at most m = \(m) here), so even a perfect generator gets a clearly positive delta. Theorem 4's bound with this delta is therefore conservative in expectation, and the slack can dominate it.",
        ]
        if let floor {
            notes.append("Sampling floor: two independent halves of the generated images (\(n / 2) each) are W1 = \(floor) apart; up to about that much of delta is sampling bias rather than a mismatch between the generator and the data.")
        }
        if n < settings.count {
            notes.append("Only \(available) real images were available (\(settings.count) requested): all of them were used, with as many generated images; the estimate is noisier and its bias larger.")
        } else if n < available {
            notes.append("A seeded random subset of \(n) of the \(available) real images was used.")
        }
        return WassersteinSlack(requestedCount: settings.count, count: n, availableRealImages: available, imageDimension: m,
                                distance: transport.distance, medianPairDistance: median, maxPairDistance: sorted[n - 1],
                                meanRealNorm: realNorm, meanGeneratedNorm: generatedNorm, samplingFloor: floor,
                                seed: settings.seed, notes: notes)
    }

    /// g(z) for n seeded latent codes, in batches.
    private func generate(_ n: Int, seed: UInt64) -> Tensor {
        var sampler = LatentSampler(seed: seed)
        let latents = sampler.latents(n, shape: generator.inputShape)
        var parts = [Tensor]()
        var first = 0
        while first < n {
            let last = min(n, first + settings.rowsPerBatch)
            parts.append(generator(latents.samples(first..<last)))
            first = last
        }
        return Tensor.concatenate(parts)
    }

    /// k distinct indices of 0..<total, uniformly at random (a partial Fisher–Yates shuffle),
    /// in increasing order.
    static func subset(_ k: Int, of total: Int, using rng: inout SeededGenerator) -> [Int] {
        var indices = Array(0..<total)
        for i in 0..<k {
            let j = i + Int(rng.next() % UInt64(total - i))
            indices.swapAt(i, j)
        }
        return indices.prefix(k).sorted()
    }
}
