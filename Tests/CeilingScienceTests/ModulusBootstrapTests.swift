import CeilingEngine
import Testing
@testable import CeilingScience

/// The bootstrap spread of omega_hat: none when every anchor agrees, inside the sample's range
/// always, and reproducible for a seed.
@Suite("Modulus bootstrap")
struct ModulusBootstrapTests {
    static func samples(_ rows: [[Double]]) -> SupremumSamples {
        SupremumSamples(radii: [0.5, 1, 2], ascent: rows, randomOnly: rows)
    }

    @Test func identicalAnchorsHaveNoSpread() throws {
        let estimate = try EstimatedModulus(samples: Self.samples([[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]]),
                                            epsilon: 0.5, confidence: 0.9, simultaneous: false)
        let spread = ModulusBootstrap(estimate, replicates: 50, seed: 1)
        #expect(spread.lower == estimate.omega && spread.upper == estimate.omega)
        #expect(spread.lipschitzSummaryRange == estimate.lipschitzSummary...estimate.lipschitzSummary)
    }

    @Test func spreadStaysInsideTheSampleAndRepeats() throws {
        var rng = SeededGenerator(seed: 3)
        let rows = (0..<3).map { j in (0..<40).map { _ in Double(j + 1) * (1 + Double.random(in: 0..<1, using: &rng)) } }
        let estimate = try EstimatedModulus(samples: Self.samples(rows), epsilon: 0.2, confidence: 0.9, simultaneous: false)
        let spread = ModulusBootstrap(estimate, replicates: 100, seed: 7)
        var running = 0.0
        for j in rows.indices {
            running = max(running, rows[j].max()!)
            #expect(spread.lower[j] <= spread.upper[j] && spread.upper[j] <= running)
            #expect(spread.lower[j] < spread.upper[j], "random anchors give some spread at radius \(j)")
        }
        let again = ModulusBootstrap(estimate, replicates: 100, seed: 7)
        #expect(again.lower == spread.lower && again.upper == spread.upper)
    }
}
