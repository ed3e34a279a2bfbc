import CeilingEngine
import Foundation
import Testing
@testable import CeilingScience

/// Measurements behind the defaults, run on demand only (CEILING_MODULUS_MEASURE=1): they print
/// tables rather than check anything, and take minutes on a full-size DCGAN-32.
@Suite("Modulus of continuity: measurements", .enabled(if: ProcessInfo.processInfo.environment["CEILING_MODULUS_MEASURE"] != nil))
struct ModulusMeasurementTests {
    static func line(_ text: String) { print(text) }

    @Test("ascent step schedule on a linear generator and a DCGAN-32")
    func stepSchedule() throws {
        let linear = LinearGenerator(rows: 50, columns: 20, seed: 11)
        let sigma = linear.largestSingularValue
        let dcgan = ReferenceNetworks.dcgan32(latent: 100, width: 64, seed: 1)
        let radii = [0.01, 0.1, 1, 4]
        for (initial, maximum, stall) in [(1.0, 4.0, 0.0), (4.0, 64.0, 0.0), (4.0, 64.0, 1e-4), (4.0, 64.0, 1e-3)] {
            for steps in [5, 10, 20] {
                let settings = quickSettings(radii: radii, anchors: 32, directions: 4, steps: steps)
                var ascent = BallAscent(map: GraphMap(linear.graph), coordinates: .standard, settings: settings, samplesPerPass: 64)
                ascent.initialStep = initial
                ascent.maximumStep = maximum
                ascent.stallTolerance = stall
                let samples = ascent.run(anchors: try ModulusEstimator(graph: linear.graph).anchors(count: 32, seed: 1))
                let worst = radii.indices.map { j in samples.ascent[j].map { $0 / (sigma * radii[j]) }.min()! }
                Self.line(String(format: "linear  eta0 %3.0f max %3.0f stall %.0e steps %2d: worst M/(sigma s) per radius ", initial, maximum, stall, steps)
                          + worst.map { String(format: "%.4f", $0) }.joined(separator: " "))
            }
        }
        for (initial, maximum, stall) in [(1.0, 4.0, 0.0), (4.0, 64.0, 0.0), (4.0, 64.0, 1e-4), (4.0, 64.0, 1e-3)] {
            for steps in [5, 10, 20] {
                let settings = quickSettings(radii: [0.01, 0.1, 1, 4, 10], anchors: 16, directions: 4, steps: steps)
                var ascent = BallAscent(map: GraphMap(dcgan), coordinates: .standard, settings: settings, samplesPerPass: 64)
                ascent.initialStep = initial
                ascent.maximumStep = maximum
                ascent.stallTolerance = stall
                let started = Date()
                let samples = ascent.run(anchors: try ModulusEstimator(graph: dcgan).anchors(count: 16, seed: 1))
                let medians = samples.radii.indices.map { Quantiles.median(samples.ascent[$0]) / samples.radii[$0] }
                let gains = samples.radii.indices.map { Quantiles.median(samples.gainRatios(at: $0)) }
                Self.line(String(format: "dcgan32 eta0 %3.0f max %3.0f stall %.0e steps %2d (%.1f s): median M/s ", initial, maximum, stall, steps, Date().timeIntervalSince(started))
                          + medians.map { String(format: "%.4f", $0) }.joined(separator: " ")
                          + "  gain " + gains.map { String(format: "%.3f", $0) }.joined(separator: " "))
            }
        }
    }
}
