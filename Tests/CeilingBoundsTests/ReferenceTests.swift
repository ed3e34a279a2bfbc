import Foundation
import Testing

@testable import CeilingBounds

/// Agreement with independent 50-digit mpmath values (Fixtures/bound_reference.json), to 1e-9
/// relative, tails included: t from 1e-6 to 10, p_i down to 1e-9.
@Suite("Reference values (mpmath)")
struct ReferenceTests {
    static let tolerance = 1e-9

    @Test("eq. (2) for arbitrary class measures", arguments: Reference.shared.eq2.map(\.name))
    func eq2(name: String) throws {
        let reference = try #require(Reference.shared.eq2.first { $0.name == name })
        let measures = try ClassMeasures(reference.measures)
        for (t, expected) in zip(reference.t, reference.values) {
            let value = IsoperimetricBound.general(measures, latentRadius: t)
            #expect(relativeError(value, expected) <= Self.tolerance, "t = \(t): \(value) vs \(expected)")
        }
    }

    @Test("eq. (3)")
    func eq3() {
        let reference = Reference.shared.eq3
        for (t, expected) in zip(reference.t, reference.values) {
            let value = IsoperimetricBound.balanced(latentRadius: t)
            #expect(relativeError(value, expected) <= Self.tolerance, "t = \(t): \(value) vs \(expected)")
        }
    }

    @Test("eq. (4)", arguments: Reference.shared.eq4.map(\.classes))
    func eq4(classes: Int) throws {
        let reference = try #require(Reference.shared.eq4.first { $0.classes == classes })
        for (t, expected) in zip(reference.t, reference.values) {
            let value = try IsoperimetricBound.equiprobable(classes: classes, latentRadius: t)
            #expect(relativeError(value, expected) <= Self.tolerance, "t = \(t): \(value) vs \(expected)")
        }
    }

    @Test("Theorem 3 (transfer)", arguments: Reference.shared.transfer.map(\.delta))
    func transfer(delta: Double) throws {
        let reference = try #require(Reference.shared.transfer.first { $0.delta == delta })
        let measures = try ClassMeasures(reference.measures)
        for (t, expected) in zip(reference.t, reference.values) {
            let value = try TransferBound.probability(latentRadius: t, delta: delta, measures: measures)
            #expect(relativeError(value, expected) <= Self.tolerance, "t = \(t): \(value) vs \(expected)")
        }
    }

    @Test("Theorem 4 argument for arbitrary class measures", arguments: Reference.shared.theorem4.map(\.name))
    func theorem4(name: String) throws {
        let reference = try #require(Reference.shared.theorem4.first { $0.name == name })
        let measures = try ClassMeasures(reference.measures)
        let argument = ApproximateGeneratorBound.latentArgument(measures)
        #expect(relativeError(argument, reference.argument) <= Self.tolerance)
        // With a Lipschitz modulus and a Wasserstein slack: L * argument + delta.
        let bound = try ApproximateGeneratorBound.expectedRobustness(
            measures: measures, modulus: try .lipschitz(2.5), wassersteinSlack: 0.125)
        #expect(relativeError(bound, 2.5 * reference.argument + 0.125) <= Self.tolerance)
    }

    @Test("Theorem 4 closed form for K >= 5 equiprobable classes")
    func theorem4Equiprobable() throws {
        for reference in Reference.shared.theorem4Equiprobable {
            let value = try ApproximateGeneratorBound.equiprobableArgument(classes: reference.classes)
            #expect(relativeError(value, reference.value) <= Self.tolerance, "K = \(reference.classes)")
        }
    }

    @Test("percentiles of eq. (2)", arguments: Reference.shared.percentiles.map(\.name))
    func percentiles(name: String) throws {
        let reference = try #require(Reference.shared.percentiles.first { $0.name == name })
        let bound = try RobustnessBound(latentDimension: 100, classes: .exact(try ClassMeasures(reference.measures)))
        for (q, expected) in zip(reference.levels, reference.t) {
            let percentile = try bound.percentile(q)
            let t = try #require(percentile.latentRadius, "q = \(q) not reached")
            #expect(relativeError(t, expected) <= Self.tolerance, "q = \(q): \(t) vs \(expected)")
            #expect(percentile.eta == t)
        }
    }

    @Test("E||z|| from the log-gamma ratio", arguments: Reference.shared.expectedNorm.map(\.dimension))
    func expectedNorm(dimension: Int) throws {
        let reference = try #require(Reference.shared.expectedNorm.first { $0.dimension == dimension })
        let value = try LatentGaussian.expectedNorm(dimension: dimension)
        #expect(relativeError(value, reference.value) <= Self.tolerance)
    }

    @Test("Clopper–Pearson intervals and the worst case of eq. (2) over them")
    func clopperPearson() throws {
        for reference in Reference.shared.clopperPearson {
            let counts = try ClassCounts(reference.counts)
            let intervals = try counts.simultaneousIntervals(confidence: reference.confidence)
            for (i, interval) in intervals.enumerated() {
                #expect(relativeError(interval.lowerBound, reference.lower[i]) <= Self.tolerance, "\(reference.counts) lower \(i)")
                #expect(relativeError(interval.upperBound, reference.upper[i]) <= Self.tolerance, "\(reference.counts) upper \(i)")
            }
            let worst = IsoperimetricSum(worstCaseOver: intervals)
            let separate = IsoperimetricSum(worstCaseOver: intervals, usingSumConstraint: false)
            for (i, t) in reference.t.enumerated() {
                #expect(relativeError(worst(t), reference.worstCase[i]) <= Self.tolerance, "\(reference.counts) t = \(t)")
                #expect(relativeError(separate(t), reference.worstCaseSeparate[i]) <= Self.tolerance, "\(reference.counts) t = \(t)")
            }
        }
    }

    @Test("Clopper–Pearson intervals for up to 10^7 samples (reference: SciPy/Boost)")
    func clopperPearsonLarge() throws {
        for reference in Reference.shared.clopperPearsonLarge {
            let intervals = try ClassCounts(reference.counts).simultaneousIntervals(confidence: reference.confidence)
            for (i, interval) in intervals.enumerated() {
                #expect(relativeError(interval.lowerBound, reference.lower[i]) <= Self.tolerance, "\(reference.counts) lower \(i)")
                #expect(relativeError(interval.upperBound, reference.upper[i]) <= Self.tolerance, "\(reference.counts) upper \(i)")
            }
        }
    }

    @Test("Figure 2: median of eq. (2) for equiprobable classes")
    func kDependence() throws {
        for reference in Reference.shared.kDependenceMedian {
            let t = try KDependence.radius(classes: reference.classes, level: 0.5)
            #expect(relativeError(t, reference.medianT) <= Self.tolerance, "K = \(reference.classes)")
        }
    }

    @Test("largest relative error over all eq. (2) and percentile references stays below 1e-9")
    func worstCase() throws {
        var worst = 0.0
        for reference in Reference.shared.eq2 {
            let measures = try ClassMeasures(reference.measures)
            for (t, expected) in zip(reference.t, reference.values) {
                worst = max(worst, relativeError(IsoperimetricBound.general(measures, latentRadius: t), expected))
            }
        }
        for reference in Reference.shared.percentiles {
            let bound = try RobustnessBound(latentDimension: 10, classes: .exact(try ClassMeasures(reference.measures)))
            for (q, expected) in zip(reference.levels, reference.t) {
                worst = max(worst, relativeError(try bound.percentile(q).latentRadius ?? .infinity, expected))
            }
        }
        #expect(worst <= Self.tolerance)
    }
}
