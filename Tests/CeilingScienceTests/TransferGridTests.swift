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

    @Test("the summary's rows: the median and largest joint adversaries, the bound's first positive point, the end")
    func landmarks() {
        let eta = (1...10).map(Double.init) + [20, 40, 80]
        func curve(bound: [Double?]) -> TransferCurve {
            TransferCurve(eta: eta, bound: bound, empirical: eta.map { _ in 0 }, empiricalLower: nil, empiricalUpper: nil, confidence: nil,
                          fromF: eta.map { _ in 0 }, fromH: eta.map { _ in 0 }, conditionOn: nil, conditionFailure: nil)
        }
        let positiveLate = curve(bound: [Double?](repeating: 0, count: 11) + [0.2, 0.5])
        let rows = positiveLate.landmarks(joint: [7.2, 1.5, .infinity, 3.5, 2.5])
        #expect(rows.map(\.index) == [3, 7, 11, 12])
        #expect(rows.map(\.landmark) == [.medianAdversary, .largestAdversary, .boundPositive, .end])
        // Nothing found and no bound: the end alone; a row that is two landmarks is shown once.
        let none = curve(bound: eta.map { _ in nil })
        #expect(none.landmarks(joint: [.infinity]).map(\.landmark) == [.end])
        let atEnd = none.landmarks(joint: [1.5, 2.5, 80])
        #expect(atEnd.map(\.index) == [2, 12] && atEnd.map(\.landmark) == [.medianAdversary, .largestAdversary])
    }
}
