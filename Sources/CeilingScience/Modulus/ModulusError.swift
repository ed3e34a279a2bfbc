/// Everything that can stop a modulus estimate or a Lipschitz certificate, each described in one
/// line that names the offending value, so that a command line can print it as it is.
public enum ModulusError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A setting is out of its range; the text names it and the range.
    case invalidSetting(String)
    /// The radius grid is empty, non-positive, not finite or not strictly increasing.
    case invalidRadii(String)
    /// The network cannot be used as a generator here (wrong input rank, non-Gaussian prior, ...).
    case unsupportedGenerator(String)
    /// A node has no known Lipschitz constant, so no certified bound can be given.
    case uncertifiable(node: String, kind: String)

    public var description: String {
        switch self {
        case .invalidSetting(let why):
            return why
        case .invalidRadii(let why):
            return "invalid radii: \(why)"
        case .unsupportedGenerator(let why):
            return why
        case .uncertifiable(let node, let kind):
            return "no certified Lipschitz constant for node '\(node)' (\(kind)): only linear layers, batch norm, pooling, resizing, reshapes, additions, softmax and the standard activations are covered"
        }
    }
}
