import CeilingEngine
import Foundation
import Testing
@testable import CeilingScience

/// Every adversary the attacks return clears `MarginRule` at the returned point, so that another
/// engine's rounding cannot flip the label back: on the random-weight fixtures and on the bundled
/// models, for r_Z, r_in and r_unc.
@Suite("The margin rule on returned adversaries")
struct MarginRuleTests {
    static func bundled(_ name: String) throws -> Model {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try Model.load(root.appendingPathComponent("generators/\(name)").path)
    }

    /// The logit margin at each point over what the rule requires (>= 1 clears it), for the
    /// successes of `labels`.
    static func clearance(_ classifier: any DifferentiableMap, at points: Tensor, clean: [Int], success: [Bool]) -> [Double] {
        let logits = classifier(points), k = logits.sampleSize
        return (0..<points.batch).filter { success[$0] }.map { n in
            let row = logits.data[(n * k)..<((n + 1) * k)]
            let top = (0..<k).filter { $0 != clean[n] }.map { row[n * k + $0] }.max()!
            return Double(top - row[n * k + clean[n]]) / Double(MarginRule.required(row))
        }
    }

    @Test(arguments: [("dcgan32_four_stage.bin", "lenet5_relu.bin", false), ("dcgan32_four_stage.bin", "cifar_resnet18.bin", false),
                      ("dcgan.bin", "lenet.bin", true), ("dcgan.bin", "resnet.bin", true)])
    func everyAdversaryClearsTheMargin(generatorFile: String, classifierFile: String, bundled: Bool) throws {
        let load = { (name: String) in bundled ? try Self.bundled(name) : try engineFixture(name) }
        let generator = try load(generatorFile).map, classifier = try load(classifierFile).map
        let settings = fixtureSettings(samples: 8, seed: 5)
        let measured = try RobustnessStudy(generator: generator, classifier: classifier, settings: settings).run()
        let z = measured.latents, x = generator(z), labels = measured.labels
        let latent = try #require(measured.latentAdversary), inDistribution = try #require(measured.inDistributionAdversary)
        let unconstrained = try #require(measured.unconstrainedAdversary)
        let found = [("r_Z", generator(shifted(z, by: latent.perturbations)), latent.success),
                     ("r_in", generator(shifted(z, by: inDistribution.perturbations)), inDistribution.success),
                     ("r_unc", shifted(x, by: unconstrained.perturbations), unconstrained.success)]
        for (name, points, success) in found {
            #expect(success.contains(true), "\(name): no adversary found")
            for value in Self.clearance(classifier, at: points, clean: labels, success: success) {
                #expect(value >= 1, "\(name): margin \(value) of the required")
            }
        }
    }
}
