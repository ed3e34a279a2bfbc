import Foundation

/// The certified lower bounds on r_unc of DESIGN §8. Each gives, per point, a radius below which
/// no perturbation changes the label; all but Peck et al.'s published form are sound.
public enum CertifiedBoundKind: String, Codable, CaseIterable, Sendable {
    /// min_j m_j / Lip(f_c - f_j) with a global constant from per-layer operator norms.
    case globalLipschitz = "global"
    /// Hein & Andriushchenko's Theorem 2.1 with Proposition 2.2, for one hidden layer.
    case heinLocal = "hein"
    /// Peck et al.'s layer-wise bounds as published (convolution kappa / ||W||_F, pooling
    /// kappa / t, fully connected layers with the Jacobian at x).
    case peckPublished = "peck-published"
    /// Peck et al.'s chain with each layer's true operator norm.
    case peckOperatorNorm = "peck"
    /// Linear bound propagation over an L2 ball (CROWN-style), with bisection on the radius.
    case linearPropagation = "crown"

    public var title: String {
        switch self {
        case .globalLipschitz: "global Lipschitz margin"
        case .heinLocal: "Hein-Andriushchenko local"
        case .peckPublished: "Peck et al. as published"
        case .peckOperatorNorm: "Peck et al., operator norms"
        case .linearPropagation: "linear bound propagation"
        }
    }

    /// Whether the bound is proved: Peck et al.'s published convolution step divides by ||W||_F,
    /// which need not bound a convolution's operator norm, and its fully connected step uses the
    /// Jacobian at x alone for ReLU layers, so it is checked, never trusted.
    public var isSound: Bool { self != .peckPublished }

    /// The bounds a run computes unless told otherwise: all but the slowest (linear bound
    /// propagation costs tens of forward passes per point).
    public static let defaults: [CertifiedBoundKind] = [.globalLipschitz, .heinLocal, .peckPublished, .peckOperatorNorm]

    /// Parses a comma-separated list ("global,crown", or "all").
    public static func list(_ text: String) throws(CertificationError) -> [CertifiedBoundKind] {
        if text == "all" { return allCases }
        if text == "none" { return [] }
        var kinds = [CertifiedBoundKind]()
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let kind = CertifiedBoundKind(rawValue: name) else {
                throw .invalidSetting("unknown certified bound '\(name)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")), all, none)")
            }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        return kinds
    }
}

/// Why a certified bound cannot be computed for a classifier, or a bad setting.
public enum CertificationError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The bound does not cover this network; the text says which layer and why.
    case notApplicable(String)
    case invalidSetting(String)

    public var description: String {
        switch self {
        case .notApplicable(let why): why
        case .invalidSetting(let why): why
        }
    }
}
