import CeilingBounds

/// The probabilistic modulus of continuity omega_hat built from sampled local suprema
/// (DESIGN.md section 3), with everything a report needs.
///
/// ## The statement
/// For each radius s_j, the anchors give n independent draws M_1(s_j), ..., M_n(s_j) of the
/// random variable M(s_j) = sup over ||r|| <= s_j of ||g(z + r) - g(z)||, z ~ N(0, I). With
/// omega_hat(s_j) = the r-th smallest of them, where r is the smallest rank with
/// P(Bin(n, 1 - epsilon) >= r) <= alpha_j (`OrderStatistic`),
///
///     P_z( M(s_j) <= omega_hat(s_j) ) >= 1 - epsilon    with confidence at least 1 - alpha_j.
///
/// With `simultaneous` settings alpha_j = alpha / J, so by the union bound the statement holds
/// at all J radii at once with confidence 1 - alpha (the bound may then pick any radius from the
/// curve); otherwise alpha_j = alpha and each radius holds separately.
///
/// ## Honest epsilon
/// Even the maximum (r = n) needs (1 - epsilon)^n <= alpha_j. When the anchors are too few for
/// the requested epsilon, the estimate uses the maximum and states the epsilon it achieves,
/// 1 - alpha_j^(1/n), in `epsilon` (and in the curve, so every bound that uses it loses that
/// epsilon); `requestedEpsilon` keeps the request and `anchorsForRequest` says how many anchors
/// would honour it.
///
/// ## What it rests on
/// Each M_k(s) is found by search (random directions and gradient ascent), so it can fall short
/// of the true supremum; the statement is about the suprema the search finds. Between grid
/// radii the curve is interpolated linearly, which for a concave modulus lies slightly below it
/// (second order in the grid spacing). The certified Lipschitz bound has neither caveat.
public struct EstimatedModulus: Sendable {
    /// The raw suprema.
    public let samples: SupremumSamples
    /// The requested epsilon and confidence.
    public let requestedEpsilon: Double
    public let confidence: Double
    /// Whether the confidence holds simultaneously over the grid (Bonferroni).
    public let simultaneous: Bool
    /// The error probability of each radius's statement.
    public let alphaPerRadius: Double
    /// The epsilon the statement holds with (>= requestedEpsilon).
    public let epsilon: Double
    /// The rank r of the order statistic (n = the maximum).
    public let rank: Int
    /// Anchors needed for the requested epsilon (equal to or below the anchor count when met).
    public let anchorsForRequest: Int
    /// omega_hat(s_j) before the monotone envelope.
    public let orderStatistic: [Double]
    /// The monotone envelope (running maximum) of `orderStatistic`, the curve's values.
    public let omega: [Double]
    /// The curve in the bounds' format (linear interpolation, +infinity beyond the last radius).
    public let curve: SampledModulus

    /// Builds the estimate.
    /// - Throws: `ModulusError.invalidSetting` for epsilon or confidence outside (0, 1), or
    ///   `.invalidRadii` if the samples cannot form a curve.
    public init(samples: SupremumSamples, epsilon requested: Double, confidence: Double, simultaneous: Bool) throws(ModulusError) {
        guard requested > 0, requested < 1 else { throw .invalidSetting("epsilon must be in the open interval (0, 1) (got \(requested))") }
        guard confidence > 0, confidence < 1 else { throw .invalidSetting("the confidence must be in the open interval (0, 1) (got \(confidence))") }
        let n = samples.anchorCount
        guard n >= 1 else { throw .invalidSetting("no anchors were sampled") }
        let alpha = simultaneous ? (1 - confidence) / Double(samples.radii.count) : 1 - confidence
        self.samples = samples
        self.requestedEpsilon = requested
        self.confidence = confidence
        self.simultaneous = simultaneous
        self.alphaPerRadius = alpha
        do {
            anchorsForRequest = try OrderStatistic.requiredSampleSize(epsilon: requested, alpha: alpha)
            if let r = try OrderStatistic.upperRank(samples: n, epsilon: requested, alpha: alpha) {
                rank = r
                epsilon = requested
            } else {
                rank = n
                epsilon = try OrderStatistic.achievableEpsilon(samples: n, alpha: alpha)
            }
        } catch {
            throw .invalidSetting("order statistic: \(error)")
        }
        let chosen = rank
        orderStatistic = samples.ascent.map { $0.sorted()[chosen - 1] }
        var envelope = [Double](), running = 0.0
        for value in orderStatistic {
            running = max(running, value)
            envelope.append(running)
        }
        omega = envelope
        do {
            curve = try SampledModulus(radii: samples.radii, omega: envelope, epsilon: epsilon, confidence: confidence, kind: .sampled)
        } catch {
            throw .invalidRadii("\(error)")
        }
    }

    /// The latent radii s_j.
    public var radii: [Double] { samples.radii }
    /// Whether the requested epsilon is met by the anchors.
    public var meetsRequest: Bool { epsilon == requestedEpsilon }

    /// The p-quantile of M(s_j) over the anchors (p in [0, 1]; 1 is the maximum).
    public func quantile(_ p: Double, at j: Int) -> Double { Quantiles.quantile(samples.ascent[j], p) }

    /// omega_hat(s), linearly interpolated; +infinity beyond the last radius.
    public func callAsFunction(_ s: Double) -> Double { curve.value(at: s) }

    /// omega_hat^{-1}(eta) = sup{ s : omega_hat(s) <= eta }, capped at the last radius.
    public func inverse(_ eta: Double) -> Double { curve.inverse(eta) }

    /// The least concave majorant of the curve (Theorem 4 needs a concave modulus).
    public var leastConcaveMajorant: SampledModulus { curve.leastConcaveMajorant }

    /// The Lipschitz summary L = sup over s of omega_hat(s) / s.
    public var lipschitzSummary: Double { curve.lipschitzSummary }
}
