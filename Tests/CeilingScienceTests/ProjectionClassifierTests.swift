import Testing
import CeilingEngine
@testable import CeilingScience

@Suite("Projection: the classifier f~")
struct ProjectionClassifierTests {
    @Test(arguments: [false, true])
    func agreesWithTheClassifierOnTheImageOfAnExactGenerator(invertible: Bool) throws {
        let d = 6
        let g = ProjectionFixtures.linearGenerator(invertible ? ProjectionFixtures.invertible(d, seed: 8) : ProjectionFixtures.identity(d), latent: d, image: d)
        let f = ProjectionFixtures.mlp(d, seed: 3)
        var sampler = LatentSampler(seed: 2)
        let x = g(sampler.latents(64, shape: [d]))
        let projected = try ProjectionClassifier(generator: g, classifier: f).classify(x, seed: 5)
        #expect(projected.labels == f.labels(x))
        #expect(Set(projected.labels).count > 1)
        #expect(projected.inversion.errors.allSatisfy { $0 < 1e-3 })
    }

    @Test func ignoresDirectionsNormalToTheImage() throws {
        // Image of g: the first 2 of 4 coordinates. f reads coordinate 3, which the projection
        // zeroes, so f~ sees only w's component in the image.
        let g = ProjectionFixtures.linearGenerator(ProjectionFixtures.embedding(latent: 2, image: 4), latent: 2, image: 4)
        let f = ProjectionFixtures.linearClassifier([1, 0, 5, 0], bias: 0)
        let x = Tensor(shape: [2, 4], data: [0.5, 1, -1, 0, -0.5, 1, 1, 0])
        let projected = try ProjectionClassifier(generator: g, classifier: f).classify(x, seed: 1)
        #expect(f.labels(x) == [0, 1])
        #expect(projected.labels == [1, 0])
    }

    @Test func needsTheClassifierOnTheGeneratorsOutput() {
        let g = ProjectionFixtures.linearGenerator(ProjectionFixtures.identity(3), latent: 3, image: 3)
        #expect(throws: ProjectionError.self) {
            try ProjectionClassifier(generator: g, classifier: ProjectionFixtures.mlp(4, seed: 1))
        }
    }
}
