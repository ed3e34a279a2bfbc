import CeilingBounds
import CeilingEngine
import Foundation
import Testing
@testable import CeilingScience

@Suite("Modulus of continuity: order statistics, curve, settings, file")
struct ModulusStatisticsTests {
    /// Synthetic suprema: anchor k has M_k(s) = (k + 1) s, for n anchors and the given radii.
    static func samples(n: Int, radii: [Double]) -> SupremumSamples {
        let rows = radii.map { s in (0..<n).map { Double($0 + 1) * s } }
        return SupremumSamples(radii: radii, ascent: rows, randomOnly: rows.map { $0.map { $0 / 2 } })
    }

    @Test("enough anchors: the order statistic below the maximum, the requested epsilon")
    func enoughAnchors() throws {
        let radii = [0.1, 1]
        let estimate = try EstimatedModulus(samples: Self.samples(n: 1000, radii: radii), epsilon: 0.01, confidence: 0.95, simultaneous: true)
        #expect(estimate.meetsRequest)
        #expect(estimate.epsilon == 0.01)
        #expect(abs(estimate.alphaPerRadius - 0.025) < 1e-15)
        let r = estimate.rank
        #expect(r < 1000)
        #expect(try OrderStatistic.tail(samples: 1000, rank: r, epsilon: 0.01) <= 0.025)
        #expect(try OrderStatistic.tail(samples: 1000, rank: r - 1, epsilon: 0.01) > 0.025)
        #expect(estimate.omega == radii.map { Double(r) * $0 })
        #expect(estimate.lipschitzSummary == Double(r))
    }

    @Test("too few anchors: the maximum, and the epsilon actually achieved, never the one asked for")
    func tooFewAnchors() throws {
        let estimate = try EstimatedModulus(samples: Self.samples(n: 128, radii: [0.5, 1, 2]), epsilon: 0.01, confidence: 0.95, simultaneous: true)
        #expect(!estimate.meetsRequest)
        #expect(estimate.rank == 128)
        let alpha = 0.05 / 3
        #expect(abs(estimate.epsilon - (1 - pow(alpha, 1.0 / 128))) < 1e-10)
        #expect(pow(1 - estimate.epsilon, 128) <= alpha)
        #expect(estimate.anchorsForRequest == Int((log(alpha) / log(0.99)).rounded(.up)))
        #expect(estimate.curve.epsilon == estimate.epsilon)
        // Per radius instead: 299 anchors for epsilon 0.01 at 95%.
        let pointwise = try EstimatedModulus(samples: Self.samples(n: 128, radii: [1]), epsilon: 0.01, confidence: 0.95, simultaneous: false)
        #expect(pointwise.anchorsForRequest == 299)
    }

    @Test("the curve is the running maximum of the order statistics and reads back from its JSON")
    func envelopeAndFile() throws {
        let radii = [0.1, 0.2, 0.4, 0.8]
        let rows: [[Double]] = [[1, 2], [3, 4], [2, 3.5], [5, 6]] // the estimate's maximum dips at 0.4
        let samples = SupremumSamples(radii: radii, ascent: rows, randomOnly: rows)
        let estimate = try EstimatedModulus(samples: samples, epsilon: 0.2, confidence: 0.9, simultaneous: false)
        #expect(estimate.orderStatistic == [2, 4, 3.5, 6])
        #expect(estimate.omega == [2, 4, 4, 6])
        #expect(estimate.inverse(4) == 0.4)
        #expect(estimate(0.15) == 3)
        #expect(estimate.leastConcaveMajorant.isConcave)

        let graph = LinearGenerator(rows: 3, columns: 2, seed: 1).graph
        let estimator = try ModulusEstimator(graph: graph)
        let settings = quickSettings(radii: radii)
        let file = ModulusFile(estimate: estimate, settings: settings, estimator: estimator, certificate: try estimator.certify(), generator: "g.bin")
        let data = try file.jsonData()
        let curve = try SampledModulus(json: data)
        #expect(curve.radii == radii && curve.omega == estimate.omega)
        #expect(curve.epsilon == estimate.epsilon && curve.confidence == 0.9 && curve.kind == .sampled)
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        for key in ["quantiles", "lipschitz_summary", "certified", "settings", "concave_majorant", "ascent_gain", "samples", "requested_epsilon"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        let certified = object["certified"] as! [String: Any]
        #expect((certified["layers"] as! [Any]).count == 1)
    }

    @Test("quantiles interpolate between order statistics")
    func quantiles() {
        #expect(Quantiles.quantile([4, 1, 3, 2], 0.5) == 2.5)
        #expect(Quantiles.quantile([4, 1, 3, 2], 1) == 4)
        #expect(Quantiles.quantile([4, 1, 3, 2], 0) == 1)
        #expect(Quantiles.quantile([7], 0.9) == 7)
    }

    @Test("radius grids: default, parsing and errors")
    func radiusGrid() throws {
        let grid = try RadiusGrid.standard(latentDimension: 100)
        #expect(grid.count == 16)
        #expect(abs(grid[0] - 0.01) < 1e-15)
        #expect(abs(grid[15] - (try LatentGaussian.expectedNorm(dimension: 100))) < 1e-12)
        #expect(zip(grid, grid.dropFirst()).allSatisfy { $0 < $1 })
        #expect(try RadiusGrid.parse("0.01, 0.1,1") == [0.01, 0.1, 1])
        #expect(throws: ModulusError.self) { try RadiusGrid.parse("") }
        #expect(throws: ModulusError.self) { try RadiusGrid.parse("0.1,abc") }
        #expect(throws: ModulusError.self) { try RadiusGrid.parse("0.1,0.1") }
        #expect(throws: ModulusError.self) { try RadiusGrid.parse("0,1") }
        #expect(throws: ModulusError.self) { try RadiusGrid.parse("1,nan") }
    }

    @Test("settings out of range are refused with a message naming them")
    func settings() {
        var s = ModulusSettings(radii: [1])
        #expect(throws: Never.self) { try s.validate() }
        s.epsilon = 1
        #expect(throws: ModulusError.invalidSetting("epsilon must be in the open interval (0, 1) (got 1.0)")) { try s.validate() }
        s = ModulusSettings(radii: [1], confidence: 0)
        #expect(throws: ModulusError.self) { try s.validate() }
        s = ModulusSettings(radii: [1], anchors: 0)
        #expect(throws: ModulusError.self) { try s.validate() }
        s = ModulusSettings(radii: [1], directions: 0)
        #expect(throws: ModulusError.self) { try s.validate() }
        #expect(throws: ModulusError.self) { try LatentCoordinates(mean: 0, std: 0) }
        #expect(throws: ModulusError.self) { try LatentCoordinates(prior: LatentPrior(distribution: "uniform")) }
    }
}
