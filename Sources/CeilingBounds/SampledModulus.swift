import CeilingJSON
import Foundation

/// A monotone modulus of continuity given as a curve of points (s_j, omega_j), linearly
/// interpolated: the form in which an estimated modulus of the generator is stored and read.
///
/// ## File format (JSON)
///
///     {
///       "kind": "sampled",
///       "radii": [0.25, 0.5, 1.0, 2.0],
///       "omega": [0.31, 0.58, 1.02, 1.71],
///       "epsilon": 0.01,
///       "confidence": 0.95
///     }
///
/// - `radii`: latent radii s_j, finite, >= 0, strictly increasing (at least one).
/// - `omega`: omega(s_j) in image space, finite, >= 0, non-decreasing (a running maximum makes an
///   estimated curve so), as many as `radii`.
/// - `kind`: `"sampled"` (estimated by sampling anchors z; holds for a random z with probability
///   at least 1 - epsilon, and that statement itself with confidence `confidence`) or
///   `"certified"` (holds for every z, e.g. from products of per-layer operator norms; epsilon 0).
/// - `epsilon`: failure probability over z, in [0, 1); required for `"sampled"`, 0 or absent for
///   `"certified"`. Every bound that uses the curve loses epsilon.
/// - `confidence`: the confidence of the sampling statement, in (0, 1]; required for
///   `"sampled"`, absent or 1 for `"certified"`.
///
/// Other keys are ignored, so a producer may add its own (anchor counts, a Lipschitz summary).
///
/// ## Meaning between and beyond the points
/// - Between points the curve is linear.
/// - Below the first radius, when it is positive, the point (0, 0) is implied: the modulus of a
///   continuous generator, M(s) = sup over ||r|| <= s of ||g(z + r) - g(z)||, vanishes at s = 0.
///   A file may start at s = 0 with a positive omega (the paper allows omega(0) > 0).
/// - Beyond the last radius nothing is known: omega is +infinity there, the inverse stops at the
///   last radius, and a percentile the bound only reaches beyond it is reported as not reached.
public struct SampledModulus: Sendable, Equatable {
    /// Where the curve comes from; see the type's documentation.
    public enum Kind: String, Sendable, Codable, Equatable {
        case sampled
        case certified
    }

    /// The radii s_j as given.
    public let radii: [Double]
    /// omega(s_j) as given.
    public let omega: [Double]
    /// The failure probability epsilon over z (0 for a certified curve).
    public let epsilon: Double
    /// The confidence of the sampling statement (nil for a certified curve).
    public let confidence: Double?
    /// Sampled or certified.
    public let kind: Kind

    /// The curve's vertices with (0, 0) prepended when the first radius is positive.
    let xs: [Double]
    let ys: [Double]

    /// Validates and stores a curve.
    /// - Throws: `BoundError.invalidModulus` naming the first problem: empty or mismatched
    ///   arrays, a non-finite or negative value, radii not strictly increasing, omega decreasing,
    ///   epsilon or confidence out of range or missing for a sampled curve.
    public init(radii: [Double], omega: [Double], epsilon: Double = 0, confidence: Double? = nil, kind: Kind = .sampled) throws {
        guard !radii.isEmpty else { throw BoundError.invalidModulus("the curve has no points") }
        guard radii.count == omega.count else {
            throw BoundError.invalidModulus("\(radii.count) radii but \(omega.count) omega values")
        }
        for (j, s) in radii.enumerated() where !(s.isFinite && s >= 0) {
            throw BoundError.invalidModulus("radii[\(j)] = \(s) is not a finite non-negative number")
        }
        for (j, w) in omega.enumerated() where !(w.isFinite && w >= 0) {
            throw BoundError.invalidModulus("omega[\(j)] = \(w) is not a finite non-negative number")
        }
        for j in radii.indices.dropFirst() where !(radii[j] > radii[j - 1]) {
            throw BoundError.invalidModulus("radii must be strictly increasing: radii[\(j)] = \(radii[j]) <= radii[\(j - 1)] = \(radii[j - 1])")
        }
        for j in omega.indices.dropFirst() where omega[j] < omega[j - 1] {
            throw BoundError.invalidModulus("the curve is not monotone: omega[\(j)] = \(omega[j]) < omega[\(j - 1)] = \(omega[j - 1]) (make it non-decreasing, e.g. by a running maximum)")
        }
        guard epsilon.isFinite, epsilon >= 0, epsilon < 1 else {
            throw BoundError.invalidModulus("epsilon = \(epsilon) is not in [0, 1)")
        }
        if let confidence, !(confidence > 0 && confidence <= 1) {
            throw BoundError.invalidModulus("confidence = \(confidence) is not in (0, 1]")
        }
        switch kind {
        case .sampled:
            guard confidence != nil else {
                throw BoundError.invalidModulus("a sampled curve must state its confidence")
            }
        case .certified:
            guard epsilon == 0, confidence == nil || confidence == 1 else {
                throw BoundError.invalidModulus("a certified curve holds for every z: epsilon must be 0 and confidence 1 or absent")
            }
        }
        self.radii = radii
        self.omega = omega
        self.epsilon = epsilon
        self.confidence = kind == .certified ? nil : confidence
        self.kind = kind
        if radii[0] > 0 {
            xs = [0] + radii
            ys = [0] + omega
        } else {
            xs = radii
            ys = omega
        }
    }

    /// The largest radius at which the curve is known.
    public var maxRadius: Double { xs[xs.count - 1] }

