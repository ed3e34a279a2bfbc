import CeilingBounds
import CeilingEngine
import Foundation
import Testing
@testable import CeilingScience

/// A two-class affine classifier on R^d with logits (w . x + b, 0): label 0 where w . x + b > 0.
private func halfSpaceClassifier(_ w: [Float], _ b: Float) -> GraphMap {
    let d = w.count
    var builder = GraphBuilder(inputShape: [d])
    builder.add("fc", Linear(weight: w + [Float](repeating: 0, count: d), bias: [b, 0], inFeatures: d, outFeatures: 2))
    return GraphMap(try! builder.build())
}

private func unit(_ d: Int, _ i: Int, _ scale: Float = 1) -> [Float] {
    var w = [Float](repeating: 0, count: d)
    w[i] = scale
    return w
}

@Suite("Transfer (Theorem 3)")
struct TransferTests {
    /// f = h: the classifiers never disagree, and the joint minimal norm is r_unc(f), which for
    /// a linear classifier is the closed-form distance to the nearest boundary.
    @Test func identicalClassifiersJointNormIsUnconstrainedRobustness() throws {
        let linear = LinearClassifier(inputs: 10, classes: 5, seed: 11)
        let map = GraphMap(linear.graph)
        let pair = ClassifierPair(map, map)
        let generator = GraphMap(identityGenerator(10))
        let disagreement = try Disagreement.estimate(generator: generator, pair: pair, trials: 500, seed: 3, confidence: 0.95)
        #expect(disagreement.disagreements == 0)
        #expect(disagreement.lower == 0 && disagreement.upper < 0.01)

        var sampler = LatentSampler(seed: 5)
        let x = sampler.latents(12, shape: [10])
        let found = TransferAttack().attack(pair: pair, x: x)
        #expect(found.best.censoredCount == 0)
        #expect(found.transfersF.allSatisfy { $0 } && found.transfersH.allSatisfy { $0 })
        let margins = requiredMargins(map, at: shifted(x, by: found.best.perturbations))
        for n in 0..<x.batch {
            let exact = linear.distance(x.data[(n * 10)..<((n + 1) * 10)], margin: margins[n])
            #expect(abs(found.best.norms[n] - exact) / exact < 1e-4, "sample \(n): \(found.best.norms[n]) vs \(exact)")
            #expect(abs(found.best.norms[n] - found.ownF.norms[n]) / exact < 1e-4)
        }
    }

    /// f = sign(x_1 - 0.3), h = sign(2 x_2 + 0.5) on the identity generator: orthogonal
    /// hyperplanes, so the joint minimal norm is sqrt(d_1^2 + d_2^2) with d_i each distance, and
    /// neither classifier's own adversary (along e_1 or e_2) fools the other at any scale; and
    /// P(f != h) is a Gaussian orthant sum, checked against the Clopper–Pearson interval.
    @Test func orthogonalHyperplanesClosedForm() throws {
        let d = 6
        let f = halfSpaceClassifier(unit(d, 0), -0.3), h = halfSpaceClassifier(unit(d, 1, 2), 0.5)
        let pair = ClassifierPair(f, h)
        var sampler = LatentSampler(seed: 7)
        let x = sampler.latents(16, shape: [d])
        let found = TransferAttack().attack(pair: pair, x: x)
        #expect(found.best.censoredCount == 0)
        #expect(found.fromF.censoredCount == x.batch && found.fromH.censoredCount == x.batch)
        #expect(!found.transfersF.contains(true) && !found.transfersH.contains(true))
        for n in 0..<x.batch {
            // Each flip must clear the margin 1e-4 (the logit scale is 1 at the boundary) in its
            // logit w . x + b, so each distance grows by 1e-4 / ||w||.
            let d1 = abs(Double(x.data[n * d]) - 0.3) + 1e-4, d2 = abs(Double(x.data[n * d + 1]) + 0.25) + 1e-4 / 2
            let exact = (d1 * d1 + d2 * d2).squareRoot()
            #expect(abs(found.best.norms[n] - exact) / exact < 1e-4, "sample \(n): \(found.best.norms[n]) vs \(exact)")
            #expect(found.best.norms[n] >= max(found.ownF.norms[n], found.ownH.norms[n]) * (1 - 1e-6))
        }

        // P(f != h) = P(x1 > 0.3) P(x2 < -0.25) + P(x1 < 0.3) P(x2 > -0.25).
        let a = Gaussian.upperTail(0.3), b = Gaussian.upperTail(-0.25)
        let exactDelta = a * (1 - b) + (1 - a) * b
        let disagreement = try Disagreement.estimate(generator: GraphMap(identityGenerator(d)), pair: pair, trials: 4000, seed: 9,
                                                     confidence: 0.999)
        #expect(disagreement.lower <= exactDelta && exactDelta <= disagreement.upper, "\(exactDelta) vs \(disagreement)")
    }

