import CeilingEngine

/// Per-point outcome of the decision-based search for the unconstrained robustness of the
/// projection classifier f~, for results.json. A point where no adversary of f~ was found and
/// verified is censored: its norm is +infinity (encode with a non-conforming float strategy), it
/// is counted, never dropped.
public struct ProjectionRobustness: Sendable, Codable, Equatable {
    /// r_unc(f~)(x): the norm ||b - x|| of the verified adversarial point b (+infinity when
    /// censored). An upper bound on the true r_unc of the computed f~.
    public var norms: [Double]
    /// Whether a fresh full inversion confirmed f~(b) != f~(x).
    public var success: [Bool]
    /// f~(x).
    public var labels: [Int]
    /// f(x), the classifier on the point itself (equal to f~(x) where the inversion of x is exact).
    public var classifierLabels: [Int]
    /// f~(b) (the clean label where censored).
    public var adversarialLabels: [Int]
    /// ||g(z*(x)) - x||: how well the clean point is reconstructed.
    public var reconstructionErrors: [Double]
    /// ||g(z*(b)) - b|| from the verifying inversion (+infinity where censored).
    public var adversarialReconstructionErrors: [Double]
    /// ||g(z*(b)) - x||: the generated image behind the adversarial label, measured from x
    /// (+infinity where censored). Where x = g(z) and f(g(z*(b))) != f(x), it is an
    /// in-distribution adversarial example of f at that distance, so it bounds r_in(f)(x) from
    /// above.
    public var witnessDistances: [Double]
    /// Whether f(g(z*(b))) != f(x).
    public var witnessFoolsClassifier: [Bool]
    /// The candidate set each point descends from ("" where censored).
    public var sources: [String]
    /// Queries of f~ spent in all (each an inversion of one image).
    public var queries: Int
    /// The most queries per point the settings allow.
    public var maximumQueriesPerPoint: Int

    public var count: Int { norms.count }
    public var censoredCount: Int { success.filter { !$0 }.count }
}

/// The search's full result: the numbers and the points themselves.
public struct ProjectionSearchResult: Sendable {
    public let robustness: ProjectionRobustness
    /// The verified adversarial points b, [N] + image shape (x itself where censored).
    public let adversarialPoints: Tensor
    /// z*(b) from the verifying inversion, [N] + latent shape (z*(x) where censored).
    public let adversarialLatents: Tensor
    /// The inversion of the clean points that defines f~(x).
    public let cleanInversion: Inversion
}
