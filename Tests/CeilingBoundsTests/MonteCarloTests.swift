import Foundation
import Testing

@testable import CeilingBounds

/// Remark 4 by simulation: for a classifier whose classes are half-spaces in latent space and the
/// identity generator, the latent robustness of z is its distance to the hyperplane, and
/// eq. (2) is an equality. 10^5 seeded samples; agreement within 3 standard errors.
@Suite("Monte Carlo tightness (Remark 4)")
struct MonteCarloTests {
    static let samples = 100_000

    /// Samples z ~ N(0, I_d) and returns the distances |w . z - b| to the hyperplane
    /// {w . z = b}, ||w|| = 1: r_Z(z) for the classifier sign(w . z - b).
    static func halfSpaceRobustness(dimension: Int, offset: Double, seed: UInt64) -> [Double] {
        var random = SplitMix64(seed: seed)
        var direction = (0..<dimension).map { _ in random.normalPair().0 }
        let length = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
        direction = direction.map { $0 / length }
        var distances: [Double] = []
        distances.reserveCapacity(samples)
        var spare: Double?
        for _ in 0..<samples {
            var projection = 0.0
            for w in direction {
                let x: Double
                if let value = spare {
                    x = value
                    spare = nil
                } else {
                    let (first, second) = random.normalPair()
                    x = first
                    spare = second
                }
                projection += w * x
            }
            distances.append(abs(projection - offset))
        }
        return distances
    }

    @Test("sign(z_1): P(|z_1| <= t) matches eq. (2) within 3 standard errors")
    func signOfFirstCoordinate() throws {
        // d = 1, w = e_1: r_Z = |z_1| exactly.
        let distances = Self.halfSpaceRobustness(dimension: 1, offset: 0, seed: 2018)
        let sum = IsoperimetricSum(try ClassMeasures([0.5, 0.5]))
        for t in [0.05, 0.2, 0.5, 1, 1.5, 2, 3] {
            let fraction = Double(distances.filter { $0 <= t }.count) / Double(Self.samples)
            let exact = sum(t)
            let standardError = (exact * (1 - exact) / Double(Self.samples)).squareRoot()
            #expect(abs(fraction - exact) <= 3 * standardError, "t = \(t): \(fraction) vs \(exact)")
        }
    }

    @Test("an off-centre half-space in d = 8: eq. (2) is still an equality", arguments: [-1.2, 0.4, 2.0])
    func offCentreHalfSpace(offset: Double) throws {
        let distances = Self.halfSpaceRobustness(dimension: 8, offset: offset, seed: UInt64((offset + 10) * 100))
        // Class 1 = {w . z > b} has measure Q(b), class 2 the rest.
        let upper = Gaussian.upperTail(offset)
        let sum = IsoperimetricSum(try ClassMeasures([upper, 1 - upper]))
        for t in [0.1, 0.5, 1, 2] {
            let fraction = Double(distances.filter { $0 <= t }.count) / Double(Self.samples)
            let exact = sum(t)
            let standardError = (exact * (1 - exact) / Double(Self.samples)).squareRoot()
            #expect(abs(fraction - exact) <= 3 * standardError, "b = \(offset), t = \(t): \(fraction) vs \(exact)")
        }
    }

    @Test("three parallel slabs: eq. (2) is a lower bound, not an equality")
    func threeSlabs() throws {
        // Classes z_1 < -0.5, -0.5 <= z_1 < 0.7, z_1 >= 0.7; r_Z is the distance to the nearest
        // boundary of z's own class.
        var random = SplitMix64(seed: 99)
        let cuts = (-0.5, 0.7)
        var distances: [Double] = []
        for _ in 0..<(Self.samples / 2) {
            let (a, b) = random.normalPair()
            for z in [a, b] {
                if z < cuts.0 { distances.append(cuts.0 - z) }
                else if z < cuts.1 { distances.append(min(z - cuts.0, cuts.1 - z)) }
                else { distances.append(z - cuts.1) }
            }
        }
        let measures = try ClassMeasures([Gaussian.cdf(cuts.0), Gaussian.cdf(cuts.1) - Gaussian.cdf(cuts.0), Gaussian.upperTail(cuts.1)])
        let sum = IsoperimetricSum(measures)
        for t in [0.1, 0.3, 0.6, 1, 2] {
            let fraction = Double(distances.filter { $0 <= t }.count) / Double(distances.count)
            let bound = sum(t)
            let standardError = (bound * (1 - bound) / Double(distances.count)).squareRoot()
            #expect(fraction >= bound - 3 * standardError, "t = \(t): \(fraction) < \(bound)")
        }
    }
}
