import Foundation
import Testing

@testable import CeilingBounds

@Suite("t interval of a mean")
struct MeanIntervalTests {
    /// The t quantiles are independent values (mpmath, 30 digits, by inverting the regularised
    /// incomplete beta function): t(0.975; 4) and t(0.995; 9).
    @Test("ends against high-precision t quantiles")
    func ends() throws {
        let five = try MeanInterval([1, 2, 3, 4, 5], confidence: 0.95)
        let half = 2.77644510519779348979 * (2.5 / 5).squareRoot()
        #expect(five.mean == 3)
        #expect(relativeError(five.upper, 3 + half) < 1e-12)
        #expect(relativeError(five.lower, 3 - half) < 1e-12)
        let ten = (1...10).map { Double($0 * $0) }
        let interval = try MeanInterval(ten, confidence: 0.99)
        let mean = ten.reduce(0, +) / 10
        let sd = (ten.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 9).squareRoot()
        #expect(relativeError(interval.upper - mean, 3.24983554159212572051 * sd / 10.0.squareRoot()) < 1e-12)
        #expect(interval.points == 10 && interval.confidence == 0.99)
    }

    @Test("refuses what has no interval")
    func refusals() {
        #expect(throws: BoundError.self) { try MeanInterval([1], confidence: 0.95) }
        #expect(throws: BoundError.self) { try MeanInterval([1, 2], confidence: 1) }
        #expect(throws: BoundError.self) { try MeanInterval([1, .infinity], confidence: 0.95) }
    }

    @Test("covers the mean of an exponential distribution at about the nominal rate")
    func coverage() throws {
        var rng = SplitMix64(seed: 11)
        let trials = 2000
        var covered = 0
        for _ in 0..<trials {
            let samples = (0..<256).map { _ in -log(rng.uniformOpen()) }
            let interval = try MeanInterval(samples, confidence: 0.95)
            if interval.lower <= 1 && 1 <= interval.upper { covered += 1 }
        }
        // Nominal 95%; at 2000 trials the Monte Carlo standard error is 0.5%, and the skew of the
        // exponential costs the t interval about half a point at n = 256.
        #expect(Double(covered) / Double(trials) > 0.93)
        #expect(Double(covered) / Double(trials) < 0.97)
    }
}