    /// omega(s): linear interpolation; +infinity beyond `maxRadius`; for negative s, omega(0).
    public func value(at s: Double) -> Double {
        if s > maxRadius { return .infinity }
        if s <= 0 { return ys[0] }
        // The last vertex with x <= s.
        var low = 0
        var high = xs.count - 1
        while high - low > 1 {
            let mid = (low + high) / 2
            if xs[mid] <= s { low = mid } else { high = mid }
        }
        if xs[high] <= s { return ys[high] }
        let fraction = (s - xs[low]) / (xs[high] - xs[low])
        return ys[low] + fraction * (ys[high] - ys[low])
    }

    /// The generalised inverse omega^{-1}(eta) = sup{ s in [0, maxRadius] : omega(s) <= eta },
    /// the largest latent radius certain to map within eta. 0 when eta < omega(0) (nothing is
    /// certified then, and every bound at t = 0 is 0); `maxRadius` when eta >= the last omega.
    /// Flat pieces of the curve are jumped to their right end.
    public func inverse(_ eta: Double) -> Double {
        guard eta >= ys[0] else { return 0 }
        let last = ys.count - 1
        if eta >= ys[last] { return maxRadius }
        // The last vertex with y <= eta; then y[j] <= eta < y[j + 1].
        var low = 0
        var high = last
        while high - low > 1 {
            let mid = (low + high) / 2
            if ys[mid] <= eta { low = mid } else { high = mid }
        }
        let fraction = (eta - ys[low]) / (ys[high] - ys[low])
        return min(xs[low] + fraction * (xs[high] - xs[low]), xs[high])
    }

    /// The least concave majorant on [0, maxRadius]: the smallest concave function above the
    /// curve, i.e. the upper convex hull of its vertices (including an implied (0, 0)). Theorem 4
    /// needs a concave modulus; a concave function above a valid modulus is still a valid
    /// modulus. It is non-decreasing because the curve's maximum is at its last vertex.
    public var leastConcaveMajorant: SampledModulus {
        var hull: [(Double, Double)] = []
        for point in zip(xs, ys) {
            // Drop the last hull vertex while it lies on or below the chord from the one before
            // it to the new point.
            while hull.count >= 2 {
                let (x1, y1) = hull[hull.count - 2]
                let (x2, y2) = hull[hull.count - 1]
                let cross = (x2 - x1) * (point.1 - y1) - (y2 - y1) * (point.0 - x1)
                if cross >= 0 { hull.removeLast() } else { break }
            }
            hull.append(point)
        }
        // The hull's vertices are a subset of valid vertices: construction cannot fail.
        return try! SampledModulus(
            radii: hull.map(\.0), omega: hull.map(\.1), epsilon: epsilon, confidence: confidence, kind: kind)
    }

    /// Whether the curve is concave (its slopes are non-increasing), to rounding.
    public var isConcave: Bool {
        var previous = Double.infinity
        for j in 1..<max(xs.count, 1) {
            let slope = (ys[j] - ys[j - 1]) / (xs[j] - xs[j - 1])
            if slope > previous * (1 + 1e-12) + 1e-300 { return false }
            previous = slope
        }
        return true
    }

    /// The Lipschitz summary L = sup over s > 0 of omega(s) / s (attained at a vertex, since
    /// omega(s) / s is monotone on each linear piece); +infinity when omega(0) > 0.
    public var lipschitzSummary: Double {
        if ys[0] > 0 { return .infinity }
        var best = 0.0
        for (s, w) in zip(xs, ys) where s > 0 { best = max(best, w / s) }
        return best
    }
}

// MARK: - JSON

extension SampledModulus {
    /// The JSON object as written in a file; all fields optional so that a missing one gets a
    /// clear message instead of a decoder's.
    private struct FileShape: Codable {
        var kind: String?
        var radii: [Double]?
        var omega: [Double]?
        var epsilon: Double?
        var confidence: Double?
    }

    /// Reads a curve from JSON data in the shape documented on the type.
    /// - Throws: `BoundError.invalidModulus` for malformed JSON, a missing field or an invalid
    ///   curve.
    public init(json data: Data) throws {
        let shape: FileShape
        do {
            shape = try JSONCoding.decoder().decode(FileShape.self, from: data)
        } catch {
            throw BoundError.invalidModulus("not a JSON object of the modulus shape (\(Self.describe(error)))")
        }
        guard let kindName = shape.kind else { throw BoundError.invalidModulus("missing \"kind\" (\"sampled\" or \"certified\")") }
        guard let kind = Kind(rawValue: kindName) else {
            throw BoundError.invalidModulus("unknown kind \"\(kindName)\" (expected \"sampled\" or \"certified\")")
        }
        guard let radii = shape.radii else { throw BoundError.invalidModulus("missing \"radii\"") }
        guard let omega = shape.omega else { throw BoundError.invalidModulus("missing \"omega\"") }
        if kind == .sampled, shape.epsilon == nil {
            throw BoundError.invalidModulus("a sampled curve must state \"epsilon\"")
        }
        try self.init(radii: radii, omega: omega, epsilon: shape.epsilon ?? 0, confidence: shape.confidence, kind: kind)
    }

    /// Reads a curve from a JSON file.
    /// - Throws: `BoundError.invalidModulus` naming the file when it cannot be read or is invalid.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw BoundError.invalidModulus("cannot read \(url.path)")
        }
        do {
            try self.init(json: data)
        } catch BoundError.invalidModulus(let why) {
            throw BoundError.invalidModulus("\(url.path): \(why)")
        }
    }

    /// The curve as JSON in the documented shape (keys sorted; certified curves omit
    /// `confidence`).
    public func jsonData() throws -> Data {
        try JSONCoding.encoder().encode(FileShape(kind: kind.rawValue, radii: radii, omega: omega, epsilon: epsilon, confidence: confidence))
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context):
            return context.debugDescription
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
