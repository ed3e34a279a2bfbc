import Foundation

/// What a model file states besides its network: role, latent prior, glue, class names,
/// source, and the shape of image space X when the glue resizes it. A file from elsewhere (ONNX) holds only the network, so these come from the command
/// line or from a small JSON file beside it, and become the `ceiling.` metadata of the format
/// (docs/model-format.md), checked by the same code as a `.bin` file's.
public struct ModelDeclaration: Sendable, Equatable {
    public var role: Model.Role?
    public var prior: LatentPrior?
    public var glue: Glue?
    public var classes: [String]?
    public var source: String?
    /// The shape of one input sample before the glue (`ceiling.input_shape`): needed when the
    /// glue resizes, since the network's own input then says nothing of X.
    public var inputShape: [Int]?

    public init(role: Model.Role? = nil, prior: LatentPrior? = nil, glue: Glue? = nil, classes: [String]? = nil,
                source: String? = nil, inputShape: [Int]? = nil) {
        self.role = role
        self.inputShape = inputShape
        self.prior = prior
        self.glue = glue
        self.classes = classes
        self.source = source
    }

    /// The keys a declaration file may hold, one per metadata key of the same name.
    static let keys = ["role", "prior", "glue", "classes", "source", "input_shape"]

    /// Reads a declaration file: a JSON object with any of `role`, `prior`, `glue`, `classes`,
    /// `source` and `input_shape`, each written as in a model file's metadata, parsed as strictly (no
    /// repeated keys, no unknown ones).
    public init(contentsOf path: String) throws(ModelFileError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ModelFileError(path, "cannot be read (\(error.localizedDescription))")
        }
        let json: JSON
        do { json = try JSONParser.parse(String(decoding: data, as: UTF8.self)) } catch {
            throw ModelFileError(path, "is not valid JSON: \(error.description)")
        }
        let fields = try JSONFields(json, context: "the model declaration", path: path)
        try fields.refuseUnknown(Self.keys)
        if fields["role"] != nil {
            guard let role = Model.Role(rawValue: try fields.string("role")) else { throw fields.fail("role", "\"generator\" or \"classifier\"") }
            self.role = role
        }
        prior = try fields["prior"].map { value throws(ModelFileError) in try LatentPrior(value, path: path) }
        glue = try fields["glue"].map { value throws(ModelFileError) in try Glue(value, path: path) }
        classes = fields["classes"] == nil ? nil : try fields.strings("classes")
        source = fields["source"] == nil ? nil : try fields.string("source")
        inputShape = fields["input_shape"] == nil ? nil : try fields.integers("input_shape", in: 1...GraphLimits.valuesPerSample)
    }

    /// The declaration as `ceiling.` metadata for a model of `role`.
    public func metadata(role: Model.Role) -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func text(_ value: some Encodable) -> String { String(decoding: try! encoder.encode(value), as: UTF8.self) }
        var metadata = ["ceiling.role": role.rawValue]
        metadata["ceiling.prior"] = prior.map(text)
        metadata["ceiling.glue"] = glue.map(text)
        metadata["ceiling.classes"] = classes.map(text)
        metadata["ceiling.source"] = source
        metadata["ceiling.input_shape"] = inputShape.map(text)
        return metadata
    }
}
