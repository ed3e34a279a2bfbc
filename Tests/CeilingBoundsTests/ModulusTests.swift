import Foundation
import Testing

@testable import CeilingBounds

@Suite("Modulus of continuity")
struct ModulusTests {
    @Test("identity and Lipschitz moduli and their inverses")
    func closedForms() throws {
        let lipschitz = try Modulus.lipschitz(4)
        #expect(lipschitz(0.5) == 2)
        #expect(lipschitz.inverse(2) == 0.5)
        #expect(Modulus.identity(0.3) == 0.3)
        #expect(Modulus.identity.inverse(0.3) == 0.3)
        #expect(Modulus.identity.maxRadius == .infinity)
        #expect(lipschitz.leastConcaveMajorant == lipschitz)
        #expect(lipschitz.failureProbability == 0)
    }

    @Test("a sampled curve interpolates, implies (0, 0) and stops at its last radius")
    func sampledCurve() throws {
        let curve = try SampledModulus(radii: [1, 2, 4], omega: [2, 3, 3], epsilon: 0.01, confidence: 0.95)
        #expect(curve.value(at: 0) == 0)
        #expect(curve.value(at: 0.5) == 1)
        #expect(curve.value(at: 1.5) == 2.5)
        #expect(curve.value(at: 3) == 3)
        #expect(curve.value(at: 4) == 3)
        #expect(curve.value(at: 4.01) == .infinity)
        #expect(curve.inverse(1) == 0.5)
        #expect(curve.inverse(2.5) == 1.5)
        // The flat piece [2, 4] is jumped to its right end: every s <= 4 maps within 3.
        #expect(curve.inverse(3) == 4)
        #expect(curve.inverse(10) == 4)
        #expect(curve.maxRadius == 4)
        #expect(curve.lipschitzSummary == 2)
        // Round trip omega(omega^{-1}(eta)) <= eta.
        for eta in stride(from: 0.0, through: 3.5, by: 0.01) {
            #expect(curve.value(at: curve.inverse(eta)) <= eta + 1e-12)
        }
    }

    @Test("a curve may start at s = 0 with omega(0) > 0")
    func positiveAtZero() throws {
        let curve = try SampledModulus(radii: [0, 1], omega: [0.5, 1.5], kind: .certified)
        #expect(curve.inverse(0.2) == 0)
        #expect(curve.inverse(1) == 0.5)
        #expect(curve.lipschitzSummary == .infinity)
    }

    @Test("the least concave majorant is concave, above the curve, and the smallest such")
    func leastConcaveMajorant() throws {
        let curve = try SampledModulus(radii: [0.5, 1, 1.5, 2, 3], omega: [0.1, 1.0, 1.1, 1.9, 2.0], epsilon: 0, confidence: 1)
        #expect(!curve.isConcave)
        let hull = curve.leastConcaveMajorant
        #expect(hull.isConcave)
        #expect(hull.maxRadius == curve.maxRadius)
        for s in stride(from: 0.0, through: 3, by: 0.01) {
            #expect(hull.value(at: s) >= curve.value(at: s) - 1e-12)
        }
        // Hull vertices: (0, 0), (1, 1), (2, 1.9), (3, 2).
        #expect(hull.radii == [0, 1, 2, 3])
        #expect(hull.omega == [0, 1, 1.9, 2])
        let concave = try SampledModulus(radii: [1, 2], omega: [1, 1.5], kind: .certified)
        #expect(concave.leastConcaveMajorant.omega == [0, 1, 1.5])
    }

