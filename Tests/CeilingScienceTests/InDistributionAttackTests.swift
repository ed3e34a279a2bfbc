import CeilingEngine
import Testing
@testable import CeilingScience

@Suite("In-distribution and latent robustness")
struct InDistributionAttackTests {
    /// With g the identity, r_Z = r_in = r_unc = the distance to the nearest facet of the region.
    @Test func identityGeneratorLinearClassifier() {
        let d = 10
        let classifier = LinearClassifier(inputs: d, classes: 4, seed: 5)
        let generator = GraphMap(identityGenerator(d)), f = GraphMap(classifier.graph)
        var sampler = LatentSampler(seed: 6)
        let z = sampler.latents(12, shape: [d])
        let composed = ComposedMap(f, after: generator)
        let labels = composed.labels(z)
        let latent = MinimalAdversary().attack(map: composed, x: z, labels: labels)
        let unconstrained = MinimalAdversary().attack(map: f, x: generator(z), labels: labels)
        let inDistribution = InDistributionAttack().attack(generator: generator, classifier: f, z: z, labels: labels, latentAdversary: latent)
        let results = [("r_Z", latent), ("r_unc", unconstrained), ("r_in", inDistribution.result)]
        let margins = results.map { requiredMargins(f, at: shifted(z, by: $0.1.perturbations)) }
        for n in 0..<z.batch {
            let exact = classifier.distance(z.data[(n * d)..<((n + 1) * d)])
            for ((name, result), margin) in zip(results, margins) {
                let value = result.norms[n], closest = classifier.distance(z.data[(n * d)..<((n + 1) * d)], margin: margin[n])
                #expect(abs(value - closest) / closest < 1e-4, "\(name) sample \(n): \(value) vs \(closest)")
            }
            // No method can beat the true minimum; each lands close to it.
            for method in inDistribution.methods {
                #expect(method.norms[n] >= exact * (1 - 1e-4) && method.norms[n] <= exact * 1.02, "\(method.name) sample \(n): \(method.norms[n]) vs \(exact)")
            }
        }
    }

    /// An MLP generator whose 6-unit bottleneck makes J rank-deficient for d = 16: r_in from the
    /// combined methods never exceeds the image distance of the r_Z adversary.
    @Test func rankDeficientGenerator() {
        var rng = SeededGenerator(seed: 9)
        func weights(_ count: Int, _ fanIn: Int) -> [Float] { (0..<count).map { _ in Float(rng.gaussian() / Double(fanIn).squareRoot()) } }
        var b = GraphBuilder(inputShape: [16])
        b.add("fc1", Linear(weight: weights(6 * 16, 16), bias: weights(6, 1), inFeatures: 16, outFeatures: 6))
        b.add("relu1", Activation(.relu))
        b.add("fc2", Linear(weight: weights(32 * 6, 6), bias: weights(32, 4), inFeatures: 6, outFeatures: 32))
        b.add("relu2", Activation(.relu))
        b.add("fc3", Linear(weight: weights(20 * 32, 32), bias: nil, inFeatures: 32, outFeatures: 20))
        b.add("tanh", Activation(.tanh))
        let generator = GraphMap(try! b.build())
        let classifier = GraphMap(LinearClassifier(inputs: 20, classes: 3, seed: 10).graph)
        var sampler = LatentSampler(seed: 11)
        let z = sampler.latents(24, shape: [16])
        let composed = ComposedMap(classifier, after: generator)
        let labels = composed.labels(z)
        let latent = MinimalAdversary().attack(map: composed, x: z, labels: labels)
        let outcome = InDistributionAttack().attack(generator: generator, classifier: classifier, z: z, labels: labels, latentAdversary: latent)
        let fromLatent = outcome.methods.first { $0.name == "latent adversary" }!.norms
        for n in 0..<z.batch where fromLatent[n].isFinite {
            #expect(outcome.result.norms[n] <= fromLatent[n] * (1 + 1e-6))
        }
        // Every reported adversary is real: a fresh pass through g and f changes the label.
        let moved = composed.labels(shifted(z, by: outcome.result.perturbations))
        for n in 0..<z.batch where outcome.result.success[n] { #expect(moved[n] != labels[n]) }
    }
}
