import CeilingEngine
import Testing
@testable import CeilingScience

/// r_in per point against the values the earlier attack (r_Z adversary, metric DeepFool from z and
/// penalty descent, per-point minimum) measured on the same fixture points and seed: the metric
/// DeepFool gave way to the metric refinement, and no point may come out larger.
@Suite("In-distribution robustness against the earlier attack")
struct InDistributionBaselineTests {
    /// The earlier r_in of the first 16 points, seed 3 (random-weight DCGAN-32 fixture).
    static let earlier: [String: [Double]] = [
        "lenet5_relu.bin": [4.9821983408914372, 6.0985135621232223, 5.6458821630227796, 3.0607362699299419, 5.511079641437953,
                            6.0746315078624864, 3.4459213738423689, 4.1573095879826196, 5.5795771832576149, 5.1947548491574249,
                            4.6859211818494311, 4.1521697521534788, 1.9382748842583264, 4.526023974677198, 4.2808861136713956,
                            3.7060161589975715],
        "cifar_resnet18.bin": [1.1505673345957284, 1.0940037877470008, 1.4516510131617772, 1.4412932882550744, 1.405453398827637,
                               0.98017633634829904, 1.3432560834645828, 1.6854231763944763, 0.99329518851257081, 1.7460745834772804,
                               2.3342664420606334, 1.4811588015824872, 1.586543653683635, 1.0194103060971469, 1.246240523334877,
                               1.2336193258058774],
    ]

    @Test(arguments: ["lenet5_relu.bin", "cifar_resnet18.bin"])
    func noPointLarger(_ classifierFile: String) throws {
        let generator = try engineFixture("dcgan32_four_stage.bin").map
        let classifier = try engineFixture(classifierFile).map
        var settings = RobustnessSettings()
        settings.samples = 16
        settings.measureSamples = 64
        settings.refinementSteps = 40
        settings.seed = 3
        settings.notions = [.latent, .inDistribution]
        let measured = try RobustnessStudy(generator: generator, classifier: classifier, settings: settings).run()
        let norms = try #require(measured.measurement(.inDistribution)).norms
        let earlier = try #require(Self.earlier[classifierFile])
        for n in norms.indices {
            #expect(norms[n] <= earlier[n], "point \(n): r_in \(norms[n]) > earlier \(earlier[n])")
        }
    }
}
