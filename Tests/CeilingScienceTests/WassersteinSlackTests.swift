import Testing
import Foundation
import CeilingEngine
import CeilingBounds
@testable import CeilingScience

@Suite("Wasserstein: the slack of Theorem 4")
struct WassersteinSlackTests {
    static let generator = GraphMap(ReferenceNetworks.dcgan32(latent: 8, width: 2, seed: 1))

    static func real(_ n: Int, seed: UInt64 = 9) -> Tensor {
        var sampler = LatentSampler(seed: seed)
        return generator(sampler.latents(n, shape: [8]))
    }

    @Test func reproducibleWithASeed() throws {
        let real = Self.real(40)
        let estimator = try WassersteinEstimator(generator: Self.generator, settings: WassersteinSettings(count: 30, seed: 4))
        let a = try estimator.estimate(realImages: real), b = try estimator.estimate(realImages: real)
        #expect(a == b)
        let other = try WassersteinEstimator(generator: Self.generator, settings: WassersteinSettings(count: 30, seed: 5)).estimate(realImages: real)
        #expect(other.distance != a.distance)
        #expect(a.count == 30 && a.availableRealImages == 40)
        #expect(a.notes.contains { $0.contains("subset of 30 of the 40") })
        // Real images from the generator itself: the estimate is pure sampling bias, of the size
        // of the floor, and clearly positive.
        #expect(a.distance > 0)
        #expect(a.samplingFloor != nil)
        #expect(a.notes.contains { $0.contains("over-estimates W1(g#nu, mu)") && $0.contains("n^(-1/m')") })
    }

    @Test func usesAllRealImagesWhenThereAreTooFew() throws {
        let estimator = try WassersteinEstimator(generator: Self.generator, settings: WassersteinSettings(count: 1000))
        let slack = try estimator.estimate(realImages: Self.real(12))
        #expect(slack.count == 12 && slack.requestedCount == 1000)
        #expect(slack.notes.contains { $0.contains("Only 12 real images") })
    }

    @Test func rejectsBadRealImages() throws {
        let estimator = try WassersteinEstimator(generator: Self.generator)
        do {
            _ = try estimator.estimate(realImages: Tensor(zeros: [5, 1, 28, 28]))
            Issue.record("a shape mismatch was accepted")
        } catch {
            #expect(error == .shapeMismatch(real: [5, 1, 28, 28], generator: [3, 32, 32]))
            #expect(error.description.contains("[5, 1, 28, 28]") && error.description.contains("[3, 32, 32]"))
        }
        var bad = Self.real(3)
        bad.data[3072 + 17] = .nan
        do {
            _ = try estimator.estimate(realImages: bad)
            Issue.record("a NaN was accepted")
        } catch {
            #expect(error.description.contains("real image 1") && error.description.contains("element 17"))
        }
        #expect(throws: WassersteinError.noImages) { try estimator.estimate(realImages: Tensor(zeros: [0, 3, 32, 32])) }
        #expect(throws: WassersteinError.self) { try estimator.estimate(realImagesAt: "/nonexistent/real.npy") }
        #expect(throws: WassersteinError.self) { try WassersteinEstimator(generator: Self.generator, settings: WassersteinSettings(count: 0)) }
    }

    @Test func readsAnNpyFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wasserstein-real-\(UUID().uuidString).npy").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let real = Self.real(10)
        try NPY.write(real, to: path)
        let settings = WassersteinSettings(count: 10, seed: 2)
        let fromFile = try WassersteinEstimator(generator: Self.generator, settings: settings).estimate(realImagesAt: path)
        let fromMemory = try WassersteinEstimator(generator: Self.generator, settings: settings).estimate(realImages: real)
        #expect(fromFile == fromMemory)
    }

    @Test func theoremFourAddsTheSlack() throws {
        let slack = try WassersteinEstimator(generator: Self.generator, settings: WassersteinSettings(count: 20, seed: 1)).estimate(realImages: Self.real(20))
        let measures = try ClassMeasures.equiprobable(classes: 10)
        let modulus = try Modulus.lipschitz(3)
        let ceiling = try slack.theoremFour(measures: measures, modulus: modulus)
        let expected = try ApproximateGeneratorBound.expectedRobustness(measures: measures, modulus: modulus, wassersteinSlack: slack.distance)
        #expect(ceiling.bound == expected)
        #expect(abs(ceiling.smoothPart - 3 * ApproximateGeneratorBound.latentArgument(measures)) < 1e-12)
        #expect(abs(ceiling.bound - ceiling.smoothPart - slack.distance) < 1e-12)
        #expect(ceiling.notes.contains { $0.contains("over-estimates") })
        let closed = try slack.theoremFour(argument: ApproximateGeneratorBound.equiprobableArgument(classes: 10), modulus: .identity)
        #expect(closed.argument >= ceiling.argument - 1e-12)
        #expect(abs(closed.bound - closed.argument - slack.distance) < 1e-12)
    }
}
