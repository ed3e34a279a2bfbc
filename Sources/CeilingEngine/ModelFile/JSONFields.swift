/// Typed reading of one JSON object of a model file's metadata, with errors that say where the
/// value sits (`metadata 'ceiling.glue', 'range'`) and what it should have been.
struct JSONFields {
    let object: JSONObject
    /// Where the object sits, for messages.
    let context: String
    let path: String

    init(_ value: JSON, context: String, path: String) throws(ModelFileError) {
        guard let object = value.object else { throw ModelFileError(path, "\(context) must be a JSON object, got \(value)") }
        self.object = object
        self.context = context
        self.path = path
    }

    func fail(_ key: String, _ expected: String) -> ModelFileError {
        ModelFileError(path, "\(context): '\(key)' must be \(expected)" + (self[key].map { ", got \($0)" } ?? ", and is missing"))
    }

    /// The value of `key`; an explicit `null` counts as absent.
    subscript(key: String) -> JSON? {
        if case .null? = object[key] { return nil }
        return object[key]
    }

    func string(_ key: String) throws(ModelFileError) -> String {
        guard let s = self[key]?.string else { throw fail(key, "a string") }
        return s
    }

    func strings(_ key: String) throws(ModelFileError) -> [String] {
        guard let items = self[key]?.array else { throw fail(key, "a list of strings") }
        var result = [String]()
        for item in items {
            guard let s = item.string else { throw fail(key, "a list of strings") }
            result.append(s)
        }
        return result
    }

    /// A list of finite numbers.
    func numbers(_ key: String) throws(ModelFileError) -> [Double] {
        guard let items = self[key]?.array else { throw fail(key, "a list of finite numbers") }
        var result = [Double]()
        for item in items {
            guard let d = item.double, d.isFinite else { throw fail(key, "a list of finite numbers") }
            result.append(d)
        }
        return result
    }

    /// An optional finite number.
    func optionalNumber(_ key: String) throws(ModelFileError) -> Double? {
        guard let value = self[key] else { return nil }
        guard let d = value.double, d.isFinite else { throw fail(key, "a finite number") }
        return d
    }

    /// A list of integers written as JSON integers, each in `range`.
    func integers(_ key: String, in range: ClosedRange<Int>) throws(ModelFileError) -> [Int] {
        guard let items = self[key]?.array else { throw fail(key, "a list of integers from \(range.lowerBound) to \(range.upperBound)") }
        var result = [Int]()
        for item in items {
            guard let i = item.integer, range.contains(i) else {
                throw fail(key, "a list of integers from \(range.lowerBound) to \(range.upperBound)")
            }
            result.append(i)
        }
        return result
    }

    func fields(_ key: String) throws(ModelFileError) -> JSONFields? {
        guard let value = self[key] else { return nil }
        return try JSONFields(value, context: "\(context), '\(key)'", path: path)
    }

    /// Refuses members not in `known`: in ceiling's own metadata an unknown name is most likely
    /// a misspelt optional field, which would otherwise be replaced by its default unseen.
    func refuseUnknown(_ known: [String]) throws(ModelFileError) {
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw ModelFileError(path, "\(context): unknown field '\(unknown)' (known: \(known.joined(separator: ", ")))")
        }
    }
}

/// Parses the JSON text of metadata entry `key`, when present.
func parseMetadata(_ metadata: [String: String], key: String, path: String) throws(ModelFileError) -> JSON? {
    guard let text = metadata[key] else { return nil }
    do {
        return try JSONParser.parse(text)
    } catch {
        throw ModelFileError(path, "metadata '\(key)' is not valid JSON: \(error.description)")
    }
}
