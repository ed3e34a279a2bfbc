import Foundation

/// The JSON documents inside a model file's `__metadata__` (docs/model-format.md).
struct GraphSpec: Decodable {
    struct NodeSpec: Decodable {
        let name: String
        let op: String
        let inputs: [String]
        let attrs: [String: JSONValue]?
        let params: [String: String]?
    }
    let input: String
    let output: String
    let nodes: [NodeSpec]
}

/// How a classifier maps image space X to its network's input: range map, then per-channel
/// normalisation, then bilinear resize.
public struct Glue: Codable, Sendable, Equatable {
    public struct Range: Codable, Sendable, Equatable {
        public let from: [Double]
        public let to: [Double]
    }
    public struct Normalization: Codable, Sendable, Equatable {
        public let mean: [Double]
        public let std: [Double]
    }
    public let range: Range?
    public let normalize: Normalization?
    public let resize: [Int]?

    public init(range: Range? = nil, normalize: Normalization? = nil, resize: [Int]? = nil) {
        self.range = range
        self.normalize = normalize
        self.resize = resize
    }
}

/// The latent distribution a generator's input is drawn from.
public struct LatentPrior: Codable, Sendable, Equatable {
    public let distribution: String
    public let mean: Double?
    public let std: Double?

    public init(distribution: String = "normal", mean: Double? = 0, std: Double? = 1) {
        self.distribution = distribution
        self.mean = mean
        self.std = std
    }

    /// The standard normal N(0, I) the bounds of Fawzi et al. assume.
    public var isStandardNormal: Bool { distribution == "normal" && (mean ?? 0) == 0 && (std ?? 1) == 1 }
}

/// A JSON attribute value: a number, a list, a string or a boolean.
enum JSONValue: Decodable, CustomStringConvertible {
    case number(Double), string(String), bool(Bool), array([JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else { self = .array(try c.decode([JSONValue].self)) }
    }

    var description: String {
        switch self {
        case .number(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .string(let s): "\"\(s)\""
        case .bool(let b): String(b)
        case .array(let a): "[" + a.map(\.description).joined(separator: ", ") + "]"
        }
    }
}

/// Decodes a JSON metadata string, naming the key when it is not valid.
func decodeMetadata<T: Decodable>(_ type: T.Type, _ metadata: [String: String], key: String, path: String) throws(ModelFileError) -> T? {
    guard let text = metadata[key] else { return nil }
    do {
        return try JSONDecoder().decode(T.self, from: Data(text.utf8))
    } catch {
        throw ModelFileError(path, "metadata '\(key)' is not valid: \(error)")
    }
}
