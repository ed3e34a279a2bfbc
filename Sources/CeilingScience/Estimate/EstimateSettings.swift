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
    /// Metric-refinement passes of the r_in attack (nil: `InDistributionAttack.standardPasses`).
    public var inDistributionPasses: Int? = nil
    /// The projection classifier's stage; nil skips it.
    public var projection: ProjectionStageSettings?
    /// Points attacked per pair of classifiers for the transfer check.
    public var transferSamples: Int
    /// Real and generated images compared for the Wasserstein slack (when real data is given).
    public var wassersteinSamples: Int
    /// When set, attack more points (doubling from `samples`, up to `maxSamples`) until every
    /// requested percentile's interval has a relative half-width at most this.
    public var precision: Double? = nil
    public var maxSamples: Int? = nil
    /// The certified lower bounds computed at the attacked points; nil: `CertifiedBoundKind.defaults`.
    public var certifiedBounds: [CertifiedBoundKind]? = nil
    /// Points computed together in every stage that can be split into shards (nil: each
    /// stage's own, `chunks`). A point's values depend on the points of its chunk (batched sums
    /// round differently with the batch), so this is part of what fixes the numbers, and shards
    /// split only between chunks.
    public var chunk: Int? = nil

    /// The chunk sizes of the stages.
    public var chunks: StageChunks { StageChunks(chunk) }

    /// Sized by precision: at 256 points the 95% interval of a 25% percentile spans about the 20% to
    /// 31% quantiles. About 6 minutes on 2 cores for the bundled models (three classifiers).
    public static func standard(seed: UInt64 = 0) -> EstimateSettings {
        EstimateSettings(samples: 256, measureSamples: 2000, seed: seed, percentiles: [0.25], epsilon: 0.05, confidence: 0.95,
                         modulusAnchors: 128, modulusSteps: 6, refinementSteps: MinimalNormRefinement.standardSteps,
                         projection: .standard,
                         transferSamples: 64, wassersteinSamples: 1000)
    }

    /// About a minute: the same stages with fewer points, anchors and steps, no projection classifier.
    public static func quick(seed: UInt64 = 0) -> EstimateSettings {
        EstimateSettings(samples: 8, measureSamples: 600, seed: seed, percentiles: [0.25], epsilon: 0.1, confidence: 0.95,
                         modulusAnchors: 40, modulusSteps: 4, refinementSteps: 20, projection: nil,
                         transferSamples: 6, wassersteinSamples: 200)
    }
}
