import Testing
import CeilingEngine
@testable import CeilingScience

@Suite("Latent sampling")
struct LatentSamplerTests {
    @Test func sameSeedSameDraws() {
        var a = LatentSampler(seed: 7), b = LatentSampler(seed: 7), c = LatentSampler(seed: 8)
        let x = a.latents(4, shape: [10]), y = b.latents(4, shape: [10]), z = c.latents(4, shape: [10])
        #expect(x == y)
        #expect(x != z)
    }

    @Test func directionsAreUnitAndCentred() {
        var sampler = LatentSampler(seed: 1)
        let d = 5, n = 20_000
        let directions = sampler.sphereDirections(n, shape: [d])
        var mean = [Double](repeating: 0, count: d)
        for k in 0..<n {
            var norm: Double = 0
            for i in 0..<d {
                let v = Double(directions.data[k * d + i])
                norm += v * v
                mean[i] += v / Double(n)
            }
            #expect(abs(norm - 1) < 1e-5)
        }
        // Uniform on the sphere: each coordinate has mean 0 and variance 1/d, so the sample mean's
        // standard error is sqrt(1 / (d n)) ~ 0.003.
        #expect(mean.allSatisfy { abs($0) < 0.015 })
    }

    @Test func latentMomentsMatchTheStandardNormal() {
        var sampler = LatentSampler(seed: 3)
        let z = sampler.latents(50_000, shape: [2])
        let mean = z.data.reduce(0.0) { $0 + Double($1) } / Double(z.count)
        let variance = z.data.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(z.count) - mean * mean
        #expect(abs(mean) < 0.02)
        #expect(abs(variance - 1) < 0.03)
    }
}
