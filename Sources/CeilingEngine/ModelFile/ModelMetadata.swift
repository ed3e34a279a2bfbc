import Foundation

/// The JSON documents inside a model file's `__metadata__` (docs/model-format.md).
struct GraphSpec {
    struct NodeSpec {
        let name: String
        let op: String
        let inputs: [String]
        let attrs: JSONObject?
        let params: [String: String]
    }
    let input: String
    let output: String
    let nodes: [NodeSpec]

    init(_ json: JSON, path: String) throws(ModelFileError) {
        let graph = try JSONFields(json, context: "metadata 'ceiling.graph'", path: path)
        try graph.refuseUnknown(["input", "output", "nodes"])
        input = try graph.string("input")
        output = try graph.string("output")
        guard let list = graph["nodes"]?.array else { throw graph.fail("nodes", "a list of nodes") }
        var nodes = [NodeSpec]()
        for (i, item) in list.enumerated() {
            var node = try JSONFields(item, context: "metadata 'ceiling.graph', node \(i)", path: path)
            let name = try node.string("name")
            node = try JSONFields(item, context: "metadata 'ceiling.graph', node '\(name)'", path: path)
            try node.refuseUnknown(["name", "op", "inputs", "attrs", "params"])
            var params = [String: String]()
            if let slots = try node.fields("params") {
                for (slot, value) in slots.object.members {
                    guard let tensor = value.string else { throw slots.fail(slot, "a tensor name") }
                    params[slot] = tensor
                }
            }
            nodes.append(NodeSpec(name: name, op: try node.string("op"), inputs: try node.strings("inputs"),
                                  attrs: try node.fields("attrs")?.object, params: params))
        }
        self.nodes = nodes
    }
}

/// How a classifier maps image space X to its network's input: range map, then per-channel
/// normalisation, then bilinear resize.
public struct Glue: Codable, Sendable, Equatable {
    public struct Range: Codable, Sendable, Equatable {
        public let from: [Double]
        public let to: [Double]
        public init(from: [Double], to: [Double]) {
            self.from = from
            self.to = to
        }
    }
    public struct Normalization: Codable, Sendable, Equatable {
        public let mean: [Double]
        public let std: [Double]
        public init(mean: [Double], std: [Double]) {
            self.mean = mean
            self.std = std
        }
    }
    public let range: Range?
    public let normalize: Normalization?
    public let resize: [Int]?

    public init(range: Range? = nil, normalize: Normalization? = nil, resize: [Int]? = nil) {
        self.range = range
        self.normalize = normalize
        self.resize = resize
    }

    /// Reads `ceiling.glue`; the values are checked where the glue becomes graph nodes.
    init(_ json: JSON, path: String) throws(ModelFileError) {
        let glue = try JSONFields(json, context: "metadata 'ceiling.glue'", path: path)
        try glue.refuseUnknown(["range", "normalize", "resize"])
        if let range = try glue.fields("range") {
            try range.refuseUnknown(["from", "to"])
            self.range = Range(from: try range.numbers("from"), to: try range.numbers("to"))
        } else {
            self.range = nil
        }
        if let normalize = try glue.fields("normalize") {
            try normalize.refuseUnknown(["mean", "std"])
            self.normalize = Normalization(mean: try normalize.numbers("mean"), std: try normalize.numbers("std"))
        } else {
            self.normalize = nil
        }
        resize = glue["resize"] == nil ? nil : try glue.integers("resize", in: 1...Attributes.maxWindow)
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

    /// Reads `ceiling.prior`: a distribution name with a finite mean and a positive, finite std.
    init(_ json: JSON, path: String) throws(ModelFileError) {
        let prior = try JSONFields(json, context: "metadata 'ceiling.prior'", path: path)
        try prior.refuseUnknown(["distribution", "mean", "std"])
        distribution = try prior.string("distribution")
        mean = try prior.optionalNumber("mean")
        std = try prior.optionalNumber("std")
        if let std, !(std > 0) { throw prior.fail("std", "positive") }
    }

    /// The standard normal N(0, I) the bounds of Fawzi et al. assume.
    public var isStandardNormal: Bool { distribution == "normal" && (mean ?? 0) == 0 && (std ?? 1) == 1 }
}
