import CeilingEngine
import Foundation

/// A value computed from the model's input: the native node that makes it (or the graph's
/// input) and its per-sample shape (without the batch axis).
struct Computed {
    let name: String
    let shape: [Int]
}

/// An ONNX value as the translation sees it.
enum ImportedValue {
    case computed(Computed)
    case constant(ConstantTensor)
    /// Zero padding (`Pad`), [top, left, bottom, right], waiting for the Conv or average pool
    /// that reads it: the engine has no padding operation, the convolution pads itself.
    case padded(Computed, pads: [Int])
    /// An output ceiling does not compute (BatchNormalization's batch statistics, Dropout's
    /// mask, MaxPool's indices), with the node that would have made it.
    case unavailable(String)
}

/// One ONNX node being translated.
struct NodeContext {
    let node: Onnx_NodeProto
    /// `node 'NAME' (OpType)`, for messages.
    let label: String
    /// The name its first native node gets (unique in the native graph).
    let nativeName: String
    let attributes: NodeAttributes
    let inputs: [ImportedValue?]
    var op: String { node.opType }
}

/// Translates an ONNX graph, node by node, into the nodes and tensors of the engine's model
/// format. Every ONNX value becomes a native value, a constant known at import, or an error
/// naming the node: nothing is approximated.
final class GraphTranslation {
    let path: String
    let opset: Int
    let external: ExternalData
    private let initializers: [String: Onnx_TensorProto]
    private var values: [String: ImportedValue] = [:]
    /// How many nodes (and graph outputs) read each ONNX value.
    private(set) var consumers: [String: Int] = [:]
    private(set) var nodes: [[String: Any]] = []
    private(set) var tensors: [(name: String, shape: [Int], values: [Float])] = []
    private var nativeNames: Set<String> = []
    /// Native linear nodes written without a bias: their index in `nodes` and the ONNX value
    /// they produce, so that the `Add` of a bias after a MatMul can join them.
    private var biasFree: [String: (index: Int, onnxName: String)] = [:]
    /// The graph input's batch size when the file fixes it (a file exported with a static batch).
    private(set) var staticBatch: Int?
    let input: Computed
    private(set) var output: Computed!

    init(_ graph: Onnx_GraphProto, opset: Int, path: String) throws(ModelFileError) {
        self.path = path
        self.opset = opset
        external = ExternalData(modelPath: path)
        guard graph.sparseInitializer.isEmpty else { throw ModelFileError(path, "the graph has sparse initializers, which ceiling does not read") }
        var initializers = [String: Onnx_TensorProto]()
        for tensor in graph.initializer {
            guard initializers[tensor.name] == nil else { throw ModelFileError(path, "initializer '\(tensor.name)' is defined twice") }
            initializers[tensor.name] = tensor
        }
        self.initializers = initializers
        let inputs = graph.input.filter { initializers[$0.name] == nil }
        guard inputs.count == 1 else {
            throw ModelFileError(path, "the graph has \(inputs.count) inputs (\(inputs.map(\.name).joined(separator: ", "))); ceiling models have exactly one")
        }
        guard graph.output.count == 1 else {
            throw ModelFileError(path, "the graph has \(graph.output.count) outputs; ceiling models have exactly one")
        }
        nativeNames = ["input"]
        (input, staticBatch) = try Self.inputShape(inputs[0], path: path)
        values[inputs[0].name] = .computed(input)
        for node in graph.node {
            for name in node.input where !name.isEmpty { consumers[name, default: 0] += 1 }
        }
        consumers[graph.output[0].name, default: 0] += 1
        for (index, node) in graph.node.enumerated() { try translate(node, index: index) }
        guard case .computed(let result)? = values[graph.output[0].name] else {
            throw ModelFileError(path, "the graph's output '\(graph.output[0].name)' is \(values[graph.output[0].name] == nil ? "not produced by any node" : "not computed from the input")")
        }
        output = result
    }

