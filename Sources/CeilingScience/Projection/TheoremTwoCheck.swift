/// Theorem 2 on measured numbers: r_unc(f~)(x) >= r_in(f)(x) / 2 at every generated point x = g(z).
///
/// Both sides are measured by searches that return adversarial points, so both are upper bounds
/// on the true values; a violation r_unc(f~) < r_in / 2 means the adversarial point b of f~ was
/// nearer than the theorem allows for the measured r_in. With an exact inversion it cannot happen
/// at the true r_in: then g(z*(b)) is within ||b - x|| of b (x itself is a candidate projection),
/// hence within 2 ||b - x|| < r_in of x, and carries f~(b) != f(x). So each violation is
/// explained by one of (checked in this order):
///
/// - `inDistributionMissed`: g(z*(b)) is an in-distribution adversarial example of f at x, nearer
///   than the measured r_in. The inversion did its job; the r_in search over-estimated r_in at
///   x, and `witnessDistance` is a better (smaller) measurement of it.
/// - `inexactProjectionOfPoint`: x itself is not reconstructed exactly (its error is reported), so
///   the computed f~(x) is not f(x) or f~'s boundary near x is shifted.
/// - `inexactProjectionOfAdversary`: the inversion at b missed the nearest generated image, so
///   the computed f~(b) is not the true one (the errors at x and at b are reported).
public struct TheoremTwoCheck: Sendable, Codable, Equatable {
    public enum Cause: String, Sendable, Codable, Equatable {
        case inDistributionMissed
        case inexactProjectionOfPoint
        case inexactProjectionOfAdversary
    }

    public struct Violation: Sendable, Codable, Equatable {
        /// Index of the point.
        public let index: Int
        /// The measured r_unc(f~)(x).
        public let unconstrained: Double
        /// The measured r_in(f)(x).
        public let inDistribution: Double
        /// ||g(z*(x)) - x||.
        public let reconstructionError: Double
        /// ||g(z*(b)) - b||.
        public let adversarialReconstructionError: Double
        /// ||g(z*(b)) - x||.
        public let witnessDistance: Double
        public let cause: Cause
    }

    /// Points where both sides are known (r_in measured; a censored r_unc(f~) satisfies the
    /// inequality, since no adversary within any radius was found).
    public let checked: Int
    /// Points skipped because r_in is censored (the right-hand side is unknown).
    public let skipped: Int
    public let violations: [Violation]
    /// The smallest ratio r_unc(f~) / r_in over the checked points (>= 1/2 when the theorem holds).
    public let minimumRatio: Double?
    /// A reading of the result for a report.
    public let notes: [String]

    public var holds: Bool { violations.isEmpty }

    /// Checks the measured r_unc(f~) of a projection search against measured r_in, per point.
    ///
    /// - Parameters:
    ///   - inDistribution: r_in(f)(x) per point (+infinity where that search found nothing).
    ///   - relativeTolerance: a violation needs r_unc(f~) < (1 - tolerance) r_in / 2, to ignore
    ///     the rounding of the binary searches.
    ///   - exactReconstruction: reconstruction errors up to this value count as exact.
    /// - Throws: `ProjectionError.countMismatch` when the counts differ.
    public static func check(_ robustness: ProjectionRobustness, inDistribution: [Double],
                             relativeTolerance: Double = 1e-3, exactReconstruction: Double = 1e-4) throws(ProjectionError) -> TheoremTwoCheck {
        guard inDistribution.count == robustness.count else {
            throw .countMismatch("\(inDistribution.count) r_in values for \(robustness.count) points")
        }
        var checked = 0, skipped = 0, violations = [Violation](), ratios = [Double]()
        for n in 0..<robustness.count {
            let rIn = inDistribution[n], rUnc = robustness.norms[n]
            guard rIn.isFinite, rIn > 0 else { skipped += 1; continue }
            checked += 1
            ratios.append(rUnc / rIn)
            guard rUnc < (1 - relativeTolerance) * rIn / 2 else { continue }
            let cause: Cause
            if robustness.witnessFoolsClassifier[n] && robustness.witnessDistances[n] < rIn {
                cause = .inDistributionMissed
            } else if robustness.reconstructionErrors[n] > exactReconstruction {
                cause = .inexactProjectionOfPoint
            } else {
                cause = .inexactProjectionOfAdversary
            }
            violations.append(Violation(index: n, unconstrained: rUnc, inDistribution: rIn,
                                        reconstructionError: robustness.reconstructionErrors[n],
                                        adversarialReconstructionError: robustness.adversarialReconstructionErrors[n],
                                        witnessDistance: robustness.witnessDistances[n], cause: cause))
        }
        var notes = ["Theorem 2: r_unc(f~) >= r_in(f) / 2 on \(checked - violations.count) of \(checked) checked points"
                     + (skipped > 0 ? " (\(skipped) skipped: r_in censored)" : "") + "."]
        if !violations.isEmpty {
            notes.append("A violation cannot happen with an exact projection and the true r_in; each one comes from an imperfect search.")
            let missed = violations.filter { $0.cause == .inDistributionMissed }.count
            if missed > 0 {
                notes.append("\(missed) violation(s): the projection of the adversarial point is an in-distribution adversarial example nearer than the measured r_in, so r_in was over-estimated there (witness distances are better r_in measurements).")
            }
            let inexact = violations.count - missed
            if inexact > 0 {
                notes.append("\(inexact) violation(s) come from imperfect inversion (reconstruction errors reported): the computed f~ differs from the true projection classifier there.")
            }
        }
        return TheoremTwoCheck(checked: checked, skipped: skipped, violations: violations,
                               minimumRatio: ratios.filter { $0.isFinite }.min(), notes: notes)
    }
}
