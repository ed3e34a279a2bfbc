import CeilingEngine
import Testing
@testable import CeilingScience

@Suite("Minimal-norm attacks")
struct MinimalAdversaryTests {
    @Test func linearClassifierClosedForm() {
        let classifier = LinearClassifier(inputs: 12, classes: 5, seed: 1)
        let map = GraphMap(classifier.graph)
        var sampler = LatentSampler(seed: 2)
        let x = sampler.latents(16, shape: [12])
        let labels = map.labels(x)
        let result = MinimalAdversary().attack(map: map, x: x, labels: labels)
        #expect(result.censoredCount == 0)
        let margins = requiredMargins(map, at: shifted(x, by: result.perturbations))
        for n in 0..<x.batch {
            let exact = classifier.distance(x.data[(n * 12)..<((n + 1) * 12)], margin: margins[n])
            #expect(abs(result.norms[n] - exact) / exact < 1e-4, "sample \(n): \(result.norms[n]) vs \(exact)")
        }
    }

    @Test func adversariesAreVerifiedOnANonlinearNetwork() {
        let graph = ReferenceNetworks.cifarResNet18(width: 4, classes: 10, seed: 3)
        let map = GraphMap(graph)
        var sampler = LatentSampler(seed: 4)
        let x = sampler.latents(6, shape: [3, 32, 32])
        let labels = map.labels(x)
        let attack = MinimalAdversary(refinement: MinimalNormRefinement(steps: 30))
        let result = attack.attack(map: map, x: x, labels: labels)
        let deepFoolOnly = MinimalAdversary(refinement: MinimalNormRefinement(steps: 0)).attack(map: map, x: x, labels: labels)
        let again = map.labels(shifted(x, by: result.perturbations))
        for n in 0..<x.batch where result.success[n] {
            #expect(again[n] != labels[n])
            #expect(abs(sampleNorms(result.perturbations)[n] - result.norms[n]) < 1e-9 * max(1, result.norms[n]))
            #expect(result.norms[n] <= deepFoolOnly.norms[n])
        }
        #expect(result.censoredCount == 0)
    }
}