    /// The input's per-sample shape: every axis but the first (the batch) must have a fixed size.
    private static func inputShape(_ value: Onnx_ValueInfoProto, path: String) throws(ModelFileError) -> (Computed, Int?) {
        guard case .tensorType(let type)? = value.type.value else {
            throw ModelFileError(path, "the graph's input '\(value.name)' is not a tensor")
        }
        guard type.elemType == ONNXType.float.rawValue else {
            throw ModelFileError(path, "the graph's input '\(value.name)' has element type \(type.elemType); ceiling models take float32 (type 1)")
        }
        let dims = type.shape.dim
        guard type.hasShape, dims.count >= 2 else {
            throw ModelFileError(path, "the graph's input '\(value.name)' must have a batch axis and at least one more, of fixed sizes (export with a fixed input shape)")
        }
        var shape = [Int]()
        for (axis, dim) in dims.enumerated().dropFirst() {
            guard case .dimValue(let size)? = dim.value, size >= 1, size <= Int64(GraphLimits.valuesPerSample) else {
                throw ModelFileError(path, "axis \(axis) of the graph's input '\(value.name)' has no fixed size from 1 to \(GraphLimits.valuesPerSample) (\(dim.value.map { "\($0)" } ?? "unset")); export with a fixed input shape, only the batch may vary")
            }
            shape.append(Int(size))
        }
        var batch: Int?
        if case .dimValue(let size)? = dims[0].value, size >= 1 { batch = Int(min(size, Int64(Int32.max))) }
        return (Computed(name: "input", shape: shape), batch)
    }

    private func translate(_ node: Onnx_NodeProto, index: Int) throws(ModelFileError) {
        let label = "node '\(node.name.isEmpty ? "#\(index)" : node.name)' (\(node.opType))"
        guard node.domain.isEmpty || node.domain == "ai.onnx" else {
            throw ModelFileError(path, "\(label): operator '\(node.domain).\(node.opType)' is not supported (ceiling reads the standard ONNX domain only)")
        }
        var inputs = [ImportedValue?]()
        for name in node.input { inputs.append(name.isEmpty ? nil : try value(name, reader: label)) }
        var base = node.name.isEmpty ? "\(node.opType)_\(index)" : node.name
        while nativeNames.contains(base) { base += "_" }
        let context = NodeContext(node: node, label: label, nativeName: base, attributes: try NodeAttributes(node, context: label, path: path), inputs: inputs)
        let results: [ImportedValue]
        if let folded = try fold(context) { results = folded } else { results = try translateOperator(context) }
        try context.attributes.refuseUnread()
        for (i, name) in node.output.enumerated() where !name.isEmpty {
            guard values[name] == nil, initializers[name] == nil else {
                throw ModelFileError(path, "\(label): output '\(name)' is already defined (an ONNX value has one producer)")
            }
            values[name] = i < results.count ? results[i] : .unavailable("output \(i) of \(label)")
            if i == 0, case .computed(let c) = results[0], let entry = biasFree.removeValue(forKey: c.name) {
                biasFree[c.name] = (entry.index, name)
            }
        }
    }

    /// The value an input names: an earlier node's output or an initializer.
    private func value(_ name: String, reader: String) throws(ModelFileError) -> ImportedValue {
        if let value = values[name] { return value }
        guard let proto = initializers[name] else {
            throw ModelFileError(path, "\(reader) reads '\(name)', which is neither an initializer nor the output of an earlier node (a missing initializer?)")
        }
        let value = ImportedValue.constant(try ConstantTensor(proto, external: external, path: path))
        values[name] = value
        return value
    }

    // MARK: Reading a node's inputs

    func computed(_ c: NodeContext, _ i: Int) throws(ModelFileError) -> Computed {
        switch i < c.inputs.count ? c.inputs[i] : nil {
        case .computed(let value)?: return value
        case .constant?: throw ModelFileError(path, "\(c.label): input \(i) is a constant; ceiling computes this operator only on values computed from the model's input")
        case .padded?: throw ModelFileError(path, "\(c.label) reads the output of a Pad; ceiling folds zero padding only into the Conv or AveragePool (count_include_pad) that reads it")
        case .unavailable(let what)?: throw ModelFileError(path, "\(c.label) reads \(what), which ceiling does not compute (inference only)")
        case nil: throw ModelFileError(path, "\(c.label) has no input \(i)")
        }
    }

    func constant(_ c: NodeContext, _ i: Int, _ what: String) throws(ModelFileError) -> ConstantTensor {
        guard let value = try optionalConstant(c, i, what) else { throw ModelFileError(path, "\(c.label) has no \(what) (input \(i))") }
        return value
    }

