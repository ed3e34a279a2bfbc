/// A monotone modulus of continuity omega of the generator (Assumption 1):
/// ||g(z) - g(z')|| <= omega(||z - z'||_2). It converts a latent radius t into an image-space
/// radius eta = omega(t); the bounds are stated at t = omega^{-1}(eta).
///
/// - `identity`: omega(s) = s. The bounds are then about latent robustness r_Z, and need no
///   assumption on the generator (Remark 5).
/// - `lipschitz(L)`: omega(s) = L s for an L-Lipschitz generator (Remark 1).
/// - `curve`: a piecewise-linear curve, estimated or certified (`SampledModulus`); known only up
///   to its largest radius, and possibly holding only with probability 1 - epsilon over z.
public struct Modulus: Sendable, Equatable, CustomStringConvertible {
    /// The three forms.
    public enum Kind: Sendable, Equatable {
        case identity
        case lipschitz(Double)
        case curve(SampledModulus)
    }

    /// Which form this modulus has.
    public let kind: Kind

    private init(kind: Kind) { self.kind = kind }

    /// omega(s) = s.
    public static let identity = Modulus(kind: .identity)

    /// omega(s) = L s.
    /// - Throws: `BoundError.invalidLipschitz` unless L is finite and positive.
    public static func lipschitz(_ constant: Double) throws -> Modulus {
        guard constant.isFinite, constant > 0 else { throw BoundError.invalidLipschitz(constant) }
        return Modulus(kind: .lipschitz(constant))
    }

    /// A piecewise-linear curve (already validated by `SampledModulus`).
    public static func curve(_ curve: SampledModulus) -> Modulus {
        Modulus(kind: .curve(curve))
    }

    /// omega(s); +infinity beyond a curve's largest radius.
    public func callAsFunction(_ s: Double) -> Double {
        switch kind {
        case .identity: return s
        case .lipschitz(let constant): return constant * s
        case .curve(let curve): return curve.value(at: s)
        }
    }

    /// The generalised inverse omega^{-1}(eta) = sup{ s : omega(s) <= eta } (capped at the
    /// largest known radius for a curve): the largest latent radius that is certain to stay
    /// within eta in image space.
    public func inverse(_ eta: Double) -> Double {
        switch kind {
        case .identity: return max(eta, 0)
        case .lipschitz(let constant): return max(eta, 0) / constant
        case .curve(let curve): return curve.inverse(eta)
        }
    }

    /// The largest latent radius at which omega is known (+infinity for closed forms).
    public var maxRadius: Double {
        if case .curve(let curve) = kind { return curve.maxRadius }
        return .infinity
    }

    /// epsilon, the probability over z that the modulus fails (0 unless a sampled curve).
    public var failureProbability: Double {
        if case .curve(let curve) = kind { return curve.epsilon }
        return 0
    }

    /// The least concave majorant (Theorem 4 needs a concave modulus). Linear moduli are their
    /// own.
    public var leastConcaveMajorant: Modulus {
        if case .curve(let curve) = kind { return .curve(curve.leastConcaveMajorant) }
        return self
    }

    /// Whether this modulus is the identity (latent robustness).
    public var isIdentity: Bool { kind == .identity }

    public var description: String {
        switch kind {
        case .identity:
            return "identity (latent robustness r_Z; no assumption on the generator)"
        case .lipschitz(let constant):
            return "Lipschitz, omega(s) = \(constant) s"
        case .curve(let curve):
            switch curve.kind {
            case .certified:
                return "certified curve, \(curve.radii.count) points up to s = \(curve.maxRadius)"
            case .sampled:
                let confidence = curve.confidence.map { " at confidence \($0)" } ?? ""
                return "sampled curve, \(curve.radii.count) points up to s = \(curve.maxRadius), failure probability epsilon = \(curve.epsilon)\(confidence)"
            }
        }
    }
}