    @Test("invalid curves are rejected with a clear reason")
    func invalidCurves() {
        func reason(_ make: () throws -> SampledModulus) -> String {
            do {
                _ = try make()
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(reason { try SampledModulus(radii: [1, 2, 3], omega: [1, 0.5, 2], epsilon: 0, confidence: 1) }.contains("not monotone"))
        #expect(reason { try SampledModulus(radii: [1, 1, 3], omega: [1, 2, 3], epsilon: 0, confidence: 1) }.contains("strictly increasing"))
        #expect(reason { try SampledModulus(radii: [1, .nan], omega: [1, 2], epsilon: 0, confidence: 1) }.contains("radii[1]"))
        #expect(reason { try SampledModulus(radii: [1, 2], omega: [1, .infinity], epsilon: 0, confidence: 1) }.contains("omega[1]"))
        #expect(reason { try SampledModulus(radii: [1, 2], omega: [1], epsilon: 0, confidence: 1) }.contains("2 radii but 1"))
        #expect(reason { try SampledModulus(radii: [], omega: [], epsilon: 0, confidence: 1) }.contains("no points"))
        #expect(reason { try SampledModulus(radii: [1], omega: [1], epsilon: 1, confidence: 1) }.contains("epsilon"))
        #expect(reason { try SampledModulus(radii: [1], omega: [1], epsilon: 0.1) }.contains("confidence"))
        #expect(reason { try SampledModulus(radii: [1], omega: [1], epsilon: 0.1, kind: .certified) }.contains("certified"))
        #expect(reason { try SampledModulus(radii: [-1, 1], omega: [1, 1], epsilon: 0, confidence: 1) }.contains("radii[0]"))
    }

    @Test("JSON: the documented shape reads, round-trips, and bad files are named")
    func json() throws {
        let text = """
            {"kind": "sampled", "radii": [0.25, 0.5, 1.0], "omega": [0.3, 0.55, 1.0],
             "epsilon": 0.01, "confidence": 0.95, "anchors": 512}
            """
        let curve = try SampledModulus(json: Data(text.utf8))
        #expect(curve.radii == [0.25, 0.5, 1.0])
        #expect(curve.epsilon == 0.01)
        #expect(curve.confidence == 0.95)
        #expect(try SampledModulus(json: try curve.jsonData()) == curve)

        let certified = try SampledModulus(json: Data(#"{"kind": "certified", "radii": [1, 2], "omega": [3, 6]}"#.utf8))
        #expect(certified.epsilon == 0)
        #expect(certified.confidence == nil)

        func reason(_ text: String) -> String {
            do {
                _ = try SampledModulus(json: Data(text.utf8))
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(reason(#"{"kind": "sampled", "radii": [1, 2], "omega": [2, 1], "epsilon": 0, "confidence": 0.9}"#).contains("not monotone"))
        #expect(reason(#"{"kind": "sampled", "radii": [1, 2], "omega": [1, 2], "confidence": 0.9}"#).contains("epsilon"))
        #expect(reason(#"{"kind": "guess", "radii": [1], "omega": [1]}"#).contains("unknown kind"))
        #expect(reason(#"{"radii": [1], "omega": [1]}"#).contains("kind"))
        #expect(reason(#"{"kind": "certified", "omega": [1]}"#).contains("radii"))
        #expect(reason(#"{"kind": "certified", "radii": "x", "omega": [1]}"#).contains("modulus shape"))
        #expect(reason("not json").contains("modulus shape"))

        let missing = URL(fileURLWithPath: "/nonexistent/modulus.json")
        #expect(throws: BoundError.invalidModulus("cannot read /nonexistent/modulus.json")) { try SampledModulus(contentsOf: missing) }
    }

    @Test("a sampled modulus costs epsilon and caps the radius")
    func sampledInBound() throws {
        let curve = try SampledModulus(radii: [0.1, 0.2, 0.4], omega: [0.5, 0.9, 1.6], epsilon: 0.05, confidence: 0.95)
        let measures = try ClassMeasures.equiprobable(classes: 10)
        let plain = try RobustnessBound(latentDimension: 100, classes: .exact(measures))
        let bound = try RobustnessBound(latentDimension: 100, classes: .exact(measures), modulus: .curve(curve), expectedImageNorm: 8)
        #expect(bound.epsilon == 0.05)
        #expect(abs(bound.probability(eta: 0.9) - (plain.probability(latentRadius: 0.2) - 0.05)) < 1e-15)
        let low = try bound.percentile(0.1)
        let t = try #require(low.latentRadius)
        #expect(relativeError(t, try #require(try plain.percentile(0.15).latentRadius)) < 1e-12)
        #expect(low.eta == curve.value(at: t))
        #expect(low.normalisedImage == low.eta.map { $0 / 8 })
        #expect(low.equation == "eq. (2) - epsilon")
        // Beyond the curve's last radius: not reached, with the reason.
        let high = try bound.percentile(0.9)
        #expect(!high.isReached)
        #expect(high.eta == nil)
        #expect(high.note?.contains("largest radius") == true)
        #expect(bound.supremum < 0.9)
    }
}
