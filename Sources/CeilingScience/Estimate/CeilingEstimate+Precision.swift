/// `--precision`: the number of attacked points chosen by the width of the intervals it gives.
extension CeilingEstimate {
    /// Attacks `robustness.samples` points, and with a precision target doubles the count (up to
    /// the maximum) until every interval of r_Z, r_in and r_unc at every requested level has a
    /// relative half-width (upper - lower) / (2 x percentile) at most the target. Each round is a
    /// whole run with the larger count (its points extend the previous ones: one seeded stream),
    /// so the result is exactly that of a run with the final count; the rounds before it cost
    /// at most as much again.
    ///
    /// The count depends on every point's result, so a run split into shards cannot choose it:
    /// the command refuses `--precision` with `--shard`.
    func measureToPrecision(_ subject: Subject, _ robustness: RobustnessSettings, progress: (String, Double) -> Void) throws
        -> (EstimatePoints.Classifier, RobustnessMeasurement, EstimateResults.PrecisionRecord?) {
        var robustness = robustness
        var rounds = 0
        while true {
            rounds += 1
            let points = try classifierPoints(subject, robustness, .whole) { stage, fraction in
                progress(rounds > 1 ? "\(stage) (\(robustness.samples) points)" : stage, fraction)
            }
            let measurement = try RobustnessStudy(generator: generator, classifier: subject.map, settings: robustness)
                .measurement(points.robustness, adversaries: nil)
            guard let target = settings.precision else { return (points, measurement, nil) }
            let achieved = try largestRelativeHalfWidth(measurement)
            let maximum = max(settings.maxSamples ?? robustness.samples, robustness.samples)
            let reached = achieved <= target
            if reached || robustness.samples >= maximum {
                let record = EstimateResults.PrecisionRecord(
                    target: target, achieved: achieved.isFinite ? achieved : nil, samples: robustness.samples, rounds: rounds,
                    maxSamples: maximum, reached: reached,
                    reason: reached ? "every interval's relative half-width is at most \(target)"
                        : "stopped at the maximum of \(maximum) points before reaching \(target)")
                return (points, measurement, record)
            }
            robustness.samples = min(2 * robustness.samples, maximum)
        }
    }

    /// The largest (upper - lower) / (2 x percentile) over the notions r_Z, r_in, r_unc and the
    /// requested levels; +infinity when an interval is open or a percentile censored or 0.
    func largestRelativeHalfWidth(_ measurement: RobustnessMeasurement) throws -> Double {
        let confidence = EstimateResults.perLevelConfidence(settings.confidence, levels: settings.percentiles.count)
        var largest = 0.0
        for m in measurement.measurements where m.notion != .projection {
            let distribution = EmpiricalDistribution(m.norms)
            for q in settings.percentiles {
                let (lower, upper, _) = try distribution.interval(q, confidence: confidence)
                let estimate = distribution.quantile(q)
                let width = estimate > 0 && estimate.isFinite && upper.isFinite ? (upper - lower) / (2 * estimate) : .infinity
                largest = max(largest, width)
            }
        }
        return largest
    }
}

extension EstimateResults {
    /// The outcome of `--precision` for one classifier.
    public struct PrecisionRecord: Codable, Sendable, Equatable {
        public let target: Double
        /// The largest relative half-width at the end (nil: an interval stayed open).
        public let achieved: Double?
        public let samples: Int
        public let rounds: Int
        public let maxSamples: Int
        public let reached: Bool
        public let reason: String
    }
}
