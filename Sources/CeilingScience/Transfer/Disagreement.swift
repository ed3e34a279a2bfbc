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

    /// Counts disagreements on `trials` generated points drawn from `seed`.
    /// - Throws: as `ClopperPearson.interval`.
    public static func estimate(generator: any DifferentiableMap, pair: ClassifierPair, trials: Int, seed: UInt64,
                                confidence: Double) throws -> Disagreement {
        let (f, h) = labels(generator: generator, pair: pair, indices: 0..<trials, seed: seed)
        return try Disagreement(labelsF: f, labelsH: h, classes: (pair.f.outputSize, pair.h.outputSize), confidence: confidence)
    }

    /// The labels under f and h of the generated points `indices` (point i from its own stream
    /// of `seed`), in batches.
    public static func labels(generator: any DifferentiableMap, pair: ClassifierPair, indices: Range<Int>, seed: UInt64,
                              batch: Int = 256) -> (f: [Int], h: [Int]) {
        var f = [Int](), h = [Int]()
        for first in stride(from: indices.lowerBound, to: indices.upperBound, by: batch) {
            let x = generator(LatentSampler.latents(first..<min(first + batch, indices.upperBound), shape: generator.inputShape, seed: seed))
            let (lf, lh) = pair.labels(x)
            f += lf
            h += lh
        }
        return (f, h)
    }
}

extension Disagreement {
    /// The disagreement of two label lists of the same points, with its interval at `confidence`.
    public init(labelsF: [Int], labelsH: [Int], classes: (f: Int, h: Int), confidence: Double) throws {
        var countsF = [Int](repeating: 0, count: classes.f), countsH = [Int](repeating: 0, count: classes.h)
        var disagreements = 0
        for (a, b) in zip(labelsF, labelsH) {
            countsF[a] += 1
            countsH[b] += 1
            if a != b { disagreements += 1 }
        }
        let interval = try ClopperPearson.interval(successes: disagreements, trials: labelsF.count, confidence: confidence)
        self.init(disagreements: disagreements, trials: labelsF.count, confidence: confidence,
                  lower: interval.lowerBound, upper: interval.upperBound, countsF: countsF, countsH: countsH)
    }
}
