import CeilingEngine
import CeilingJSON
import Foundation
import Testing
@testable import CeilingScience

/// The whole estimate on small fixture models with a fixed seed: results.json is byte-identical
/// run to run, with 1 or 2 threads and split into shards (stage timings aside), and every stage
/// is present.
@Suite("Golden estimate")
struct EstimateGoldenTests {
    static func settings() -> EstimateSettings {
        var s = EstimateSettings.quick(seed: 11)
        s.samples = 3
        s.measureSamples = 80
        s.modulusAnchors = 6
        s.modulusSteps = 2
        s.refinementSteps = 5
        s.transferSamples = 3
        s.wassersteinSamples = 12
        s.percentiles = [0.25, 0.5]
        // One point per chunk, so that three shards each compute a share of every stage.
        s.chunk = 1
        s.projection = ProjectionStageSettings(
            samples: 2, inversion: InversionSettings(steps: 8, polishSteps: 4, restarts: 1),
            search: ProjectionSearchSettings(binarySteps: 3, walkIterations: 1, probes: 3,
                                             queryInversion: InversionSettings(steps: 4, polishSteps: 2, restarts: 0)))
        return s
    }

    /// Real images: seeded noise in the generator's range, labelled by a fixed rule.
    static func realData() -> CeilingEstimate.RealData {
        var rng = SeededGenerator(seed: 4)
        let images = Tensor(shape: [20, 3, 32, 32], data: (0..<(20 * 3072)).map { _ in min(1, max(-1, Float(rng.gaussian() * 0.5))) })
        return CeilingEstimate.RealData(images: images, labels: (0..<20).map { $0 % 10 })
    }

    /// results.json of the golden estimate, stage timings zeroed: one whole run, or with
    /// `shards` the per-point values of shards 1...shards (each through its JSON form, as a shard
    /// record carries them) joined and summarised.
    static func run(threads: Int, shards: Int? = nil) throws -> Data {
        let saved = EngineThreads.count
        defer { EngineThreads.count = saved }
        EngineThreads.count = threads
        let generator = try engineFixture("dcgan32_four_stage.bin")
        let classifiers = try ["lenet5_relu.bin", "cifar_resnet18.bin"].map { name in
            CeilingEstimate.Subject(name: name, map: try engineFixture(name).map)
        }
        var results = EstimateResults(status: "partial", ceilingVersion: "test", seed: 11, settings: settings(), models: [],
                                      latentDimension: 100, expectedLatentNorm: 0)
        let estimate = CeilingEstimate(generator: generator.graph, classifiers: classifiers, settings: settings(), realData: realData())
        let points = try shards.map { count in
            let parts = try (1...count).map { index in
                let part = try estimate.points(Shard(index: index, count: count), progress: { _, _ in })
                return try JSONCoding.decoder().decode(EstimatePoints.self, from: try JSONCoding.encoder().encode(part))
            }
            return parts.dropFirst().reduce(parts[0]) { $0.appending($1) }
        }
        try estimate.run(into: &results, points: points, progress: { _, _ in }, checkpoint: { _ in })
        results.stageSeconds = results.stageSeconds.mapValues { _ in 0 }
        return try results.json()
    }

    @Test func identicalRunToRunAndAcrossThreadCounts() throws {
        // Each sharded run computes every point again, so it also checks that runs repeat.
        let first = try Self.run(threads: 1)
        let twoThreads = try Self.run(threads: 2)
        #expect(first == twoThreads, "1 and 2 threads differ")
        // Shards 1/3, 2/3, 3/3 joined give the whole run's results, with 1 and with 2 threads.
        #expect(try Self.run(threads: 1, shards: 3) == first, "three shards (1 thread) differ from the whole run")
        #expect(try Self.run(threads: 2, shards: 3) == first, "three shards (2 threads) differ from the whole run")

        let results = try EstimateResults.decode(json: first)
        #expect(results.modulus != nil && results.classifiers.count == 2 && results.transfer.count == 1 && results.wasserstein != nil)
        for c in results.classifiers {
            #expect(Set(c.notions.map(\.notion)) == ["z", "in", "unc", "projection"])
            #expect(c.errorRate != nil && c.projection?.theoremTwo.checked ?? 0 > 0)
            #expect(c.bounds.map(\.level) == [0.25, 0.5])
            // The input-gradient figures at the same attacked points.
            let gradients = try #require(c.gradients)
            #expect(gradients.points == 3 && gradients.dimension == 3072 && gradients.medianL2 > 0 && gradients.firstOrderPercentiles.count == 2)
            // The per-point check of the certified bounds against the adversaries found.
            let certified = try #require(c.certified)
            #expect(certified.checkedPoints > 0 && certified.soundViolations == 0 && certified.sandwich.map(\.kind) == ["sandwich", "sandwich"])
            #expect(results.stageSeconds["certified \(c.name): global per point"] != nil)
        }
        #expect(Set(results.stageSeconds.keys.filter { !$0.hasPrefix("certified ") }) == ["modulus", "classifier lenet5_relu.bin", "classifier cifar_resnet18.bin",
                                                  "transfer lenet5_relu.bin / cifar_resnet18.bin", "Wasserstein slack"])
    }
}
