/// The raw material of a modulus estimate: for every radius s_j and anchor z_k, the largest
/// image-space distance found, M_k(s_j) <= sup over ||r|| <= s_j of ||g(z_k + r) - g(z_k)||.
///
/// Every value is attained at a point of the ball, so each is a lower bound on the true local
/// supremum; since the ball of radius s_j lies inside the ball of s_{j+1}, each anchor's values
/// are made non-decreasing in s (a running maximum over the grid), as the true suprema are.
public struct SupremumSamples: Sendable, Equatable {
    /// The latent radii s_j.
    public let radii: [Double]
    /// M_k(s_j) after random directions and gradient ascent: `ascent[j][k]`.
    public let ascent: [[Double]]
    /// The same from the random directions alone (no ascent, no warm start): `randomOnly[j][k]`.
    public let randomOnly: [[Double]]

    public init(radii: [Double], ascent: [[Double]], randomOnly: [[Double]]) {
        precondition(ascent.count == radii.count && randomOnly.count == radii.count)
        self.radii = radii
        self.ascent = ascent
        self.randomOnly = randomOnly
    }

    /// Number of anchors n.
    public var anchorCount: Int { ascent.first?.count ?? 0 }

    /// How much the ascent raised each M_k(s_j) over random directions alone: the ratio
    /// ascent / random-only per anchor at radius j (anchors where both are 0 are left out).
    public func gainRatios(at j: Int) -> [Double] {
        zip(ascent[j], randomOnly[j]).compactMap { a, r in r > 0 ? a / r : nil }
    }

    /// The ratios of every radius together.
    public var allGainRatios: [Double] { radii.indices.flatMap(gainRatios(at:)) }
}

extension SupremumSamples: Codable {
    /// These anchors followed by `other`'s (the next anchors of the same radii): how the parts
    /// of a study split between shards are put back together.
    public func appending(_ other: SupremumSamples) -> SupremumSamples {
        precondition(other.radii == radii, "samples of different radii")
        return SupremumSamples(radii: radii, ascent: zip(ascent, other.ascent).map { $0 + $1 },
                               randomOnly: zip(randomOnly, other.randomOnly).map { $0 + $1 })
    }
}
