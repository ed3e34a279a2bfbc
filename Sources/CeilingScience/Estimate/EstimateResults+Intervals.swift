import CeilingBounds

extension EstimateResults {
    /// A confidence interval for one percentile of measured robustness (DESIGN §7), from the
    /// order statistics of the attacked points (censored points count as +infinity).
    ///
    /// `kind` says what it is a statement about:
    /// - "attack": [r_(a), r_(b)] of the attack's radii covers the q-quantile of what the attack
    ///   finds; since every radius found is at least the true minimal distance, the upper end is
    ///   also an upper confidence bound on the true robustness quantile;
    /// - "sandwich": the lower end is the a-th smallest certified lower bound instead, so the
    ///   interval covers the true robustness quantile itself.
    public struct IntervalRecord: Codable, Sendable, Equatable {
        public let level: Double
        /// Confidence of this interval alone (the run's confidence split over its levels).
        public let confidence: Double
        public let kind: String
        /// Normalised ends; the lower end is 0 when no rank is low enough, the upper end nil
        /// (+infinity) when it falls among the censored points or no rank is high enough.
        public let lower: Double
        public let upper: Double?
        /// The same ends in image (or latent) units.
        public let lowerRaw: Double
        public let upperRaw: Double?
        /// Ranks (1-based) of the order statistics used; nil where the end is open.
        public let lowerRank: Int?
        public let upperRank: Int?

        /// The interval of the `level`-quantile of `norms` (+infinity where censored), at
        /// `confidence`, with `normaliser` dividing every end.
        public init(level: Double, norms: [Double], normaliser: Double, confidence: Double) throws {
            let (lower, upper, ranks) = try EmpiricalDistribution(norms).interval(level, confidence: confidence)
            self.level = level
            self.confidence = confidence
            kind = "attack"
            lowerRaw = lower
            upperRaw = upper.isFinite ? upper : nil
            self.lower = lower / normaliser
            self.upper = upper.isFinite ? upper / normaliser : nil
            lowerRank = ranks.lowerRank
            upperRank = ranks.upperRank
        }
    }

    /// A binomial proportion with its Clopper–Pearson interval.
    public struct ProportionRecord: Codable, Sendable, Equatable {
        public let count: Int
        public let trials: Int
        public let rate: Double
        public let lower: Double
        public let upper: Double
        public let confidence: Double

        public init(count: Int, trials: Int, confidence: Double) throws {
            let interval = try ClopperPearson.interval(successes: count, trials: trials, confidence: confidence)
            self.count = count
            self.trials = trials
            rate = Double(count) / Double(trials)
            lower = interval.lowerBound
            upper = interval.upperBound
            self.confidence = confidence
        }
    }

    /// The confidence of each of `levels` percentile intervals when they hold together at
    /// `confidence` (Bonferroni).
    public static func perLevelConfidence(_ confidence: Double, levels: Int) -> Double {
        1 - (1 - confidence) / Double(max(levels, 1))
    }
}
