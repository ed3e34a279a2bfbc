import Foundation
import Testing

@testable import CeilingBounds

@Suite("Order-statistic intervals for quantiles")
struct QuantileIntervalTests {
    @Test("the ranks are the extreme ones whose binomial tails are at most alpha / 2", arguments: [
        (24, 0.25, 0.95), (256, 0.25, 0.95), (256, 0.5, 0.975), (64, 0.1, 0.95), (1000, 0.9, 0.99), (8, 0.25, 0.95),
    ])
    func ranksMatchIndependentTails(n: Int, q: Double, confidence: Double) throws {
        let interval = try QuantileInterval(level: q, samples: n, confidence: confidence)
        let half = (1 - confidence) / 2
        let atLeast = { (b: Int) in OrderStatisticTests.tail(n, q, atLeast: b) }
        if let b = interval.upperRank {
            #expect(atLeast(b) <= half * (1 + 1e-9))
            if b > 1 { #expect(atLeast(b - 1) > half) }
        } else {
            #expect(atLeast(n) > half)
        }
        // P(B < a) = 1 - P(B >= a).
        if let a = interval.lowerRank {
            #expect(1 - atLeast(a) <= half * (1 + 1e-9))
            if a < n { #expect(1 - atLeast(a + 1) > half) }
        } else {
            #expect(1 - atLeast(1) > half)
        }
    }

    @Test("at n = 24 the 95% interval of the 25% quantile spans about the 8% to 45% quantiles, at 256 about 20% to 30%")
    func designFigures() throws {
        let small = try QuantileInterval(level: 0.25, samples: 24, confidence: 0.95)
        let large = try QuantileInterval(level: 0.25, samples: 256, confidence: 0.95)
        #expect(small.lowerRank == 2 && small.upperRank == 11)
        let a = try #require(large.lowerRank), b = try #require(large.upperRank)
        #expect(abs(Double(a) / 256 - 0.20) < 0.015 && abs(Double(b) / 256 - 0.30) < 0.015)
    }

    @Test("too few samples leave an end open, and bad arguments are errors")
    func openEndsAndErrors() throws {
        let tiny = try QuantileInterval(level: 0.25, samples: 3, confidence: 0.95)
        #expect(tiny.lowerRank == nil)
        let high = try QuantileInterval(level: 0.9, samples: 5, confidence: 0.95)
        #expect(high.upperRank == nil)
        #expect(throws: BoundError.self) { try QuantileInterval(level: 0, samples: 10, confidence: 0.95) }
        #expect(throws: BoundError.self) { try QuantileInterval(level: 0.5, samples: 0, confidence: 0.95) }
        #expect(throws: BoundError.self) { try QuantileInterval(level: 0.5, samples: 10, confidence: 1) }
    }
}
