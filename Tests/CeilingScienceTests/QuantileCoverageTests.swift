import CeilingEngine
import Foundation
import Testing
@testable import CeilingScience

/// The intervals of measured percentiles cover the true quantile at least at the nominal rate,
/// checked by drawing samples from known distributions many times, censored points included.
@Suite("Quantile interval coverage")
struct QuantileCoverageTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let samples: Int, level: Double, confidence: Double
        /// Share of points censored (+infinity), drawn independently of the value.
        let censoring: Double
        let continuous: Bool
        var testDescription: String { "n \(samples), q \(level), \(confidence), censored \(censoring), \(continuous ? "exponential" : "atoms")" }
    }

    /// The true q-quantile of the drawn law: Exp(1) censored with probability c, or the same
    /// rounded up to a multiple of 0.5 (atoms).
    static func truth(_ c: Case) -> Double {
        // P(X <= x) = (1 - c) F(x): the quantile is F^{-1}(q / (1 - c)), +inf beyond.
        let p = c.level / (1 - c.censoring)
        guard p < 1 else { return .infinity }
        let x = -log1p(-p)
        return c.continuous ? x : (x / 0.5).rounded(.up) * 0.5
    }

    static func draw(_ c: Case, _ rng: inout SeededGenerator) -> [Double] {
        (0..<c.samples).map { _ in
            if Double.random(in: 0..<1, using: &rng) < c.censoring { return .infinity }
            let x = -log1p(-Double.random(in: 0..<1, using: &rng))
            return c.continuous ? x : (x / 0.5).rounded(.up) * 0.5
        }
    }

    @Test(arguments: [
        Case(samples: 24, level: 0.25, confidence: 0.95, censoring: 0, continuous: true),
        Case(samples: 256, level: 0.25, confidence: 0.95, censoring: 0, continuous: true),
        Case(samples: 64, level: 0.5, confidence: 0.9, censoring: 0.3, continuous: true),
        Case(samples: 40, level: 0.25, confidence: 0.95, censoring: 0.1, continuous: false),
        Case(samples: 32, level: 0.75, confidence: 0.95, censoring: 0.4, continuous: true),
    ])
    func coversAtTheNominalRate(_ c: Case) throws {
        let trials = 4000
        var rng = SeededGenerator(seed: 20 + UInt64(c.samples))
        let truth = Self.truth(c)
        var covered = 0, upperHeld = 0
        for _ in 0..<trials {
            let (lower, upper, _) = try EmpiricalDistribution(Self.draw(c, &rng)).interval(c.level, confidence: c.confidence)
            if lower <= truth && truth <= upper { covered += 1 }
            if truth <= upper { upperHeld += 1 }
        }
        // Three binomial standard errors of Monte Carlo slack below the nominal rate.
        let slack = 3 * (c.confidence * (1 - c.confidence) / Double(trials)).squareRoot()
        #expect(Double(covered) / Double(trials) >= c.confidence - slack, "coverage \(covered) of \(trials)")
        #expect(Double(upperHeld) / Double(trials) >= 1 - (1 - c.confidence) / 2 - slack)
    }
}
