import Foundation
import Testing

@testable import CeilingBounds

/// Structural properties on grids of t and random class measures: the corollaries never exceed
/// eq. (2) in their regimes, and every bound is a non-decreasing function into [0, 1].
@Suite("Properties of the bounds")
struct PropertyTests {
    /// t from 0 to 12 (finer near 0, where the bounds are steep).
    static let grid: [Double] = (0...120).map { 0.1 * Double($0) } + [1e-9, 1e-6, 1e-4, 1e-3, 0.01, 0.02, 0.03, 0.05, 0.25, 0.55, 0.65]

    /// Random class measures with every p_i <= 1/2, for K = 2...40 (K = 2 forces 1/2, 1/2).
    static func balancedMeasures(count: Int, seed: UInt64) -> [[Double]] {
        var random = SplitMix64(seed: seed)
        var result: [[Double]] = [[0.5, 0.5]]
        while result.count < count {
            let k = 3 + Int(random.next() % 38)
            let p = random.classMeasures(k)
            if p.allSatisfy({ $0 <= 0.5 }) { result.append(p) }
        }
        return result
    }

    /// Strictly monotone checker allowing rounding-level dips.
    static func isNonDecreasing(_ values: [Double]) -> Bool {
        zip(values, values.dropFirst()).allSatisfy { $1 >= $0 - 1e-15 }
    }

    @Test("eq. (3) at t = 2 is 0.8304 (Remark 1)")
    func remarkOne() {
        let value = IsoperimetricBound.balanced(latentRadius: 2)
        #expect(abs(value - 0.8304) < 5e-5)
        #expect(value > 0.8)
    }

    @Test("eq. (2) >= eq. (3) whenever every p_i <= 1/2")
    func eq2DominatesEq3() throws {
        for values in Self.balancedMeasures(count: 80, seed: 3) {
            let measures = try ClassMeasures(values)
            let sum = IsoperimetricSum(measures)
            for t in Self.grid {
                let general = sum(t)
                let balanced = IsoperimetricBound.balanced(latentRadius: t)
                #expect(general >= balanced - 1e-14, "K = \(values.count), t = \(t): \(general) < \(balanced)")
            }
        }
    }

    @Test("eq. (2) >= eq. (4) for equiprobable K >= 5", arguments: [5, 6, 7, 8, 10, 16, 32, 50, 100, 257, 1000, 4096, 10_000, 100_000])
    func eq2DominatesEq4(classes: Int) throws {
        let sum = IsoperimetricSum(try ClassMeasures.equiprobable(classes: classes))
        for t in Self.grid {
            let general = sum(t)
            let equiprobable = try IsoperimetricBound.equiprobable(classes: classes, latentRadius: t)
            #expect(general >= equiprobable - 1e-14, "K = \(classes), t = \(t): \(general) < \(equiprobable)")
            // eq. (4) improves on eq. (3) in its regime.
            #expect(equiprobable >= IsoperimetricBound.balanced(latentRadius: t))
        }
    }

