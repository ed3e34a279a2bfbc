import CeilingEngine

/// Everything that can stop a Wasserstein-slack estimate, each described in one line that names
/// the offending value.
public enum WassersteinError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The real images do not have the generator's output shape.
    case shapeMismatch(real: [Int], generator: [Int])
    /// A real image holds NaN or an infinity.
    case nonFinite(image: Int, element: Int, value: Float)
    /// The two sets to compare have different sizes or sample shapes.
    case setMismatch(String)
    /// No real image at all.
    case noImages
    /// A setting is out of its range.
    case invalidSetting(String)
    /// The real-image file could not be read.
    case unreadable(String)

    public var description: String {
        switch self {
        case .shapeMismatch(let real, let generator):
            return "the real images have shape \(describe(shape: real)), but the generator's images (the image space X) are [N] + \(describe(shape: generator)); convert the data to the generator's output shape and range"
        case .nonFinite(let image, let element, let value):
            return "real image \(image) holds a non-finite value (\(value)) at element \(element)"
        case .setMismatch(let why):
            return why
        case .noImages:
            return "the real-image file holds no images"
        case .invalidSetting(let why):
            return why
        case .unreadable(let why):
            return why
        }
    }
}
