import CeilingBounds
import CeilingEngine

/// The disagreement of two classifiers on generated data, delta = P(f(g(z)) != h(g(z))), and the
/// class counts of each, from forward passes on `trials` points g(z), z ~ N(0, I).
///
/// delta_hat = disagreements / trials; its Clopper–Pearson interval at `confidence` is exact
/// (coverage at least nominal), and its upper end is the delta that Theorem 3 may use.
public struct Disagreement: Codable, Sendable {
    public let disagreements: Int
    public let trials: Int
    public let confidence: Double
    public let lower: Double
    public let upper: Double
    /// Labels of the same points, counted per class, for f and for h.
    public let countsF: [Int]
    public let countsH: [Int]

    public var rate: Double { Double(disagreements) / Double(trials) }

    /// Counts disagreements on `trials` generated points drawn from `seed`, in batches.
    /// - Throws: as `ClopperPearson.interval`.
    public static func estimate(generator: any DifferentiableMap, pair: ClassifierPair, trials: Int, seed: UInt64,
                                confidence: Double, batch: Int = 256) throws -> Disagreement {
        var sampler = LatentSampler(seed: seed)
        var countsF = [Int](repeating: 0, count: pair.f.outputSize), countsH = [Int](repeating: 0, count: pair.h.outputSize)
        var disagreements = 0, done = 0
        while done < trials {
            let n = min(batch, trials - done)
            let x = generator(sampler.latents(n, shape: generator.inputShape))
            let (lf, lh) = pair.labels(x)
            for (a, b) in zip(lf, lh) {
                countsF[a] += 1
                countsH[b] += 1
                if a != b { disagreements += 1 }
            }
            done += n
        }
        let interval = try ClopperPearson.interval(successes: disagreements, trials: trials, confidence: confidence)
        return Disagreement(disagreements: disagreements, trials: trials, confidence: confidence,
                            lower: interval.lowerBound, upper: interval.upperBound, countsF: countsF, countsH: countsH)
    }
}