    @Test("every bound is non-decreasing in eta and within [0, 1]")
    func monotoneAndBounded() throws {
        var random = SplitMix64(seed: 11)
        let curve = try SampledModulus(radii: [0.5, 1, 2, 4], omega: [0.4, 0.6, 1.5, 1.5], epsilon: 0.02, confidence: 0.95)
        let moduli: [Modulus] = [.identity, try .lipschitz(3), .curve(curve)]
        let etas = (0...200).map { 0.06 * Double($0) }
        for _ in 0..<20 {
            let k = 2 + Int(random.next() % 30)
            let values = random.classMeasures(k)
            let measures = try ClassMeasures(values)
            let counts = try ClassCounts(values.map { Int(($0 * 5000).rounded()) })
            for modulus in moduli {
                for classes in [RobustnessBound.ClassInformation.exact(measures), .counts(counts, confidence: 0.9)] {
                    let bound = try RobustnessBound(latentDimension: 64, classes: classes, modulus: modulus)
                    let curveValues = etas.map { bound.probability(eta: $0) }
                    #expect(Self.isNonDecreasing(curveValues))
                    #expect(curveValues.allSatisfy { $0 >= 0 && $0 <= 1 })
                    #expect(curveValues.allSatisfy { $0 <= bound.supremum + 1e-15 })
                    let balanced = etas.compactMap { bound.balancedProbability(latentRadius: modulus.inverse($0)) }
                    #expect(Self.isNonDecreasing(balanced))
                    #expect(balanced.allSatisfy { $0 >= 0 && $0 <= 1 })
                }
            }
        }
        for k in [5, 10, 1000] {
            let values = try etas.map { try IsoperimetricBound.equiprobable(classes: k, latentRadius: $0) }
            #expect(Self.isNonDecreasing(values))
            #expect(values.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
        let transfer = try etas.map {
            try TransferBound.probability(latentRadius: $0, delta: 0.05, measures: try ClassMeasures.equiprobable(classes: 10))
        }
        #expect(Self.isNonDecreasing(transfer))
        #expect(transfer.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test("the worst case over a box sits at an interval end (checked against a fine grid)")
    func worstCaseAtEnds() throws {
        var random = SplitMix64(seed: 5)
        for _ in 0..<30 {
            let low = random.uniformOpen() * 0.9
            let high = min(1, low + random.uniformOpen() * 0.3)
            let box = IsoperimetricSum(worstCaseOver: [low...high], usingSumConstraint: false)
            for t in [0.01, 0.1, 0.5, 1, 2, 4] {
                var smallest = Double.infinity
                for j in 0...400 {
                    let p = low + (high - low) * Double(j) / 400
                    smallest = min(smallest, Gaussian.intervalProbability(from: Gaussian.upperQuantile(p), width: t))
                }
                #expect(box(t) <= smallest + 1e-15)
                #expect(box(t) >= smallest - 1e-15)
            }
        }
    }

    @Test("with sum p_i = 1 the box bound lies between the separate minimum and the exact minimum over the polytope")
    func sumConstraint() throws {
        var random = SplitMix64(seed: 17)
        for _ in 0..<60 {
            let k = 2 + Int(random.next() % 4)
            let total = 40 + Int(random.next() % 400)
            var counts = (0..<k).map { _ in Int(random.next() % UInt64(total)) }
            if counts.allSatisfy({ $0 == 0 }) { counts[0] = 1 }
            let box = try ClassCounts(counts).simultaneousIntervals(confidence: 0.9)
            let constrained = IsoperimetricSum(worstCaseOver: box)
            let separate = IsoperimetricSum(worstCaseOver: box, usingSumConstraint: false)
            for t in [0.05, 0.3, 1, 2.5, 6] {
                // The exact minimum of the concave sum over box ∩ simplex is at a vertex: every
                // coordinate at an end but one, which the sum fixes.
                var exactMinimum = Double.infinity
                for free in 0..<k {
                    for mask in 0..<(1 << (k - 1)) {
                        var p = [Double](repeating: 0, count: k)
                        var bit = 0
                        for i in 0..<k where i != free {
                            p[i] = (mask >> bit) & 1 == 0 ? box[i].lowerBound : box[i].upperBound
                            bit += 1
                        }
                        p[free] = 1 - p.reduce(0, +)
                        guard p[free] >= box[free].lowerBound, p[free] <= box[free].upperBound else { continue }
                        let value = p.reduce(0) { $0 + Gaussian.intervalProbability(from: Gaussian.upperQuantile($1), width: t) }
                        exactMinimum = min(exactMinimum, value)
                    }
                }
                #expect(constrained(t) <= exactMinimum + 1e-14, "counts \(counts), t = \(t)")
                #expect(constrained(t) >= separate(t))
            }
            #expect(constrained.limit == 1)
            #expect(constrained(40) > 1 - 1e-12)
        }
    }

    @Test("the confidence bound is below the point bound, and tends to it as N grows")
    func confidenceIsConservative() throws {
        let values = [0.1, 0.2, 0.3, 0.4]
        let exact = try RobustnessBound(latentDimension: 100, classes: .exact(try ClassMeasures(values)))
        var previousGap = Double.infinity
        for total in [100, 1_000, 10_000, 100_000, 1_000_000] {
            let counts = try ClassCounts(values.map { Int($0 * Double(total)) })
            let bound = try RobustnessBound(latentDimension: 100, classes: .counts(counts, confidence: 0.95))
            let gap = exact.probability(latentRadius: 0.5) - bound.probability(latentRadius: 0.5)
            #expect(gap > 0)
            #expect(gap < previousGap)
            previousGap = gap
            let tExact = try #require(try exact.percentile(0.5).latentRadius)
            let tBound = try #require(try bound.percentile(0.5).latentRadius)
            #expect(tBound > tExact)
        }
        #expect(previousGap < 2e-3)
    }

    @Test("interval probabilities are consistent across the branches of the stable difference")
    func intervalBranches() {
        // Around every branch switch the value must be continuous and match the plain formula
        // where the plain formula is accurate.
        for a in stride(from: -8.0, through: 8.0, by: 0.25) {
            for t in [1e-8, 1e-4, 0.01, 0.3, 0.69, 1, 3, 9] {
                let stable = Gaussian.intervalProbability(from: a, width: t)
                let plain = Gaussian.cdf(a + t) - Gaussian.cdf(a)
                #expect(stable >= 0)
                if plain > 1e-3 { #expect(relativeError(stable, plain) < 1e-9, "a = \(a), t = \(t)") }
                // Mirror symmetry: P(a < Z <= a + t) = P(-a - t < Z <= -a).
                #expect(relativeError(Gaussian.intervalProbability(from: -a - t, width: t), stable) < 1e-13)
            }
        }
    }
}
