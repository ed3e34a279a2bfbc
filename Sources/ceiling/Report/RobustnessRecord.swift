import CeilingEngine
import CeilingJSON
import CeilingScience

/// `ceiling robustness --json`: per-point norms of every notion (null where censored), their
/// percentiles, and the checks.
struct RobustnessRecord: Encodable {
    /// A percentile with its order-statistic interval (`EstimateResults.IntervalRecord`).
    struct Percentile: Encodable {
        @NonFiniteAsNull var raw: Double
        @NonFiniteAsNull var normalised: Double
        let interval: EstimateResults.IntervalRecord
    }
    struct Notion: Encodable {
        @NonFiniteAsNull var norms: [Double]
        @NonFiniteAsNull var normalised: [Double]
        let censored: Int
        let normaliser: Double
        /// Level (as written, e.g. "0.25") -> percentile.
        let percentiles: [String: Percentile]
    }
    struct ModelReference: Encodable {
        let path: String, role: String
    }
    struct Projection: Encodable {
        let reconstructionErrors: [Double]
        let sources: [String]
        let theorem2Violations: [Int]
        let theorem2Notes: [String]
    }
    struct SelfCheck: Encodable {
        let worstGap: Double, atRadius: Double, band: Double
        let violated: Bool, violatedBeforeExtraEffort: Bool
    }

    let seed: UInt64, samples: Int, measureSamples: Int
    let latentDimension: Int
    let expectedLatentNorm: Double, expectedImageNorm: Double
    let classCounts: [Int], labels: [Int]
    let notions: [String: Notion]
    let models: [ModelReference]
    /// Method name -> image distance per point, null where that method found nothing.
    let inDistributionMethods: [String: [Double?]]
    let ceilingVersion: String
    let projection: Projection?
    let latentSelfCheck: SelfCheck?
    /// Certified lower bounds on r_unc at the same points (normalised by E||g(z)||), checked
    /// against the adversaries found; nil when none were asked for.
    var certified: EstimateResults.CertifiedRecord? = nil

    init(_ m: RobustnessMeasurement, percentiles: [Double], levelConfidence: Double, models: [Model]) throws {
        seed = m.settings.seed
        samples = m.settings.samples
        measureSamples = m.settings.measureSamples
        latentDimension = m.latentDimension
        expectedLatentNorm = m.expectedLatentNorm
        expectedImageNorm = m.expectedImageNorm
        classCounts = m.classCounts
        labels = m.labels
        notions = Dictionary(uniqueKeysWithValues: try m.measurements.map { notion in
            let levels = try percentiles.map { q in
                (String(q), Percentile(raw: notion.quantile(q), normalised: notion.quantile(q, normalised: true),
                                       interval: try EstimateResults.IntervalRecord(level: q, norms: notion.norms, normaliser: notion.normaliser,
                                                                                    confidence: levelConfidence)))
            }
            return (notion.notion.rawValue, Notion(norms: notion.norms, normalised: notion.normalised, censored: notion.censored,
                                                   normaliser: notion.normaliser, percentiles: Dictionary(uniqueKeysWithValues: levels)))
        })
        self.models = models.map { ModelReference(path: $0.path, role: $0.role.rawValue) }
        inDistributionMethods = Dictionary(uniqueKeysWithValues: m.inDistributionMethods.map { ($0.name, $0.norms.finiteOrNil) })
        ceilingVersion = CeilingVersion.string
        projection = m.projection.map {
            Projection(reconstructionErrors: $0.robustness.reconstructionErrors, sources: $0.robustness.sources,
                       theorem2Violations: $0.theoremTwo.violations.map(\.index), theorem2Notes: $0.theoremTwo.notes)
        }
        latentSelfCheck = m.selfCheckAfter.map { check in
            SelfCheck(worstGap: check.worstGap, atRadius: check.worstRadius, band: check.band, violated: check.violated,
                      violatedBeforeExtraEffort: m.selfCheckBefore?.violated ?? false)
        }
    }
}
