import Foundation
import Testing

@testable import CeilingBounds

/// The reference values written by `scripts/make_bound_fixtures.py` (mpmath, 50 digits).
struct Reference: Decodable {
    struct Eq2Case: Decodable {
        let name: String
        let measures: [Double]
        let t: [Double]
        let values: [Double]
    }
    struct Curve: Decodable {
        let t: [Double]
        let values: [Double]
    }
    struct Eq4Case: Decodable {
        let classes: Int
        let t: [Double]
        let values: [Double]
    }
    struct TransferCase: Decodable {
        let measures: [Double]
        let delta: Double
        let t: [Double]
        let values: [Double]
    }
    struct Theorem4Case: Decodable {
        let name: String
        let measures: [Double]
        let argument: Double
    }
    struct ClassesValue: Decodable {
        let classes: Int
        let value: Double
    }
    struct PercentileCase: Decodable {
        let name: String
        let measures: [Double]
        let levels: [Double]
        let t: [Double]
    }
    struct NormCase: Decodable {
        let dimension: Int
        let value: Double
    }
    struct ClopperPearsonCase: Decodable {
        let counts: [Int]
        let confidence: Double
        let lower: [Double]
        let upper: [Double]
        let t: [Double]
        let worstCase: [Double]
        let worstCaseSeparate: [Double]
    }
    struct LargeCountsCase: Decodable {
        let counts: [Int]
        let confidence: Double
        let lower: [Double]
        let upper: [Double]
    }
    struct MedianCase: Decodable {
        let classes: Int
        let medianT: Double
    }

    let eq2: [Eq2Case]
    let eq3: Curve
    let eq4: [Eq4Case]
    let transfer: [TransferCase]
    let theorem4: [Theorem4Case]
    let theorem4Equiprobable: [ClassesValue]
    let percentiles: [PercentileCase]
    let expectedNorm: [NormCase]
    let clopperPearson: [ClopperPearsonCase]
    let clopperPearsonLarge: [LargeCountsCase]
    let kDependenceMedian: [MedianCase]

    /// Loaded once for all tests.
    static let shared: Reference = {
        guard let url = Bundle.module.url(forResource: "bound_reference", withExtension: "json", subdirectory: "Fixtures")
        else { fatalError("Fixtures/bound_reference.json is missing from the test bundle") }
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(Reference.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot decode Fixtures/bound_reference.json: \(error)")
        }
    }()
}

/// |x - reference| / |reference| (absolute difference when the reference is 0).
func relativeError(_ x: Double, _ reference: Double) -> Double {
    reference == 0 ? abs(x) : abs(x - reference) / abs(reference)
}

/// A seeded generator (SplitMix64, Steele, Lea & Flood 2014): deterministic tests.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in (0, 1), never 0 (53 random bits, offset by half a step).
    mutating func uniformOpen() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1p-53
    }

    /// A pair of independent standard normals (Box–Muller).
    mutating func normalPair() -> (Double, Double) {
        let radius = (-2 * log(uniformOpen())).squareRoot()
        let angle = 2 * Double.pi * uniformOpen()
        return (radius * cos(angle), radius * sin(angle))
    }

    /// Random class measures: normalised exponential draws (a flat Dirichlet), K classes.
    mutating func classMeasures(_ k: Int) -> [Double] {
        let draws = (0..<k).map { _ in -log(uniformOpen()) }
        let total = draws.reduce(0, +)
        return draws.map { $0 / total }
    }
}
