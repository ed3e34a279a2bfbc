import Foundation
import Testing

@testable import CeilingBounds

/// The numbers the paper states, reproduced.
@Suite("Numbers from the paper")
struct PaperChecksTests {
    @Test("d = 100, K = 10 equiprobable, q = 0.25: t = 0.158, t / E||z|| = 0.0158 (Tables 1 and 2)")
    func tablesOneAndTwo() throws {
        let bound = try RobustnessBound(latentDimension: 100, classes: .exact(try .equiprobable(classes: 10)))
        let percentile = try bound.percentile(0.25)
        let t = try #require(percentile.latentRadius)
        let normalised = try #require(percentile.normalisedLatent)
        #expect((t * 1000).rounded() / 1000 == 0.158)
        #expect((normalised * 10_000).rounded() / 10_000 == 0.0158)
        #expect((normalised * 1000).rounded() == 16)  // "16 x 10^-3"
        #expect(percentile.eta == t)
        #expect(percentile.equation == "eq. (2)")
    }

    @Test("E||z|| lies in [sqrt(d - 1), sqrt(d)] (Remark 1)", arguments: [1, 2, 5, 50, 99, 100, 101, 1000, 123_456])
    func normRange(dimension: Int) throws {
        let norm = try LatentGaussian.expectedNorm(dimension: dimension)
        #expect(norm <= Double(dimension).squareRoot())
        #expect(norm >= Double(dimension - 1).squareRoot())
    }

    @Test("Remark 4: for two half-spaces eq. (2) is 2 (Phi(t) - 1/2)")
    func remarkFour() throws {
        let sum = IsoperimetricSum(try ClassMeasures([0.5, 0.5]))
        for t in [0.01, 0.1, 0.5, 1, 2, 5] {
            #expect(relativeError(sum(t), 2 * (Gaussian.cdf(t) - 0.5)) < 1e-13)
        }
    }

    @Test("Figure 2: the median bound falls with K, slowly")
    func figureTwo() throws {
        let classCounts = KDependence.logSpacedClassCounts(upTo: 10_000, perDecade: 4)
        #expect(classCounts.first == 2)
        #expect(classCounts.last == 10_000)
        let curve = try KDependence.curve(classCounts: classCounts)
        for (a, b) in zip(curve, curve.dropFirst()) {
            #expect(b.latentRadius < a.latentRadius)
        }
        // K = 2: the median of |z_1|, Phi^{-1}(3/4).
        #expect(relativeError(curve[0].latentRadius, Gaussian.quantile(0.75)) < 1e-13)
        // Four decades of K lose only a factor of about 4.
        let ratio = curve[0].latentRadius / curve[curve.count - 1].latentRadius
        #expect(ratio > 3 && ratio < 5)
        // eq. (4) is weaker: its median is larger wherever it applies.
        for point in curve {
            if let closedForm = point.equiprobableRadius { #expect(closedForm >= point.latentRadius) }
        }
    }

    @Test("Theorem 4: the closed form bounds the exact argument for K >= 5 equiprobable classes",
          arguments: [5, 6, 10, 100, 1000, 100_000])
    func theoremFourClosedForm(classes: Int) throws {
        let exact = ApproximateGeneratorBound.latentArgument(try .equiprobable(classes: classes))
        let closedForm = try ApproximateGeneratorBound.equiprobableArgument(classes: classes)
        #expect(exact <= closedForm)
        #expect(exact > 0)
    }

    @Test("Theorem 3 is eq. (3) minus 2 delta, and its percentile is larger")
    func theoremThree() throws {
        let measures = try ClassMeasures.equiprobable(classes: 10)
        let plain = try #require(IsoperimetricBound.balancedRadius(reaching: 0.5))
        let transfer = try #require(try TransferBound.radius(reaching: 0.5, delta: 0.05, measures: measures))
        #expect(transfer > plain)
        #expect(abs(try TransferBound.probability(latentRadius: transfer, delta: 0.05, measures: measures) - 0.5) < 1e-12)
        #expect(try TransferBound.radius(reaching: 0.95, delta: 0.03, measures: measures) == nil)
    }
}
