/// Checks on the metadata table as a whole and on its one plain list, the input shape.
extension Model {
    /// Metadata keys of the format that do not apply to `role`, or that the format does not
    /// define, are refused rather than ignored: a misspelt or misplaced key is a mistake the
    /// user should hear about. Keys outside the `ceiling.` namespace belong to other tools.
    static func refuseUnknownKeys(_ metadata: [String: String], role: Role, path: String) throws(ModelFileError) {
        let common = ["ceiling.format", "ceiling.role", "ceiling.input_shape", "ceiling.graph", "ceiling.source"]
        let known = common + (role == .generator ? ["ceiling.prior"] : ["ceiling.glue", "ceiling.classes"])
        let misplaced = ["ceiling.prior": "generators", "ceiling.glue": "classifiers", "ceiling.classes": "classifiers"]
        for key in metadata.keys.sorted() where key.hasPrefix("ceiling.") && !known.contains(key) {
            if let owner = misplaced[key] {
                throw ModelFileError(path, "metadata '\(key)' is for \(owner) only, and this model is a \(role.rawValue)")
            }
            throw ModelFileError(path, "unknown metadata key '\(key)' (format 1 defines \((common + misplaced.keys.sorted()).joined(separator: ", ")))")
        }
    }

    /// `ceiling.input_shape`: a non-empty list of JSON integers, each at least 1 and at most the
    /// per-sample limit (the graph checks their product).
    static func inputShape(_ metadata: [String: String], path: String) throws(ModelFileError) -> [Int] {
        let expected = "'ceiling.input_shape' must be a list of positive sizes (JSON integers from 1 to \(GraphLimits.valuesPerSample))"
        guard let json = try parseMetadata(metadata, key: "ceiling.input_shape", path: path) else {
            throw ModelFileError(path, expected + ", and is missing")
        }
        guard let items = json.array, !items.isEmpty else { throw ModelFileError(path, expected + ", got \(json)") }
        var shape = [Int]()
        for item in items {
            guard let size = item.integer, (1...GraphLimits.valuesPerSample).contains(size) else {
                throw ModelFileError(path, expected + ", got \(json)")
            }
            shape.append(size)
        }
        return shape
    }
}
