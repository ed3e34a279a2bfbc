import Foundation
import Testing

@testable import CeilingBounds

@Suite("Bounds from class counts")
struct ConfidenceTests {
    @Test("Clopper–Pearson ends: 0 at n = 0, 1 at n = N, containing n / N")
    func intervalEnds() throws {
        let zero = try ClopperPearson.interval(successes: 0, trials: 50, confidence: 0.95)
        #expect(zero.lowerBound == 0)
        // The classic exact upper end for 0 successes: 1 - (alpha/2)^(1/N).
        #expect(relativeError(zero.upperBound, 1 - pow(0.025, 1.0 / 50)) < 1e-12)
        let all = try ClopperPearson.interval(successes: 50, trials: 50, confidence: 0.95)
        #expect(all.upperBound == 1)
        #expect(relativeError(all.lowerBound, pow(0.025, 1.0 / 50)) < 1e-12)
        let middle = try ClopperPearson.interval(successes: 17, trials: 50, confidence: 0.99)
        #expect(middle.contains(17.0 / 50))
    }

    @Test("Bonferroni: simultaneous intervals are wider than single ones")
    func bonferroni() throws {
        let counts = try ClassCounts([30, 30, 40])
        let simultaneous = try counts.simultaneousIntervals(confidence: 0.95)
        let single = try ClopperPearson.interval(successes: 30, trials: 100, confidence: 0.95)
        #expect(simultaneous[0].lowerBound < single.lowerBound)
        #expect(simultaneous[0].upperBound > single.upperBound)
    }

    @Test("a confidence bound that never reaches a high level says so")
    func notReached() throws {
        // Class counts and a sampled modulus failing with probability 0.02: the bound tops out
        // at 0.98, so q = 0.99 is out of reach.
        let counts = try ClassCounts([50, 50, 50, 50])
        let curve = try SampledModulus(radii: [1, 50], omega: [2, 100], epsilon: 0.02, confidence: 0.95)
        let bound = try RobustnessBound(latentDimension: 100, classes: .counts(counts, confidence: 0.95), modulus: .curve(curve))
        #expect(bound.supremum < 0.99)
        #expect(bound.supremum > 0.97)
        let percentile = try bound.percentile(0.99)
        #expect(!percentile.isReached)
        #expect(percentile.latentRadius == nil)
        #expect(percentile.eta == nil)
        #expect(percentile.normalisedLatent == nil)
        #expect(percentile.note?.contains("supremum") == true)
        // A level under the supremum is reached and is larger than the point estimate's.
        let reachable = try bound.percentile(0.25)
        let point = try RobustnessBound(latentDimension: 100, classes: .exact(try .equiprobable(classes: 4)))
        #expect(try #require(reachable.latentRadius) > (try #require(try point.percentile(0.25 + 0.02).latentRadius)))
        #expect(reachable.equation.contains("Clopper–Pearson"))
        // Without the sum constraint the same counts never pass the sum of the lower ends.
        let separate = IsoperimetricSum(worstCaseOver: bound.intervals ?? [], usingSumConstraint: false)
        #expect(separate.limit < 0.9)
        #expect(BoundInversion.smallestRadius(reaching: 0.95, supremum: separate.limit, { separate($0) }) == nil)
    }

    @Test("epsilon can put a level out of reach of exact measures too")
    func epsilonNotReached() throws {
        let curve = try SampledModulus(radii: [1, 100], omega: [1, 100], epsilon: 0.05, confidence: 0.9)
        let bound = try RobustnessBound(latentDimension: 100, classes: .exact(try .equiprobable(classes: 10)), modulus: .curve(curve))
        let percentile = try bound.percentile(0.97)
        #expect(!percentile.isReached)
        #expect(try bound.balancedPercentile(0.97)?.isReached == false)
        #expect(try bound.equiprobablePercentile(0.97)?.isReached == false)
        #expect(try bound.percentile(0.9).isReached)
    }

    @Test("Theorem 4 from counts takes the upper ends")
    func theoremFourBox() throws {
        let counts = try ClassCounts([300, 700])
        let intervals = try counts.simultaneousIntervals(confidence: 0.95)
        let worst = ApproximateGeneratorBound.latentArgument(worstCaseOver: intervals)
        let point = ApproximateGeneratorBound.latentArgument(try ClassMeasures([0.3, 0.7]))
        #expect(worst > point)
    }
}

@Suite("Incomplete beta function")
struct IncompleteBetaTests {
    /// Near the mean both implementations lose about 1e-16 (a + b) to cancellation.
    static func tolerance(_ a: Double, _ b: Double) -> Double { max(1e-12, 2e-15 * (a + b)) }

    @Test("agrees with GSL's gsl_cdf_beta_P/Q where those work")
    func againstGSL() {
        let parameters: [(Double, Double)] = [(1, 1), (0.5, 3), (2, 2), (3, 1000), (120, 881), (1000, 9001), (250, 751), (20_000, 30_000)]
        for (a, b) in parameters {
            let mean = a / (a + b)
            let spread = (a * b / ((a + b) * (a + b) * (a + b + 1))).squareRoot()
            for z in [-6.0, -3, -1, 0, 0.5, 2, 5] {
                let x = mean + z * spread
                guard x > 0, x < 1 else { continue }
                let (lower, upper) = IncompleteBeta.tails(x, a, b)
                let gslLower = gslBetaLower(x, a, b)
                let gslUpper = gslBetaUpper(x, a, b)
                #expect(relativeError(lower, gslLower) < Self.tolerance(a, b), "I_\(x)(\(a), \(b))")
                #expect(relativeError(upper, gslUpper) < Self.tolerance(a, b), "1 - I_\(x)(\(a), \(b))")
            }
        }
    }

    @Test("quantiles invert the tails", arguments: [(1.0, 50.0), (7, 993), (500, 500), (4_000_000, 6_000_001), (2, 1e9)])
    func inverts(a: Double, b: Double) throws {
        for p in [1e-12, 1e-6, 0.003, 0.25, 0.5, 0.9] {
            // Tails (where confidence intervals live) to 1e-10; the centre to the accuracy of the
            // function itself there.
            let tolerance = p < 0.01 ? 1e-10 : max(1e-10, 1e-15 * (a + b))
            let lower = try #require(IncompleteBeta.quantile(p, a, b, upperTail: false))
            #expect(relativeError(IncompleteBeta.tails(lower, a, b).lower, p) < tolerance, "p = \(p)")
            let upper = try #require(IncompleteBeta.quantile(p, a, b, upperTail: true))
            #expect(relativeError(IncompleteBeta.tails(upper, a, b).upper, p) < tolerance, "p = \(p)")
        }
    }
}
