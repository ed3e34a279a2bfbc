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
        for (initial, maximum, first) in [(1.0, 4.0, 1), (4.0, 64.0, 1), (4.0, 64.0, 3)] {
            for steps in [5, 10, 20] {
                let settings = quickSettings(radii: radii, anchors: 32, directions: 4, steps: steps)
                var ascent = BallAscent(map: GraphMap(linear.graph), coordinates: .standard, settings: settings, samplesPerPass: 64)
                ascent.initialStep = initial
                ascent.maximumStep = maximum
                ascent.firstRadiusStepFactor = first
                let samples = ascent.run(anchors: try ModulusEstimator(graph: linear.graph).anchors(0..<32, seed: 1))
                let worst = radii.indices.map { j in samples.ascent[j].map { $0 / (sigma * radii[j]) }.min()! }
                Self.line(String(format: "linear  eta0 %3.0f max %3.0f first x%d steps %2d: worst M/(sigma s) per radius ", initial, maximum, first, steps)
                          + worst.map { String(format: "%.4f", $0) }.joined(separator: " "))
            }
        }
        for (initial, maximum, first) in [(1.0, 4.0, 1), (4.0, 64.0, 1), (4.0, 64.0, 3)] {
            for steps in [5, 10, 20] {
                let settings = quickSettings(radii: [0.01, 0.1, 1, 4, 10], anchors: 16, directions: 4, steps: steps)
                var ascent = BallAscent(map: GraphMap(dcgan), coordinates: .standard, settings: settings, samplesPerPass: 64)
                ascent.initialStep = initial
                ascent.maximumStep = maximum
                ascent.firstRadiusStepFactor = first
                let started = Date()
                let samples = ascent.run(anchors: try ModulusEstimator(graph: dcgan).anchors(0..<16, seed: 1))
                let medians = samples.radii.indices.map { Quantiles.median(samples.ascent[$0]) / samples.radii[$0] }
                let gains = samples.radii.indices.map { Quantiles.median(samples.gainRatios(at: $0)) }
                Self.line(String(format: "dcgan32 eta0 %3.0f max %3.0f first x%d steps %2d (%.1f s): median M/s ", initial, maximum, first, steps, Date().timeIntervalSince(started))
                          + medians.map { String(format: "%.4f", $0) }.joined(separator: " ")
                          + "  gain " + gains.map { String(format: "%.3f", $0) }.joined(separator: " "))
            }
        }
    }

    @Test("ascent gain over random directions on a random-weight DCGAN-32, default settings")
    func ascentGain() throws {
        let graph = ReferenceNetworks.dcgan32(latent: 100, width: 64, seed: 1)
        let estimator = try ModulusEstimator(graph: graph)
        let radii = try estimator.defaultRadii()
        let anchors = 64
        var settings = ModulusSettings(radii: radii, anchors: anchors)
        let started = Date()
        let estimate = try estimator.estimate(settings)
        let seconds = Date().timeIntervalSince(started)
        settings.directions = 64
        settings.ascentSteps = 0
        let many = try estimator.sample(settings)
        Self.line(String(format: "default settings, %d anchors, %.1f s (%d threads)", anchors, seconds, EngineThreads.count))
        Self.line("s        M p50     gain p50  gain max  | 64 random dirs: M p50  ascent/64-random p50 max")
        for (j, s) in radii.enumerated() {
            let gains = estimate.samples.gainRatios(at: j)
            let versusMany = zip(estimate.samples.ascent[j], many.randomOnly[j]).map { $0 / $1 }
            Self.line(String(format: "%-8.4g %-9.4g %-9.3f %-9.3f | %-22.4g %.3f %.3f", s, Quantiles.median(estimate.samples.ascent[j]),
                             Quantiles.median(gains), gains.max()!, Quantiles.median(many.randomOnly[j]),
                             Quantiles.median(versusMany), versusMany.max()!))
        }
        let all = estimate.samples.allGainRatios
        Self.line(String(format: "overall gain over 4 random directions: median %.3f, max %.3f, min %.3f", Quantiles.median(all), all.max()!, all.min()!))
    }
}