    /// Two hyperplanes at 60 degrees through the same offset: where both constraints are active
    /// the joint minimum is the distance to the intersection of the two hyperplanes,
    /// sqrt(b^T G^{-1} b) with G the Gram matrix of the normals.
    @Test func angledHyperplanesMatchTheTwoConstraintMinimum() {
        let d = 4
        let c = Float(0.5), s = Float(3).squareRoot() / 2
        let f = halfSpaceClassifier(unit(d, 0), 0), h = halfSpaceClassifier([c, s, 0, 0], 0)
        let pair = ClassifierPair(f, h)
        // Points with x1 > 0 and c x1 + s x2 > 0: both labels 0, and the flips need r with
        // r1 <= -x1 and c r1 + s r2 <= -(c x1 + s x2).
        let points: [[Float]] = [[1, 1, 0.3, -0.2], [0.5, 2, 0, 0], [2, 0.2, 1, 1], [0.3, 0.1, -1, 0.5]]
        let x = Tensor(shape: [points.count, d], data: points.flatMap { $0 })
        let found = TransferAttack().attack(pair: pair, x: x)
        for (n, p) in points.enumerated() {
            // Unit normals: each constraint must clear the margin 1e-4 in its logit.
            let b1 = Double(p[0]) + 1e-4, b2 = Double(c * p[0] + s * p[1]) + 1e-4
            // Exact: minimise ||r|| over the 2-D plane of the normals (the rest of r is zero).
            let exact = Self.twoConstraintMinimum(b1: b1, b2: b2, cosine: Double(c))
            #expect(abs(found.best.norms[n] - exact) / exact < 1e-4, "sample \(n): \(found.best.norms[n]) vs \(exact)")
        }
    }

    /// min ||r|| s.t. u1 . r >= b1, u2 . r >= b2 for unit normals with u1 . u2 = cosine, by brute
    /// force over the angle of r in the plane of the normals and the least sufficient length.
    static func twoConstraintMinimum(b1: Double, b2: Double, cosine: Double) -> Double {
        let sine = (1 - cosine * cosine).squareRoot()
        var best = Double.infinity
        for step in 0..<2_000_000 {
            let angle = Double(step) / 2_000_000 * 2 * Double.pi
            let p1 = cos(angle), p2 = cosine * cos(angle) + sine * sin(angle)
            guard p1 > 0, p2 > 0 else { continue }
            best = min(best, max(b1 / p1, b2 / p2))
        }
        return best
    }

    @Test func halfSpacePairEdgeCases() {
        // One constraint active: the projection onto the first hyperplane satisfies the second.
        let one = HalfSpacePair([1, 0], 2, [1, 1], 1).minimalPoint!
        #expect(abs(one[0] - 2) < 1e-12 && abs(one[1]) < 1e-12)
        // Already satisfied.
        #expect(HalfSpacePair([1, 0], -1, [0, 1], -2).minimalPoint! == [0, 0])
        // Opposite normals with a gap: empty.
        #expect(HalfSpacePair([1, 0], 1, [-1, 0], 1).minimalPoint == nil)
        // Orthogonal, both active.
        let both = HalfSpacePair([1, 0], 3, [0, 2], 8).minimalPoint!
        #expect(abs(both[0] - 3) < 1e-12 && abs(both[1] - 4) < 1e-12)
    }

    /// The study on two balanced-enough classifiers: the curves are monotone, the empirical one
    /// reaches 1 at the largest eta, and a binary pair (p_i near 1/2) reports the failed condition.
    @Test func studyReportsCurvesAndTheCondition() throws {
        let d = 6
        let f = halfSpaceClassifier(unit(d, 0), 0), h = halfSpaceClassifier(unit(d, 0, 1.5), 0.05)
        var settings = TransferSettings()
        settings.samples = 10
        settings.measureSamples = 1000
        settings.refinementSteps = 30
        let measured = try TransferStudy(generator: GraphMap(identityGenerator(d)), pair: ClassifierPair(f, h), settings: settings).run()
        #expect(measured.curve.conditionOn == nil && measured.curve.conditionFailure != nil)
        #expect(measured.curve.bound.allSatisfy { $0 == nil })
        #expect(measured.curve.empirical.last == 1)
        #expect(zip(measured.curve.empirical, measured.curve.empirical.dropFirst()).allSatisfy { $0 <= $1 })

        // Ten classes with p_i <= 0.15 and delta = 0.01: the condition holds and the bound is
        // Theorem 3 at t = eta (omega = identity).
        let curve = try TransferCurve.make(eta: [0.5, 1, 2], delta: 0.01,
                                       measuresF: try .equiprobable(classes: 10), largestF: Array(repeating: 0.15, count: 10),
                                       measuresH: try .equiprobable(classes: 10), largestH: Array(repeating: 0.15, count: 10),
                                       modulus: .identity, joint: [0.4, 1.5, .infinity], fromF: [], fromH: [], confidence: 0.95)
        #expect(curve.conditionOn == "f")
        // The measured fractions 1/3, 1/3, 2/3 with their Clopper–Pearson intervals.
        let interval = try ClopperPearson.interval(successes: 1, trials: 3, confidence: 0.95)
        #expect(curve.empiricalLower?[0] == interval.lowerBound && curve.empiricalUpper?[1] == interval.upperBound)
        for (eta, value) in zip(curve.eta, curve.bound) {
            let expected = try TransferBound.probability(latentRadius: eta, delta: 0.01, measures: try .equiprobable(classes: 10))
            #expect(value == expected)
        }
        let fractions: [Double] = [1.0 / 3, 1.0 / 3, 2.0 / 3]
        #expect(curve.empirical == fractions)
    }
}
