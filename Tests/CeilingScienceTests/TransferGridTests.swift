import CeilingBounds
import Foundation
import Testing
@testable import CeilingScience

@Suite("Transfer eta grid")
struct TransferGridTests {
    let balanced = [[Double]](repeating: [Double](repeating: 0.1, count: 10), count: 2)

    @Test("runs on to where Theorem 3's bound reaches 90% of its supremum when it is 0 at the attacks' radii")
    func extendsToTheBound() throws {
        let modulus = try Modulus.lipschitz(50)
        let eta = TransferStudy.etaGrid(top: 2, points: 12, delta: 0.15, largestMeasures: balanced, modulus: modulus)
        #expect(eta.count == 24)
        #expect(eta[11] == 2)
        #expect(zip(eta, eta.dropFirst()).allSatisfy { $0 < $1 })
        let measures = try ClassMeasures([Double](repeating: 0.1, count: 10))
        let atTop = try TransferBound.probability(latentRadius: modulus.inverse(2), delta: 0.15, measures: measures)
        let atEnd = try TransferBound.probability(latentRadius: modulus.inverse(eta[23]), delta: 0.15, measures: measures)
        #expect(atTop == 0)
        #expect(abs(atEnd - 0.9 * (1 - 0.3)) < 1e-9)
    }

    @Test("stays at the attacks' radii when the bound is positive there or Theorem 3 does not apply")
    func evenOnly() throws {
        let steep = TransferStudy.etaGrid(top: 2, points: 12, delta: 0.15, largestMeasures: balanced, modulus: .identity)
        #expect(steep.count == 12 && steep.last == 2)
        let unbalanced = [[Double]](repeating: [0.45] + [Double](repeating: 0.55 / 9, count: 9), count: 2)
        let fails = TransferStudy.etaGrid(top: 2, points: 12, delta: 0.15, largestMeasures: unbalanced, modulus: try .lipschitz(50))
        #expect(fails.count == 12)
    }
}
