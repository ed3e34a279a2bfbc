import CeilingEngine
import Foundation
import Testing
@testable import CeilingScience

/// On a linear classifier W x + b the loss gradient is W^T (softmax - e_c) and the first-order
/// prediction is the exact distance to the nearest decision boundary.
@Suite("Input gradients")
struct InputGradientsTests {
    @Test func linearClassifierClosedForm() throws {
        let linear = LinearClassifier(inputs: 12, classes: 5, seed: 4)
        let map = GraphMap(linear.graph)
        var sampler = LatentSampler(seed: 9)
        let x = sampler.latents(40, shape: [12])
        let measured = InputGradients(classifier: map, at: x)
        #expect(measured.dimension == 12 && measured.l2.count == 40)
        let logits = map(x)
        for n in 0..<40 {
            let point = x.data[(n * 12)..<((n + 1) * 12)]
            let exact = linear.distance(point)
            #expect(abs(measured.firstOrderRobustness[n] - exact) <= 1e-5 * exact, "point \(n)")
            let f = (0..<5).map { Double(logits.data[n * 5 + $0]) }
            let c = f.indices.max { f[$0] < f[$1] }!
            let p = f.map { exp($0 - f[c]) }, total = p.reduce(0, +)
            let g = (0..<12).map { i in (0..<5).reduce(0.0) { $0 + (p[$1] / total - ($1 == c ? 1 : 0)) * Double(linear.weight[$1 * 12 + i]) } }
            let l2 = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(measured.l2[n] - l2) <= 1e-5 * l2)
            #expect(abs(measured.l1[n] - g.reduce(0) { $0 + abs($1) }) <= 1e-5 * measured.l1[n])
            #expect(abs(measured.lInfinity[n] - g.map(abs).max()!) <= 1e-5 * measured.lInfinity[n])
        }
    }
}
