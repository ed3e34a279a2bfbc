/// Everything that can be wrong with a model file, each with a message a user can act on. The
/// message quotes the file's names and values with control characters escaped.
public struct ModelFileError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let problem: String
    public init(_ path: String, _ problem: String) {
        self.path = path
        self.problem = printable(problem)
    }
    public var description: String { "\(path): \(problem)" }
}
