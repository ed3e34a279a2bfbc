/// Typed access to a node's attributes, with errors that name the node and the attribute. It
/// records which attributes the operation read, so that the factory can refuse the others (a
/// misspelt optional attribute would otherwise fall back to its default unseen).
final class Attributes {
    /// The largest kernel size, stride, padding, dilation or resize size a file may give: far
    /// beyond any real network, and small enough that no output-size formula can overflow.
    static let maxWindow = 1 << 16

    private let values: JSONObject
    private let node: String
    private let op: String
    private let path: String
    private(set) var read: [String] = []

    init(_ values: JSONObject?, node: String, op: String, path: String) {
        self.values = values ?? JSONObject(members: [], index: [:])
        self.node = node
        self.op = op
        self.path = path
    }

    private func value(_ name: String) -> JSON? {
        if !read.contains(name) { read.append(name) }
        if case .null? = values[name] { return nil }
        return values[name]
    }

    private func fail(_ name: String, _ expected: String) -> ModelFileError {
        let given = values.keys.isEmpty ? "" : " (the node gives \(values.keys.joined(separator: ", ")))"
        return ModelFileError(path, "node '\(node)' (\(op)): attribute '\(name)' must be \(expected)" + (values[name].map { ", got \($0)" } ?? ", and is missing\(given)"))
    }

    /// A finite number, used in Double.
    func number(_ name: String, default fallback: Double? = nil) throws(ModelFileError) -> Double {
        let v = value(name)
        if v == nil, let fallback { return fallback }
        guard let d = v?.double, d.isFinite else { throw fail(name, "a finite number") }
        return d
    }

    /// A number used in Float32: finite once rounded to Float32.
    func float32(_ name: String, default fallback: Double? = nil) throws(ModelFileError) -> Float {
        let d = try number(name, default: fallback)
        guard Float(d).isFinite else { throw fail(name, "a number within Float32's range (|x| < 3.4e38)") }
        return Float(d)
    }

    func bool(_ name: String, default fallback: Bool) throws(ModelFileError) -> Bool {
        switch value(name) {
        case .bool(let b)?: return b
        case nil: return fallback
        default: throw fail(name, "true or false")
        }
    }

    /// A non-empty list of numbers, each finite once rounded to Float32.
    func float32s(_ name: String) throws(ModelFileError) -> [Float] {
        guard let items = value(name)?.array, !items.isEmpty else { throw fail(name, "a non-empty list of numbers") }
        var result = [Float]()
        for item in items {
            guard let d = item.double, Float(d).isFinite else {
                throw fail(name, "a non-empty list of numbers within Float32's range (|x| < 3.4e38)")
            }
            result.append(Float(d))
        }
        return result
    }

    /// A list of JSON integers, each in `range`.
    func integers(_ name: String, in range: ClosedRange<Int>) throws(ModelFileError) -> [Int] {
        let expected = "a list of integers from \(range.lowerBound) to \(range.upperBound)"
        guard let items = value(name)?.array else { throw fail(name, expected) }
        var result = [Int]()
        for item in items {
            guard let i = item.integer, range.contains(i) else { throw fail(name, expected) }
            result.append(i)
        }
        return result
    }

    /// A pair such as `[2, 2]`, or one integer for both axes, each from `minimum` to `maxWindow`.
    func pair(_ name: String, minimum: Int, default fallback: (Int, Int)? = nil) throws(ModelFileError) -> (Int, Int) {
        let expected = "a pair of integers from \(minimum) to \(Self.maxWindow)"
        let list: [JSON]
        switch value(name) {
        case nil:
            guard let fallback else { throw fail(name, expected) }
            return fallback
        case .array(let items)?: list = items
        case let single?: list = [single]
        }
        guard list.count == 1 || list.count == 2 else { throw fail(name, expected) }
        var result = [Int]()
        for item in list {
            guard let i = item.integer, (minimum...Self.maxWindow).contains(i) else { throw fail(name, expected) }
            result.append(i)
        }
        return (result[0], result[result.count - 1])
    }

    /// Refuses attributes the operation did not read.
    func refuseUnread() throws(ModelFileError) {
        if let unknown = values.keys.first(where: { !read.contains($0) }) {
            let known = read.isEmpty ? "none" : read.joined(separator: ", ")
            throw ModelFileError(path, "node '\(node)' (\(op)): unknown attribute '\(unknown)' (\(op) takes \(known))")
        }
    }
}
