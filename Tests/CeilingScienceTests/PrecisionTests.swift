import CeilingEngine
import Foundation
import Testing
@testable import CeilingScience

/// `--precision`: the point count doubles until the intervals are narrow enough or the maximum is
/// reached, and the result is exactly that of a plain run with the final count.
@Suite("Precision-driven point counts")
struct PrecisionTests {
    static func estimate(samples: Int, precision: Double?, maxSamples: Int?) throws -> CeilingEstimate {
        var settings = EstimateGoldenTests.settings()
        settings.samples = samples
        settings.projection = nil
        settings.precision = precision
        settings.maxSamples = maxSamples
        let generator = try engineFixture("dcgan32_four_stage.bin")
        return CeilingEstimate(generator: generator.graph, classifiers: [], settings: settings)
    }

    @Test func unreachableTargetStopsAtTheMaximumAndEqualsAPlainRun() throws {
        let subject = CeilingEstimate.Subject(name: "lenet", map: try engineFixture("lenet5_relu.bin").map)
        let target = try Self.estimate(samples: 2, precision: 1e-9, maxSamples: 8)
        let (_, measured, record) = try target.measureToPrecision(subject, target.robustnessSettings(), progress: { _, _ in })
        let precision = try #require(record)
        #expect(precision.samples == 8 && precision.rounds == 3 && !precision.reached && precision.maxSamples == 8)

        let plain = try Self.estimate(samples: 8, precision: nil, maxSamples: nil)
        let (_, reference, none) = try plain.measureToPrecision(subject, plain.robustnessSettings(), progress: { _, _ in })
        #expect(none == nil)
        for notion in reference.measurements {
            #expect(measured.measurement(notion.notion)?.norms == notion.norms, "\(notion.notion) differs from the plain run")
        }
        #expect(try target.largestRelativeHalfWidth(measured) == precision.achieved ?? .infinity)
    }

    /// With 4 points the median's upper end is open at 97.5% (P(Bin(4, 1/2) >= 4) = 1/16 >
    /// 1.25%), so any target needs a second round; at 8 every interval closes (1/256).
    @Test func aLooseTargetStopsAtTheFirstClosedIntervals() throws {
        let subject = CeilingEstimate.Subject(name: "lenet", map: try engineFixture("lenet5_relu.bin").map)
        let target = try Self.estimate(samples: 4, precision: .greatestFiniteMagnitude, maxSamples: 64)
        let (_, measured, record) = try target.measureToPrecision(subject, target.robustnessSettings(), progress: { _, _ in })
        let precision = try #require(record)
        let width = try target.largestRelativeHalfWidth(measured)
        #expect(precision.rounds == 2 && precision.samples == 8 && precision.reached)
        #expect(width.isFinite && width == precision.achieved)
    }
}
