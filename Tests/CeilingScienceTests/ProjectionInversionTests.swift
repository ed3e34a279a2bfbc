import Testing
import CeilingEngine
@testable import CeilingScience

@Suite("Projection: generator inversion")
struct ProjectionInversionTests {
    @Test(arguments: [false, true])
    func exactGeneratorsAreInvertedFromRandomStarts(invertible: Bool) throws {
        let d = 6
        let g = ProjectionFixtures.linearGenerator(invertible ? ProjectionFixtures.invertible(d, seed: 4) : ProjectionFixtures.identity(d), latent: d, image: d)
        var sampler = LatentSampler(seed: 1)
        let z = sampler.latents(16, shape: [d])
        let x = g(z)
        let result = try GeneratorInversion(generator: g).invert(x, seed: 9)
        #expect(result.errors.allSatisfy { $0 < 1e-3 })
        #expect(result.winningStarts.allSatisfy { $0 < InversionSettings.defaultRestarts })
        // The minimiser is unique, so z* is the code x came from.
        for i in 0..<z.count { #expect(abs(result.latents.data[i] - z.data[i]) < 1e-3) }
    }

    @Test func anExactWarmStartStaysExact() throws {
        let g = GraphMap(ReferenceNetworks.dcgan32(latent: 8, width: 4, seed: 2))
        var sampler = LatentSampler(seed: 3)
        let z = sampler.latents(4, shape: [8])
        let inversion = try GeneratorInversion(generator: g, settings: InversionSettings(steps: 5, restarts: 1))
        let result = try inversion.invert(g(z), warmStarts: [z])
        #expect(result.errors.allSatisfy { $0 == 0 })
        #expect(result.winningStarts.allSatisfy { $0 == 1 })
        #expect(result.summary.warmStartWins == 4)
    }

    @Test func projectsOntoTheImageOfATallLinearGenerator() throws {
        // g embeds R^3 as the first 3 coordinates of R^5: z* = x[0..<3], error = ||x[3..<5]||.
        let (d, m) = (3, 5)
        let g = ProjectionFixtures.linearGenerator(ProjectionFixtures.embedding(latent: d, image: m), latent: d, image: m)
        let x = Tensor(shape: [2, m], data: [1, -2, 0.5, 3, 4, -1, 0, 2, 0, 0])
        let result = try GeneratorInversion(generator: g).invert(x, seed: 1)
        #expect(abs(result.errors[0] - 5) < 1e-3)
        #expect(result.errors[1] < 1e-3)
        for (i, expected) in [Float(1), -2, 0.5, -1, 0, 2].enumerated() { #expect(abs(result.latents.data[i] - expected) < 1e-3) }
    }

    @Test func smallDCGANReconstructsItsOwnSamples() throws {
        let g = GraphMap(ReferenceNetworks.dcgan32(latent: 16, width: 4, seed: 5))
        var sampler = LatentSampler(seed: 6)
        let x = g(sampler.latents(8, shape: [16]))
        let result = try GeneratorInversion(generator: g).invert(x, seed: 7)
        let norms = sampleNorms(x)
        for n in 0..<8 { #expect(result.errors[n] < 0.01 * norms[n]) }
        #expect(result.summary.maxError == result.errors.max())
    }

    @Test func sameSeedSameInversion() throws {
        let g = GraphMap(ReferenceNetworks.dcgan32(latent: 8, width: 4, seed: 2))
        var sampler = LatentSampler(seed: 3)
        let x = g(sampler.latents(3, shape: [8]))
        let inversion = try GeneratorInversion(generator: g, settings: InversionSettings(steps: 20, restarts: 2, rowsPerBatch: 4))
        let a = try inversion.invert(x, seed: 11), b = try inversion.invert(x, seed: 11)
        #expect(a.latents == b.latents && a.errors == b.errors)
        // Batching rows differently changes nothing.
        let c = try GeneratorInversion(generator: g, settings: InversionSettings(steps: 20, restarts: 2, rowsPerBatch: 1)).invert(x, seed: 11)
        #expect(c.errors == a.errors)
        let other = try inversion.invert(x, seed: 12)
        #expect(other.latents != a.latents)
    }

    @Test func rejectsWhatDoesNotFit() throws {
        let g = ProjectionFixtures.linearGenerator(ProjectionFixtures.identity(3), latent: 3, image: 3)
        let inversion = try GeneratorInversion(generator: g)
        #expect(throws: ProjectionError.self) { try inversion.invert(Tensor(zeros: [2, 4])) }
        #expect(throws: ProjectionError.self) { try inversion.invert(Tensor(zeros: [2, 3]), warmStarts: [Tensor(zeros: [1, 3])]) }
        #expect(throws: ProjectionError.self) {
            try GeneratorInversion(generator: g, settings: InversionSettings(restarts: 0)).invert(Tensor(zeros: [2, 3]))
        }
        #expect(throws: ProjectionError.self) { try GeneratorInversion(generator: g, settings: InversionSettings(steps: -1)) }
        #expect(throws: ProjectionError.self) { try GeneratorInversion(generator: g, settings: InversionSettings(learningRate: 0)) }
    }
}
