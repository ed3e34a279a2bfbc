/// The per-point check of DESIGN §8: a certified lower bound never exceeds the norm of an
/// adversary found at the same point (l_i <= r_i <= r_hat_i). A violation is a bug in the bound
/// or in the attack; for Peck et al.'s published form it is the finding DESIGN §8 predicts.
public struct CertificationCheck: Codable, Sendable, Equatable {
    public struct Violations: Codable, Sendable, Equatable {
        public let kind: CertifiedBoundKind
        /// Points (0-based) where the bound exceeds the adversary's norm.
        public let points: [Int]
        /// The largest ratio bound / adversary norm among them.
        public let worstRatio: Double?
    }

    /// One entry per computed bound, violations or not.
    public let bounds: [Violations]
    /// Points with a verified adversary (the others have nothing to check against).
    public let checkedPoints: Int

    /// Relative slack for Float32 rounding: both sides are computed in Float32 with sums in
    /// Double, about 1e-7 relative; the attacks' margin rule puts adversaries beyond it.
    public static let tolerance = 1e-6

    public init(_ certification: Certification, adversaryNorms norms: [Double]) {
        precondition(norms.count == certification.labels.count)
        checkedPoints = norms.filter(\.isFinite).count
        bounds = certification.bounds.compactMap { result in
            guard let radii = result.radii else { return nil }
            let bad = radii.indices.filter { norms[$0].isFinite && radii[$0] > norms[$0] * (1 + Self.tolerance) }
            return Violations(kind: result.kind, points: bad, worstRatio: bad.map { radii[$0] / norms[$0] }.max())
        }
    }

    /// Violations of the sound bounds (each one is a bug).
    public var soundViolations: Int { bounds.filter(\.kind.isSound).reduce(0) { $0 + $1.points.count } }

    public func violations(_ kind: CertifiedBoundKind) -> Int? { bounds.first { $0.kind == kind }?.points.count }
}
