/// The class measures p_i = P(f(g(z)) = i), i = 1...K: the Gaussian measure of each class's
/// region in latent space (paper section 3).
///
/// Validated on construction: K >= 2, every p_i finite in [0, 1], and sum p_i = 1 within
/// `sumTolerance` (measures estimated and rounded for printing rarely sum to 1 exactly; a
/// larger gap means the input is wrong, not rounded). The values are used as given, not
/// renormalised.
public struct ClassMeasures: Sendable, Equatable {
    /// How far sum p_i may be from 1.
    public static let sumTolerance = 1e-6

    /// p_1 ... p_K.
    public let values: [Double]

    /// Validates and stores class measures.
    /// - Throws: `BoundError.tooFewClasses`, `.invalidMeasure`, `.measuresDoNotSumToOne`.
    public init(_ values: [Double]) throws {
        guard values.count >= 2 else { throw BoundError.tooFewClasses(values.count) }
        for (index, p) in values.enumerated() where !(p.isFinite && p >= 0 && p <= 1) {
            throw BoundError.invalidMeasure(index: index, value: p)
        }
        let sum = values.reduce(0, +)
        guard abs(sum - 1) <= Self.sumTolerance else { throw BoundError.measuresDoNotSumToOne(sum: sum) }
        self.values = values
    }

    /// Validates measures against an expected number of classes K first.
    /// - Throws: `BoundError.classCountMismatch` when `values.count != classes`, then as `init(_:)`.
    public init(_ values: [Double], classes: Int) throws {
        guard classes >= 2 else { throw BoundError.tooFewClasses(classes) }
        guard values.count == classes else {
            throw BoundError.classCountMismatch(expected: classes, got: values.count)
        }
        try self.init(values)
    }

    /// K equiprobable classes, p_i = 1/K (the setting of eq. (4), Theorem 4's closed form and
    /// Figure 2).
    /// - Throws: `BoundError.tooFewClasses` for K < 2.
    public static func equiprobable(classes: Int) throws -> ClassMeasures {
        guard classes >= 2 else { throw BoundError.tooFewClasses(classes) }
        return try ClassMeasures([Double](repeating: 1 / Double(classes), count: classes))
    }

    /// K, the number of classes.
    public var count: Int { values.count }

    /// The thresholds a_i = Phi^{-1}(1 - p_i) = Q^{-1}(p_i) (written a_{!=i} in the paper, since
    /// 1 - p_i is the measure of the union of the other classes). +infinity for p_i = 0,
    /// -infinity for p_i = 1.
    public var thresholds: [Double] { values.map(Gaussian.upperQuantile) }

    /// Whether every p_i <= 1/2, the condition of eq. (3).
    public var isBalanced: Bool { values.allSatisfy { $0 <= 0.5 } }

    /// Whether every p_i equals 1/K (to 1e-12), the condition of eq. (4).
    public var isEquiprobable: Bool {
        let share = 1 / Double(count)
        return values.allSatisfy { abs($0 - share) <= 1e-12 }
    }
}
