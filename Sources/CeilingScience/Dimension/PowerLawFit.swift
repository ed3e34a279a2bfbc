import CeilingEngine
import Foundation

/// The exponent a in E[v] ~ d^a, fitted by least squares to log(mean v) against log d over a few
/// dimensions, with a bootstrap interval over the independent draws behind each mean.
///
/// The interval is a statement about the draws (networks at initialisation): resampling them
/// with replacement within each dimension, recomputing the means and refitting, the central
/// `confidence` of the refitted exponents (percentile bootstrap, seeded). It covers the Monte
/// Carlo error of the means, not the departure of the true mean from a power law; the per-width
/// means and their intervals show that.
public struct PowerLawFit: Sendable, Codable {
    /// Per dimension: the mean over draws, its bootstrap interval, and the 10% and 90% of draws.
    public struct Level: Sendable, Codable {
        public let dimension: Int
        public let mean: Double, meanLower: Double, meanUpper: Double
        public let quantile10: Double, quantile90: Double
    }

    public let levels: [Level]
    public let exponent: Double, lower: Double, upper: Double
    public let confidence: Double, resamples: Int

    /// `values[i]` are the draws at dimension `dimensions[i]` (at least two dimensions, each
    /// with at least one positive draw).
    public init(dimensions: [Int], values: [[Double]], confidence: Double, resamples: Int, seed: UInt64) {
        precondition(dimensions.count >= 2 && dimensions.count == values.count && values.allSatisfy { !$0.isEmpty })
        let logD = dimensions.map { log(Double($0)) }
        var rng = SeededGenerator(seed: seed)
        var means = [[Double]](repeating: [], count: dimensions.count), slopes = [Double]()
        for _ in 0..<resamples {
            let resampled = values.map { draws in
                (0..<draws.count).reduce(0.0) { total, _ in total + draws[Int(rng.next() % UInt64(draws.count))] } / Double(draws.count)
            }
            for i in resampled.indices { means[i].append(resampled[i]) }
            slopes.append(Self.slope(logD, resampled.map(log)))
        }
        let tail = (1 - confidence) / 2
        levels = dimensions.indices.map { i in
            let draws = EmpiricalDistribution(values[i]), resampled = EmpiricalDistribution(means[i])
            return Level(dimension: dimensions[i], mean: values[i].reduce(0, +) / Double(values[i].count),
                         meanLower: resampled.quantile(tail), meanUpper: resampled.quantile(1 - tail),
                         quantile10: draws.quantile(0.1), quantile90: draws.quantile(0.9))
        }
        exponent = Self.slope(logD, levels.map { log($0.mean) })
        let spread = EmpiricalDistribution(slopes)
        lower = spread.quantile(tail)
        upper = spread.quantile(1 - tail)
        self.confidence = confidence
        self.resamples = resamples
    }

    /// Whether `exponent` lies in the interval.
    public func covers(_ exponent: Double) -> Bool { lower <= exponent && exponent <= upper }

    /// The least-squares slope of y on x.
    static func slope(_ x: [Double], _ y: [Double]) -> Double {
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        let sxy = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let sxx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        return sxy / sxx
    }
}
