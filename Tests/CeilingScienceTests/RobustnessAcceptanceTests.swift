import CeilingEngine
import Foundation
import Testing
@testable import CeilingScience

/// The committed PyTorch fixtures of the engine tests (random-weight networks).
func engineFixture(_ name: String) throws -> Model {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("CeilingEngineTests/Fixtures")
    return try Model.load(folder.appendingPathComponent(name).path)
}

/// The settings the fixture studies share (small class measure, 40 refinement steps).
func fixtureSettings(samples: Int, seed: UInt64 = 3, notions: [RobustnessNotion]? = nil) -> RobustnessSettings {
    var settings = RobustnessSettings()
    settings.samples = samples
    settings.measureSamples = 64
    settings.refinementSteps = 40
    settings.seed = seed
    if let notions { settings.notions = notions }
    return settings
}

/// The whole robustness pipeline on random-weight LeNet-5 and CIFAR ResNet-18 fixtures behind a
/// random DCGAN-32: every reported adversary is confirmed by a fresh forward pass, and the three
/// notions are ordered as the definitions demand (r_unc <= r_in <= image distance of r_Z's adversary).
@Suite("Robustness on random-weight networks")
struct RobustnessAcceptanceTests {
    @Test(arguments: ["lenet5_relu.bin", "cifar_resnet18.bin"])
    func adversariesAreVerifiedAndOrdered(_ classifierFile: String) throws {
        let generator = try engineFixture("dcgan32_four_stage.bin").map
        let classifier = try engineFixture(classifierFile).map
        let settings = fixtureSettings(samples: 8)
        let measured = try RobustnessStudy(generator: generator, classifier: classifier, settings: settings).run()
        let latent = try #require(measured.latentAdversary)
        let inDistribution = try #require(measured.inDistributionAdversary)
        let unconstrained = try #require(measured.unconstrainedAdversary)
        let z = measured.latents, x = generator(z), labels = measured.labels

        // 100% verified: each success changes the label on a fresh pass, and its norm is the perturbation's.
        let composed = ComposedMap(classifier, after: generator)
        let zLabels = composed.labels(shifted(z, by: latent.perturbations))
        let inImages = generator(shifted(z, by: inDistribution.perturbations))
        let inLabels = classifier.labels(inImages)
        let uncLabels = classifier.labels(shifted(x, by: unconstrained.perturbations))
        let zNorms = sampleNorms(latent.perturbations)
        let inNorms = sampleNorms(shifted(inImages, by: x, scale: -1))
        let uncNorms = sampleNorms(unconstrained.perturbations)
        // r_Z's adversary seen in image space: the in-distribution distance it gives.
        let zImageNorms = sampleNorms(shifted(generator(shifted(z, by: latent.perturbations)), by: x, scale: -1))
        #expect(latent.success.allSatisfy { $0 } && inDistribution.success.allSatisfy { $0 } && unconstrained.success.allSatisfy { $0 },
                "censored: \(latent.censoredCount), \(inDistribution.censoredCount), \(unconstrained.censoredCount)")
        for n in 0..<labels.count {
            if latent.success[n] {
                #expect(zLabels[n] != labels[n], "r_Z adversary \(n) not confirmed")
                #expect(abs(zNorms[n] - latent.norms[n]) <= 1e-4 * latent.norms[n])
            }
            if inDistribution.success[n] {
                #expect(inLabels[n] != labels[n], "r_in adversary \(n) not confirmed")
                #expect(abs(inNorms[n] - inDistribution.norms[n]) <= 1e-3 * inDistribution.norms[n])
                #expect(inDistribution.norms[n] <= zImageNorms[n] * (1 + 1e-4), "sample \(n): r_in \(inDistribution.norms[n]) > r_Z image distance \(zImageNorms[n])")
                #expect(unconstrained.norms[n] <= inDistribution.norms[n] * (1 + 1e-4), "sample \(n): r_unc \(unconstrained.norms[n]) > r_in \(inDistribution.norms[n])")
            }
            if unconstrained.success[n] {
                #expect(uncLabels[n] != labels[n], "r_unc adversary \(n) not confirmed")
                #expect(abs(uncNorms[n] - unconstrained.norms[n]) <= 1e-4 * unconstrained.norms[n])
            }
        }
    }
}