    func optionalConstant(_ c: NodeContext, _ i: Int, _ what: String) throws(ModelFileError) -> ConstantTensor? {
        switch i < c.inputs.count ? c.inputs[i] : nil {
        case nil: return nil
        case .constant(let value)?: return value
        case .unavailable(let source)?: throw ModelFileError(path, "\(c.label) reads \(source), which ceiling does not compute (inference only)")
        default: throw ModelFileError(path, "\(c.label): the \(what) (input \(i)) is computed from the model's input; ceiling needs it to be a constant (an initializer)")
        }
    }

    /// Float values of a constant input, with a shape check.
    func weight(_ c: NodeContext, _ i: Int, _ what: String, shape expected: [Int]? = nil, rank: Int? = nil) throws(ModelFileError) -> ConstantTensor {
        let tensor = try constant(c, i, what)
        if let expected, tensor.shape != expected {
            throw ModelFileError(path, "\(c.label): the \(what) has shape \(tensor.shape), expected \(expected)")
        }
        if let rank, tensor.shape.count != rank {
            throw ModelFileError(path, "\(c.label): the \(what) has shape \(tensor.shape); ceiling needs a \(rank)-dimensional \(what)")
        }
        guard tensor.floats != nil else { throw ModelFileError(path, "\(c.label): the \(what) is not numeric") }
        return tensor
    }

    /// Integer values of a constant input (axes, pads, shapes), none of them the batch size.
    func integers(_ c: NodeContext, _ i: Int, _ what: String) throws(ModelFileError) -> [Int]? {
        guard let tensor = try optionalConstant(c, i, what) else { return nil }
        guard let values = tensor.integers, values.allSatisfy({ $0 != nil && abs($0!) <= NodeAttributes.maxInteger }) else {
            throw ModelFileError(path, "\(c.label): the \(what) must be constant integers")
        }
        return values.map { $0! }
    }

    // MARK: Writing native nodes

    /// Appends a native node and returns the value it computes. `suffix` names the second node
    /// an ONNX node becomes.
    @discardableResult
    func emit(_ c: NodeContext, _ op: String, inputs: [Computed], shape: [Int], attrs: [String: Any] = [:],
              params: [String: (shape: [Int], values: [Float])] = [:], suffix: String = "") throws(ModelFileError) -> Computed {
        try checkSize(shape, c)
        var name = c.nativeName + suffix
        while nativeNames.contains(name) { name += "_" }
        nativeNames.insert(name)
        var node: [String: Any] = ["name": name, "op": op, "inputs": inputs.map(\.name)]
        if !attrs.isEmpty { node["attrs"] = attrs }
        if !params.isEmpty {
            var slots = [String: String]()
            for (slot, tensor) in params.sorted(by: { $0.key < $1.key }) {
                slots[slot] = "\(name).\(slot)"
                tensors.append((slots[slot]!, tensor.shape, tensor.values))
            }
            node["params"] = slots
        }
        nodes.append(node)
        if op == "linear" && params["bias"] == nil { biasFree[name] = (nodes.count - 1, "") }
        return Computed(name: name, shape: shape)
    }

    /// Gives the bias-free linear node behind `value` a bias, when nothing else reads its output.
    func joinBias(_ value: Computed, _ bias: [Float]) -> Bool {
        guard let entry = biasFree[value.name], consumers[entry.onnxName] == 1, value.shape == [bias.count] else { return false }
        let name = "\(value.name).bias"
        tensors.append((name, [bias.count], bias))
        var params = nodes[entry.index]["params"] as! [String: String]
        params["bias"] = name
        nodes[entry.index]["params"] = params
        biasFree[value.name] = nil
        return true
    }

    func checkSize(_ shape: [Int], _ c: NodeContext) throws(ModelFileError) {
        guard !shape.isEmpty, shape.allSatisfy({ $0 >= 1 }), let size = SizeArithmetic.product(shape), size <= GraphLimits.valuesPerSample else {
            throw ModelFileError(path, "\(c.label) gives per-sample shape \(shape): every value needs at least one axis besides the batch, sizes from 1 and at most \(GraphLimits.valuesPerSample) values")
        }
    }

    func fail(_ c: NodeContext, _ problem: String) -> ModelFileError { ModelFileError(path, "\(c.label): \(problem)") }
}
