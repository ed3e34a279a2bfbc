import CeilingBounds

extension EstimateResults {
    /// The certified lower bounds on r_unc of one classifier at the attacked points (DESIGN §8),
    /// and what they add to the measured percentiles (DESIGN §7). Radii are normalised by
    /// E||g(z)|| like every image-space robustness; times per point are in `stage_seconds`.
    public struct CertifiedRecord: Codable, Sendable {
        public struct Bound: Codable, Sendable {
            public let kind: CertifiedBoundKind
            public let sound: Bool
            /// Normalised radius per point; nil when the bound cannot be computed (see `reason`).
            public let normalised: [Double]?
            /// level -> normalised percentile.
            public let percentiles: [String: Double]?
            public let reason: String?
            /// Points (0-based) where the bound exceeds the norm of the adversary found there.
            public let violations: [Int]?
            public let worstRatio: Double?
        }

        public let bounds: [Bound]
        /// The largest sound bound per point, normalised (0 where none could be computed).
        public let best: [Double]
        public let percentiles: [String: Double]
        /// Per level: the order-statistic interval of the best bound's quantile (kind "certified").
        public let intervals: [IntervalRecord]
        /// Per level: the two-sided statement of DESIGN §7 about the true r_unc quantile, from
        /// the certified values below and the attacks' radii above (kind "sandwich").
        public let sandwich: [IntervalRecord]
        /// Points with a verified adversary, and violations of the sound bounds among them.
        public let checkedPoints: Int
        public let soundViolations: Int

        public init(_ certification: Certification, check: CertificationCheck, adversaryNorms: [Double], normaliser: Double,
                    levels: [Double], confidence: Double) throws {
            func percentiles(_ values: [Double]) -> [String: Double] {
                Dictionary(uniqueKeysWithValues: levels.map { (String($0), EmpiricalDistribution(values).quantile($0)) })
            }
            bounds = certification.bounds.map { result in
                let normalised = result.radii?.map { $0 / normaliser }
                let entry = check.bounds.first { $0.kind == result.kind }
                return Bound(kind: result.kind, sound: result.kind.isSound, normalised: normalised, percentiles: normalised.map(percentiles),
                             reason: result.reason, violations: entry?.points, worstRatio: entry?.worstRatio)
            }
            best = certification.best.map { $0 / normaliser }
            self.percentiles = percentiles(best)
            intervals = try levels.map { q in
                try IntervalRecord(level: q, norms: certification.best, normaliser: normaliser, confidence: confidence, kind: "certified")
            }
            sandwich = try levels.map { q in
                try IntervalRecord(level: q, lowerBounds: certification.best, norms: adversaryNorms, normaliser: normaliser, confidence: confidence)
            }
            checkedPoints = check.checkedPoints
            soundViolations = check.soundViolations
        }
    }
}

extension EstimateResults.IntervalRecord {
    /// The order-statistic interval of the `level`-quantile of `norms` with another `kind`
    /// ("certified": of certified lower bounds; its lower end is then also a lower confidence
    /// bound on the true robustness quantile).
    init(level: Double, norms: [Double], normaliser: Double, confidence: Double, kind: String) throws {
        let plain = try Self(level: level, norms: norms, normaliser: normaliser, confidence: confidence)
        self.init(level: level, confidence: confidence, kind: kind, lower: plain.lower, upper: plain.upper,
                  lowerRaw: plain.lowerRaw, upperRaw: plain.upperRaw, lowerRank: plain.lowerRank, upperRank: plain.upperRank)
    }

    /// DESIGN §7's sandwich: l_(a) <= xi_q <= r_hat_(b) with probability at least `confidence`,
    /// l the certified lower bounds and r_hat the attacks' radii at the same points (+infinity
    /// where censored), a and b the ranks of the order-statistic interval.
    init(level: Double, lowerBounds: [Double], norms: [Double], normaliser: Double, confidence: Double) throws {
        let ranks = try QuantileInterval(level: level, samples: norms.count, confidence: confidence)
        let lower = ranks.lowerRank.map(EmpiricalDistribution(lowerBounds).orderStatistic) ?? 0
        let upper = ranks.upperRank.map(EmpiricalDistribution(norms).orderStatistic) ?? .infinity
        self.init(level: level, confidence: confidence, kind: "sandwich", lower: lower / normaliser,
                  upper: upper.isFinite ? upper / normaliser : nil, lowerRaw: lower, upperRaw: upper.isFinite ? upper : nil,
                  lowerRank: ranks.lowerRank, upperRank: ranks.upperRank)
    }
}

extension EstimateResults.IntervalRecord {
    /// Every field as given.
    fileprivate init(level: Double, confidence: Double, kind: String, lower: Double, upper: Double?, lowerRaw: Double, upperRaw: Double?,
                 lowerRank: Int?, upperRank: Int?) {
        self.level = level
        self.confidence = confidence
        self.kind = kind
        self.lower = lower
        self.upper = upper
        self.lowerRaw = lowerRaw
        self.upperRaw = upperRaw
        self.lowerRank = lowerRank
        self.upperRank = upperRank
    }
}
