import CeilingBounds
import CeilingEngine
import Foundation
import Testing
@testable import CeilingScience

@Suite("Modulus of continuity: closed-form generators")
struct ModulusAcceptanceTests {
    @Test("the test's own Jacobi eigenvalues are right")
    func jacobiSanity() {
        let values = jacobiEigenvalues([[2, 1, 0], [1, 2, 0], [0, 0, 5]]).sorted()
        #expect(abs(values[0] - 1) < 1e-12 && abs(values[1] - 3) < 1e-12 && abs(values[2] - 5) < 1e-12)
    }

    @Test("linear generator g(z) = A z: sampled omega reaches sigma_max(A) s from below, certified = sigma_max")
    func linearGenerator() throws {
        let generator = LinearGenerator(rows: 50, columns: 20, seed: 11)
        let sigma = generator.largestSingularValue
        let estimator = try ModulusEstimator(graph: generator.graph)
        let radii = [0.01, 0.1, 1, 4]
        let estimate = try estimator.estimate(quickSettings(radii: radii))
        for (j, s) in radii.enumerated() {
            // Every anchor: the supremum is sigma s exactly, whatever z.
            for m in estimate.samples.ascent[j] {
                #expect(m <= sigma * s * (1 + 1e-5))
                #expect(m >= 0.95 * sigma * s, "radius \(s): \(m) vs sigma s = \(sigma * s)")
            }
            #expect(estimate.omega[j] <= sigma * s * (1 + 1e-5))
            #expect(estimate.omega[j] >= 0.98 * sigma * s)
        }
        let certificate = try estimator.certify()
        #expect(certificate.constant >= sigma)
        #expect(abs(certificate.constant - sigma) < 1e-3)
        #expect(abs(certificate.constant / sigma - 1) < 1e-3)
        #expect(certificate.factors.count == 1)
        #expect(certificate.converged)
    }

    @Test("circle of Figure 1: omega(s) = 2 |sin(pi min(s, 1/2))| within 1%")
    func circle() throws {
        let estimator = try ModulusEstimator(graph: CircleMap.graph)
        let radii = [0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8]
        let estimate = try estimator.estimate(quickSettings(radii: radii, anchors: 6, directions: 2, steps: 20))
        for (j, s) in radii.enumerated() {
            let exact = 2 * abs(sin(Double.pi * min(s, 0.5)))
            #expect(abs(estimate.omega[j] - exact) <= 0.01 * exact, "s = \(s): \(estimate.omega[j]) vs \(exact)")
            #expect(estimate.omega[j] <= exact * (1 + 1e-5))
        }
        // Beyond s = 1/2 the supremum is inside the ball: only the ascent finds it from s = 0.8,
        // where the sphere gives 2 sin(0.2 pi) = 1.18.
        let last = radii.count - 1
        #expect(estimate.samples.randomOnly[last].allSatisfy { $0 >= 1.9 }) // carried by the running maximum
        // A custom operation has no known Lipschitz constant: no certificate, and a clear error.
        #expect(throws: ModulusError.uncertifiable(node: "circle", kind: "circle")) { try estimator.certify() }
    }

    @Test("the ascent finds an interior supremum on its own (circle at s = 0.8 alone)")
    func interiorSupremum() throws {
        let estimator = try ModulusEstimator(graph: CircleMap.graph)
        let randomOnly = try estimator.estimate(quickSettings(radii: [0.8], anchors: 4, directions: 2, steps: 0))
        #expect(abs(randomOnly.omega[0] - 2 * sin(0.2 * Double.pi)) < 1e-4)
        let ascent = try estimator.estimate(quickSettings(radii: [0.8], anchors: 4, directions: 2, steps: 20))
        #expect(abs(ascent.omega[0] - 2) < 0.02)
    }

    @Test("a prior N(0, std^2) is measured in standardised units: omega_u(s) = omega_z(std s)")
    func standardisedCoordinates() throws {
        let generator = LinearGenerator(rows: 12, columns: 5, seed: 3)
        let sigma = generator.largestSingularValue
        let coordinates = try LatentCoordinates(mean: 0.5, std: 2)
        let estimator = try ModulusEstimator(graph: generator.graph, coordinates: coordinates)
        let estimate = try estimator.estimate(quickSettings(radii: [0.1, 1], anchors: 4))
        #expect(abs(estimate.omega[1] / (2 * sigma) - 1) < 0.02)
        let certificate = try estimator.certify()
        #expect(abs(estimator.certifiedLipschitz(certificate) / (2 * sigma) - 1) < 1e-3)
        let curve = try estimator.certifiedCurve(certificate, radii: [0.1, 1])
        #expect(curve.kind == .certified && abs(curve.omega[1] - estimator.certifiedLipschitz(certificate)) < 1e-12)
    }
}
