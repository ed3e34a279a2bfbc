/// Everything that can stop an inversion, the projection classifier or its decision-based
/// search, each described in one line that names the offending value.
public enum ProjectionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A setting is out of its range; the text names it and the range.
    case invalidSetting(String)
    /// Two shapes that must agree do not; the text names both.
    case shapeMismatch(String)
    /// Batches that must have one row per point do not.
    case countMismatch(String)

    public var description: String {
        switch self {
        case .invalidSetting(let why), .shapeMismatch(let why), .countMismatch(let why):
            return why
        }
    }
}
