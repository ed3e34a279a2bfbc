import CeilingEngine
import Testing
@testable import CeilingScience

/// r_unc of the projection classifier per point against the values the earlier search measured
/// (with the earlier r_in candidates) on the same fixture points, seed and stage settings: the
/// search now spends far fewer queries (cheaper query inversions warm-started at the neighbouring
/// queries, binary searches that skip known halvings, confirmations depth by depth), and no point
/// may come out larger.
@Suite("Projection classifier against the earlier search")
struct ProjectionBaselineTests {
    /// The earlier r_unc(f~) of the first 4 of 8 points, seed 3, and the queries it spent.
    static let earlier: [String: (norms: [Double], queries: Int)] = [
        "lenet5_relu.bin": ([5.3238999532085893, 6.401718373573857, 5.6191178194579505, 3.1103422135818004], 302),
        "cifar_resnet18.bin": ([1.1406490803026264, 1.0992070582313633, 1.4239660459806911, 1.4289734679244626], 233),
    ]

    @Test(arguments: ["lenet5_relu.bin", "cifar_resnet18.bin"])
    func noPointLarger(_ classifierFile: String) throws {
        let generator = try engineFixture("dcgan32_four_stage.bin").map
        let classifier = try engineFixture(classifierFile).map
        var settings = fixtureSettings(samples: 8, notions: [.latent, .inDistribution, .unconstrained, .projection])
        settings.projection = ProjectionStageSettings(samples: 4)
        // The earlier points: the first 8 draws of the seed's one stream (points now have a
        // stream each).
        var sampler = LatentSampler(seed: settings.seed)
        let z = sampler.latents(settings.samples, shape: generator.inputShape)
        let (points, _) = try RobustnessStudy(generator: generator, classifier: classifier, settings: settings).attack(z, at: 0..<settings.samples)
        let robustness = try #require(points.projection)
        let earlier = try #require(Self.earlier[classifierFile])
        #expect(robustness.success.allSatisfy { $0 })
        for n in robustness.norms.indices {
            #expect(robustness.norms[n] <= earlier.norms[n], "point \(n): r_unc(f~) \(robustness.norms[n]) > earlier \(earlier.norms[n])")
        }
        #expect(robustness.queries < earlier.queries)
    }
}
