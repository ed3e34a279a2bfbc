/// The knobs of a whole estimate; `quick` and `standard` are the two presets the command offers.
public struct EstimateSettings: Codable, Sendable {
    public var samples: Int
    public var measureSamples: Int
    public var seed: UInt64
    public var percentiles: [Double]
    public var epsilon: Double
    public var confidence: Double
    public var modulusAnchors: Int
    public var modulusSteps: Int
    public var refinementSteps: Int
    public var projection: Bool

    public static func standard(seed: UInt64 = 0) -> EstimateSettings {
        EstimateSettings(samples: 48, measureSamples: 4000, seed: seed, percentiles: [0.25], epsilon: 0.01, confidence: 0.95,
                         modulusAnchors: 300, modulusSteps: 10, refinementSteps: 100, projection: true)
    }

    public static func quick(seed: UInt64 = 0) -> EstimateSettings {
        EstimateSettings(samples: 12, measureSamples: 1000, seed: seed, percentiles: [0.25], epsilon: 0.05, confidence: 0.95,
                         modulusAnchors: 60, modulusSteps: 5, refinementSteps: 40, projection: false)
    }
}
