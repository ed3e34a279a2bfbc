/// Theorems 3 and 4 in the setting of a `RobustnessBound` (same class information, modulus and
/// normalisation).
extension RobustnessBound {
    /// The class measures' largest possible values: the measures themselves, or the upper ends
    /// of the confidence intervals.
    public var largestMeasures: [Double] {
        switch classInformation {
        case .exact(let measures): return measures.values
        case .counts: return intervals?.map(\.upperBound) ?? []
        }
    }

    /// The q-percentile of Theorem 3's transfer bound, 1 - sqrt(pi / 2) exp(-t^2 / 2) - 2 delta
    /// - epsilon: the smallest eta at which, for a fraction at least q of the data, one
    /// perturbation of norm eta fools both classifiers. For counts the precondition
    /// p_i + delta <= 1/2 is checked on the intervals' upper ends, so it holds with the stated
    /// confidence.
    /// - Throws: `BoundError.invalidPercentile`, `.invalidDelta`, `.transferPreconditionViolated`.
    public func transferPercentile(_ q: Double, delta: Double) throws -> BoundPercentile {
        let t = try TransferBound.radius(reaching: q, delta: delta, largestMeasures: largestMeasures, epsilon: epsilon)
        let label = "Theorem 3" + (confidence != nil ? " (precondition on the intervals' upper ends)" : "")
            + (epsilon > 0 ? " - epsilon" : "")
        return makePercentile(
            q, t, equation: label, closedFormSupremum: max(0, 1 - 2 * delta - epsilon),
            closedForm: { max(0, IsoperimetricBound.balanced(latentRadius: $0) - 2 * delta - epsilon) })
    }

    /// Theorem 4's bound on the expected robustness, with what it rests on.
    public struct ExpectedRobustness: Sendable, Equatable {
        /// The latent argument sum_i [phi(a_i) - a_i p_i] (worst case over the intervals for
        /// counts): the bound on E r_Z.
        public let argument: Double
        /// delta >= W1(g#nu, mu).
        public let wassersteinSlack: Double
        /// omega^(argument) + delta with omega^ the least concave majorant; nil when not available.
        public let value: Double?
        /// Why `value` is nil.
        public let note: String?
    }

    /// Theorem 4: E r_unc <= omega^(sum_i [phi(a_i) - a_i p_i]) + delta. Not available (value nil,
    /// with a note) when the modulus fails with probability epsilon > 0, or when the argument
    /// lies beyond a curve's largest radius.
    /// - Throws: `BoundError.invalidWassersteinSlack`.
    public func expectedRobustness(wassersteinSlack delta: Double) throws -> ExpectedRobustness {
        guard delta.isFinite, delta >= 0 else { throw BoundError.invalidWassersteinSlack(delta) }
        let argument: Double
        switch classInformation {
        case .exact(let measures): argument = ApproximateGeneratorBound.latentArgument(measures)
        case .counts: argument = ApproximateGeneratorBound.latentArgument(worstCaseOver: intervals ?? [])
        }
        do {
            let value = try ApproximateGeneratorBound.expectedRobustness(argument: argument, modulus: modulus, wassersteinSlack: delta)
            return ExpectedRobustness(argument: argument, wassersteinSlack: delta, value: value, note: nil)
        } catch let error as BoundError {
            return ExpectedRobustness(argument: argument, wassersteinSlack: delta, value: nil, note: error.description)
        }
    }
}
