import CeilingEngine

/// Hein & Andriushchenko's Theorem 2.1 with a global constant: every adversary v of x satisfies
/// ||v|| >= min_j m_j / Lip(f_c - f_j), and Lip(f_c - f_j) <= ||w_c - w_j|| * L, with w the final
/// linear layer's rows and L the certified Lipschitz constant of everything before it, glue
/// included (Szegedy et al.'s per-layer operator norms, `LipschitzCertificate`). Exact for a
/// linear classifier; one forward pass per point.
struct GlobalLipschitzMargin: Sendable {
    let rowDifferences: [[Double]]
    /// The certified constant of the input -> final layer's input map.
    let prefixConstant: Double
    let certificate: LipschitzCertificate

    init(_ network: CertifiedNetwork, seed: UInt64) throws(CertificationError) {
        let prefixEnd = network.finalLinear == nil ? network.logits : network.node(network.logits).inputs[0]
        do {
            certificate = try LipschitzCertificate(network.graph, at: prefixEnd, seed: seed)
        } catch {
            throw .notApplicable(error.description)
        }
        prefixConstant = certificate.constant
        rowDifferences = network.rowDifferenceNorms()
    }

    func bounds(margins: [[Double]], labels: [Int]) -> [PointBound] {
        labels.enumerated().map { n, c in
            PointBound.smallestQuotient(margins: margins[n], constants: rowDifferences[c].map { $0 * prefixConstant }, label: c)
        }
    }
}
