import Foundation

/// A network loaded from a model file: a generator (latent -> image) or a classifier
/// (image -> logits). A classifier's glue is built into the front of its graph, so its input is
/// always image space X, the generator's output space.
public struct Model: Sendable {
    public enum Role: String, Sendable { case generator, classifier }

    public let path: String
    public let role: Role
    public let graph: Graph
    /// Glue nodes at the front of a classifier's graph (range map, normalisation, resize).
    public let glueNodeCount: Int
    public let glue: Glue?
    public let prior: LatentPrior?
    public let classNames: [String]?
    public let source: String?
    /// The value index of the logits: the output, or the input of a final softmax/log-softmax.
    public let logits: Int

    public var inputShape: [Int] { graph.inputShape }
    public var outputShape: [Int] { graph.shape(of: graph.output) }
    public var parameterCount: Int { graph.parameterCount }
    /// Latent dimension of a generator, classes of a classifier.
    public var inputSize: Int { inputShape.reduce(1, *) }
    public var outputSize: Int { outputShape.reduce(1, *) }
    public var classCount: Int { graph.shape(of: logits).reduce(1, *) }

    public static func load(_ path: String) throws(ModelFileError) -> Model {
        let tensors = try SafeTensors(contentsOf: URL(fileURLWithPath: path))
        return try Model(tensors: tensors, path: path)
    }

    public init(tensors: SafeTensors, path: String) throws(ModelFileError) {
        let metadata = tensors.metadata
        guard let format = metadata["ceiling.format"] else {
            throw ModelFileError(path, "no 'ceiling.format' in the metadata: a safetensors file, but not a ceiling model (export it with scripts/export_torch.py)")
        }
        guard format == "1" else { throw ModelFileError(path, "model format version \(format) is not supported (this ceiling reads version 1)") }
        guard let roleName = metadata["ceiling.role"], let role = Role(rawValue: roleName) else {
            throw ModelFileError(path, "'ceiling.role' must be \"generator\" or \"classifier\", got \(metadata["ceiling.role"].map { "\"\($0)\"" } ?? "nothing")")
        }
        try Self.refuseUnknownKeys(metadata, role: role, path: path)
        let inputShape = try Self.inputShape(metadata, path: path)
        guard let graphJSON = try parseMetadata(metadata, key: "ceiling.graph", path: path) else {
            throw ModelFileError(path, "no 'ceiling.graph' in the metadata")
        }
        let spec = try GraphSpec(graphJSON, path: path)
        self.path = path
        self.role = role
        if let json = try parseMetadata(metadata, key: "ceiling.prior", path: path) {
            prior = try LatentPrior(json, path: path)
        } else {
            prior = role == .generator ? LatentPrior() : nil
        }
        if let json = try parseMetadata(metadata, key: "ceiling.glue", path: path) {
            glue = try Glue(json, path: path)
        } else {
            glue = nil
        }
        if let classes = try parseMetadata(metadata, key: "ceiling.classes", path: path) {
            guard let names = classes.array?.compactMap(\.string), names.count == classes.array?.count else {
                throw ModelFileError(path, "metadata 'ceiling.classes' must be a list of strings, got \(classes)")
            }
            self.classNames = names
        } else {
            self.classNames = nil
        }
        self.source = metadata["ceiling.source"]
        if let prior, prior.distribution != "normal" {
            throw ModelFileError(path, "latent prior '\(prior.distribution)' is not supported: the bounds need a Gaussian latent")
        }

        var nodes = try glue?.nodes(path: path) ?? []
        glueNodeCount = nodes.count
        var index = [spec.input: nodes.count]
        let factory = OperationFactory(tensors: tensors, path: path)
        for node in spec.nodes {
            guard index[node.name] == nil else { throw ModelFileError(path, "node name '\(node.name)' is used twice") }
            var inputs = [Int]()
            for name in node.inputs {
                guard let value = index[name] else {
                    throw ModelFileError(path, "node '\(node.name)' reads '\(name)', which is not defined before it")
                }
                inputs.append(value)
            }
            nodes.append((node.name, try factory.make(node), inputs))
            index[node.name] = nodes.count
        }
        guard let output = index[spec.output] else {
            throw ModelFileError(path, "the graph's output '\(spec.output)' is not one of its nodes")
        }
        do {
            graph = try Graph(inputShape: inputShape, nodes: nodes, output: output)
        } catch {
            throw ModelFileError(path, error.description)
        }
        for (i, node) in graph.nodes.enumerated() where node.operation is Softmax && i + 1 != output {
            throw ModelFileError(path, "node '\(node.name)': \(node.operation.kind) is allowed only as the graph's output")
        }
        if output > 0, graph.nodes[output - 1].operation is Softmax {
            logits = graph.nodes[output - 1].inputs[0]
        } else {
            logits = output
        }
        if role == .classifier && graph.shape(of: logits).count != 1 {
            throw ModelFileError(path, "a classifier must output [N, classes] logits, this one gives [N, \(graph.shape(of: logits).map(String.init).joined(separator: ", "))]")
        }
        if let classNames, classNames.count != classCount {
            throw ModelFileError(path, "metadata 'ceiling.classes' names \(classNames.count) classes, but the classifier has \(classCount) logits")
        }
    }
}

extension Model {
    /// The model's output (after any final softmax) for a batch.
    public func callAsFunction(_ input: Tensor) -> Tensor { graph.evaluate(input) }

    /// The logits of a classifier (or a generator's output) for a batch.
    public func logits(_ input: Tensor) -> Tensor { graph.evaluate(input, at: logits) }
}
