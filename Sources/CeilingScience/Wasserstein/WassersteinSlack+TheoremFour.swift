import CeilingBounds

/// Theorem 4's bound on the expected unconstrained robustness of every classifier on the data,
/// E_{x ~ mu} r_unc(x) <= omega(sum_i [phi(a_i) - a_i p_i]) + delta, with delta the Wasserstein
/// slack. The bound itself is computed by `ApproximateGeneratorBound` (CeilingBounds).
public struct ApproximateGeneratorCeiling: Sendable, Codable, Equatable {
    /// The latent argument of omega.
    public let argument: Double
    /// omega(argument) (the bound without slack; the least concave majorant of the modulus).
    public let smoothPart: Double
    /// delta, the empirical W1.
    public let slack: Double
    /// omega(argument) + delta.
    public let bound: Double
    public let notes: [String]
}

extension WassersteinSlack {
    /// Theorem 4 with this slack, for class measures p_i and a modulus that holds for every z.
    /// - Throws: `BoundError` from `ApproximateGeneratorBound` (a probabilistic modulus, an
    ///   argument beyond the modulus's range, ...).
    public func theoremFour(measures: ClassMeasures, modulus: Modulus) throws -> ApproximateGeneratorCeiling {
        try theoremFour(argument: ApproximateGeneratorBound.latentArgument(measures), modulus: modulus,
                        argumentNote: "class measures \(measures.values)")
    }

    /// Theorem 4 with this slack for a given latent argument (e.g. the closed form for K >= 5
    /// equiprobable classes, `ApproximateGeneratorBound.equiprobableArgument(classes:)`).
    /// - Throws: as `theoremFour(measures:modulus:)`.
    public func theoremFour(argument: Double, modulus: Modulus, argumentNote: String? = nil) throws -> ApproximateGeneratorCeiling {
        let bound = try ApproximateGeneratorBound.expectedRobustness(argument: argument, modulus: modulus, wassersteinSlack: distance)
        let smooth = try ApproximateGeneratorBound.expectedRobustness(argument: argument, modulus: modulus, wassersteinSlack: 0)
        var notes = ["Theorem 4: E_{x~mu} r_unc(x) <= omega(\(argument)) + delta = \(smooth) + \(distance) = \(bound), with omega the least concave majorant of the modulus (\(modulus))" + (argumentNote.map { " and \($0)" } ?? "") + "."]
        notes += self.notes
        return ApproximateGeneratorCeiling(argument: argument, smoothPart: smooth, slack: distance, bound: bound, notes: notes)
    }
}
