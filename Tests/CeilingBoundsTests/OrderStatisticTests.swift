import Foundation
import Testing

@testable import CeilingBounds

@Suite("Order statistics as quantile bounds")
struct OrderStatisticTests {
    /// P(Bin(n, p) >= r) by summing the probability mass in log space, independently of GSL.
    static func tail(_ n: Int, _ p: Double, atLeast r: Int) -> Double {
        var total = 0.0
        for k in r...n {
            let logPMF = lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
                + Double(k) * log(p) + Double(n - k) * log1p(-p)
            total += exp(logPMF)
        }
        return total
    }

    @Test("299 samples are the fewest whose maximum bounds the 99% quantile at 95%")
    func classicSampleSize() throws {
        #expect(try OrderStatistic.requiredSampleSize(epsilon: 0.01, alpha: 0.05) == 299)
        #expect(try OrderStatistic.upperRank(samples: 299, epsilon: 0.01, alpha: 0.05) == 299)
        #expect(try OrderStatistic.upperRank(samples: 298, epsilon: 0.01, alpha: 0.05) == nil)
        // 59 for the 95% quantile at 95% (the classic "59 runs" of Wilks).
        #expect(try OrderStatistic.requiredSampleSize(epsilon: 0.05, alpha: 0.05) == 59)
    }

    @Test("the rank is the smallest with a binomial tail at most alpha", arguments: [
        (1000, 0.01, 0.05), (500, 0.05, 0.01), (2000, 0.1, 0.05 / 16), (64, 0.2, 0.05),
    ])
    func rankMatchesIndependentTail(n: Int, epsilon: Double, alpha: Double) throws {
        let r = try #require(try OrderStatistic.upperRank(samples: n, epsilon: epsilon, alpha: alpha))
        #expect(Self.tail(n, 1 - epsilon, atLeast: r) <= alpha * (1 + 1e-9))
        #expect(Self.tail(n, 1 - epsilon, atLeast: r - 1) > alpha)
        #expect(abs(try OrderStatistic.tail(samples: n, rank: r, epsilon: epsilon) - Self.tail(n, 1 - epsilon, atLeast: r)) < 1e-10)
    }

    @Test("the achievable epsilon of n samples passes, and a slightly smaller one does not")
    func achievableEpsilon() throws {
        for n in [1, 10, 128, 574] {
            let epsilon = try OrderStatistic.achievableEpsilon(samples: n, alpha: 0.05 / 16)
            #expect(try OrderStatistic.upperRank(samples: n, epsilon: epsilon, alpha: 0.05 / 16) == n)
            #expect(try OrderStatistic.upperRank(samples: n, epsilon: epsilon * 0.999, alpha: 0.05 / 16) == nil)
        }
    }

    @Test("a simulation: the chosen order statistic covers the quantile at least 1 - alpha of the time")
    func coverage() throws {
        let (n, epsilon, alpha) = (200, 0.05, 0.1)
        let r = try #require(try OrderStatistic.upperRank(samples: n, epsilon: epsilon, alpha: alpha))
        // Uniform(0, 1) draws: the (1 - epsilon)-quantile is 1 - epsilon.
        var state: UInt64 = 12345
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-53
        }
        var covered = 0
        let trials = 4000
        for _ in 0..<trials {
            let sample = (0..<n).map { _ in uniform() }.sorted()
            if sample[r - 1] >= 1 - epsilon { covered += 1 }
        }
        // Expected coverage >= 0.9; allow 3 standard errors (0.015) of simulation noise.
        #expect(Double(covered) / Double(trials) >= 1 - alpha - 0.015)
    }

    @Test("invalid inputs are refused")
    func invalid() {
        #expect(throws: BoundError.self) { try OrderStatistic.upperRank(samples: 0, epsilon: 0.1, alpha: 0.05) }
        #expect(throws: BoundError.self) { try OrderStatistic.upperRank(samples: 10, epsilon: 0, alpha: 0.05) }
        #expect(throws: BoundError.self) { try OrderStatistic.upperRank(samples: 10, epsilon: 0.1, alpha: 1) }
        #expect(throws: BoundError.self) { try OrderStatistic.requiredSampleSize(epsilon: 1.5, alpha: 0.05) }
    }
}
