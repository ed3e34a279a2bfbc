import Foundation
import Testing

@testable import CeilingBounds

/// Invalid inputs are rejected with a specific error and a one-line message.
@Suite("Input validation")
struct ValidationTests {
    @Test("class measures")
    func measures() {
        #expect(throws: BoundError.measuresDoNotSumToOne(sum: 0.9)) { try ClassMeasures([0.5, 0.4]) }
        #expect(throws: BoundError.invalidMeasure(index: 1, value: -0.1)) { try ClassMeasures([0.6, -0.1, 0.5]) }
        #expect(throws: BoundError.invalidMeasure(index: 0, value: 1.5)) { try ClassMeasures([1.5, 0.5, -1]) }
        #expect(throws: BoundError.tooFewClasses(1)) { try ClassMeasures([1]) }
        #expect(throws: BoundError.tooFewClasses(1)) { try ClassMeasures.equiprobable(classes: 1) }
        #expect(throws: BoundError.classCountMismatch(expected: 3, got: 2)) { try ClassMeasures([0.5, 0.5], classes: 3) }
        #expect(throws: BoundError.tooFewClasses(1)) { try ClassMeasures([0.5, 0.5], classes: 1) }
        #expect(throws: (any Error).self) { try ClassMeasures([.nan, 1]) }
        #expect(throws: (any Error).self) { try ClassMeasures([.infinity, 0]) }
        // Within the tolerance of 1e-6 is accepted.
        #expect(throws: Never.self) { try ClassMeasures([0.3333333, 0.3333333, 0.3333333]) }
        #expect(throws: Never.self) { try ClassMeasures([0, 1]) }
    }

    @Test("class counts")
    func counts() {
        #expect(throws: BoundError.invalidCount(index: 2, value: -1)) { try ClassCounts([3, 4, -1]) }
        #expect(throws: BoundError.noSamples) { try ClassCounts([0, 0]) }
        #expect(throws: BoundError.tooFewClasses(1)) { try ClassCounts([10]) }
        #expect(throws: BoundError.classCountMismatch(expected: 2, got: 3)) { try ClassCounts([1, 2, 3], classes: 2) }
        #expect(throws: BoundError.invalidConfidence(1)) { try ClassCounts([5, 5]).simultaneousIntervals(confidence: 1) }
        #expect(throws: BoundError.invalidConfidence(0)) { try ClassCounts([5, 5]).simultaneousIntervals(confidence: 0) }
    }

    @Test("latent dimension, percentile levels, Lipschitz constants, image norm")
    func settings() throws {
        let measures = try ClassMeasures.equiprobable(classes: 10)
        #expect(throws: BoundError.invalidLatentDimension(0)) { try LatentGaussian.expectedNorm(dimension: 0) }
        #expect(throws: BoundError.invalidLatentDimension(-3)) { try RobustnessBound(latentDimension: -3, classes: .exact(measures)) }
        let bound = try RobustnessBound(latentDimension: 100, classes: .exact(measures))
        for q in [0.0, 1.0, -0.2, 1.5, .nan] {
            #expect(throws: (any Error).self) { try bound.percentile(q) }
        }
        #expect(throws: BoundError.invalidPercentile(1)) { try bound.percentile(1) }
        #expect(throws: BoundError.invalidLipschitz(0)) { try Modulus.lipschitz(0) }
        #expect(throws: BoundError.invalidLipschitz(-2)) { try Modulus.lipschitz(-2) }
        #expect(throws: (any Error).self) { try Modulus.lipschitz(.infinity) }
        #expect(throws: BoundError.invalidExpectedImageNorm(0)) {
            try RobustnessBound(latentDimension: 100, classes: .exact(measures), expectedImageNorm: 0)
        }
        #expect(throws: BoundError.invalidConfidence(1.2)) {
            try RobustnessBound(latentDimension: 100, classes: .counts(try ClassCounts([4, 6]), confidence: 1.2))
        }
        #expect(throws: BoundError.needsFiveEquiprobableClasses(4)) { try IsoperimetricBound.equiprobable(classes: 4, latentRadius: 1) }
        #expect(throws: BoundError.needsFiveEquiprobableClasses(3)) { try ApproximateGeneratorBound.equiprobableArgument(classes: 3) }
    }

    @Test("Theorem 3 and Theorem 4 preconditions")
    func theoremPreconditions() throws {
        let measures = try ClassMeasures([0.45, 0.3, 0.25])
        #expect(throws: BoundError.transferPreconditionViolated(index: 0, measure: 0.45, delta: 0.1)) {
            try TransferBound.probability(latentRadius: 1, delta: 0.1, measures: measures)
        }
        #expect(throws: BoundError.invalidDelta(-0.1)) { try TransferBound.probability(latentRadius: 1, delta: -0.1, measures: measures) }
        #expect(throws: BoundError.invalidWassersteinSlack(-1)) {
            try ApproximateGeneratorBound.expectedRobustness(measures: measures, modulus: .identity, wassersteinSlack: -1)
        }
        let sampled = try SampledModulus(radii: [1, 2], omega: [1, 2], epsilon: 0.01, confidence: 0.9)
        #expect(throws: BoundError.probabilisticModulus(epsilon: 0.01)) {
            try ApproximateGeneratorBound.expectedRobustness(measures: measures, modulus: .curve(sampled), wassersteinSlack: 0)
        }
        let short = try SampledModulus(radii: [0.1, 0.2], omega: [1, 2], kind: .certified)
        #expect(throws: BoundError.beyondModulusRange(radius: ApproximateGeneratorBound.latentArgument(measures), maxRadius: 0.2)) {
            try ApproximateGeneratorBound.expectedRobustness(measures: measures, modulus: .curve(short), wassersteinSlack: 0)
        }
    }

    @Test("messages are one line and name the value")
    func messages() {
        let errors: [BoundError] = [
            .measuresDoNotSumToOne(sum: 0.9), .invalidMeasure(index: 2, value: -0.5), .tooFewClasses(1),
            .invalidPercentile(1.5), .invalidLatentDimension(0), .classCountMismatch(expected: 10, got: 9),
            .invalidModulus("the curve is not monotone"),
        ]
        for error in errors {
            #expect(!error.description.contains("\n"))
            #expect(!error.description.isEmpty)
        }
        #expect(BoundError.invalidMeasure(index: 2, value: -0.5).description.contains("p3 = -0.5"))
        #expect(BoundError.measuresDoNotSumToOne(sum: 0.9).description.contains("0.9"))
    }
}
