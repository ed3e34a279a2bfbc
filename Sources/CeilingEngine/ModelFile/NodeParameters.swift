/// The container's tensors as Float32, converted and checked once each however many nodes use
/// them, so a file that names one large tensor in many nodes costs its memory once.
final class WeightStore {
    let tensors: SafeTensors
    let path: String
    private var loaded: [String: [Float]] = [:]

    init(tensors: SafeTensors, path: String) {
        self.tensors = tensors
        self.path = path
    }

    /// The values of tensor `name`, refused when one is not finite in Float32 (a NaN or infinity
    /// in a weight makes every output it reaches meaningless).
    func values(_ name: String) throws(ModelFileError) -> [Float] {
        if let values = loaded[name] { return values }
        let values = try tensors.floats(name)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw ModelFileError(path, "tensor '\(name)' holds a non-finite value (\(values[bad]) in Float32) at element \(bad)")
        }
        loaded[name] = values
        return values
    }
}

/// A node's parameter tensors, looked up by slot (`weight`, `bias`, ...) with their shapes
/// checked. Like `Attributes`, it records the slots read, so that the factory can refuse the
/// others.
final class NodeParameters {
    struct Weight {
        let shape: [Int]
        let values: [Float]
    }

    private let node: GraphSpec.NodeSpec
    private let store: WeightStore
    private var read: [String] = []

    init(_ node: GraphSpec.NodeSpec, store: WeightStore) {
        self.node = node
        self.store = store
    }

    private var path: String { store.path }

    /// Parameter `slot`: it must exist, have the expected rank or shape, no zero-size axis (no
    /// operation can take an empty weight; oneDNN would abort on one) and finite values.
    func weight(_ slot: String, rank: Int? = nil, shape: [Int]? = nil) throws(ModelFileError) -> Weight {
        read.append(slot)
        guard let name = node.params[slot] else {
            throw ModelFileError(path, "node '\(node.name)' (\(node.op)) has no '\(slot)' parameter")
        }
        guard let entry = store.tensors.entries[name] else {
            throw ModelFileError(path, "node '\(node.name)' refers to tensor '\(name)', which the file does not contain")
        }
        if let rank, entry.shape.count != rank {
            throw ModelFileError(path, "tensor '\(name)' of node '\(node.name)' has shape \(describe(shape: entry.shape)); \(node.op) needs a \(rank)-dimensional \(slot)")
        }
        if let shape, entry.shape != shape {
            throw ModelFileError(path, "tensor '\(name)' of node '\(node.name)' has shape \(describe(shape: entry.shape)), expected \(describe(shape: shape))")
        }
        guard !entry.shape.contains(0) else {
            throw ModelFileError(path, "tensor '\(name)' of node '\(node.name)' has shape \(describe(shape: entry.shape)): \(node.op) cannot take a zero-size axis")
        }
        return Weight(shape: entry.shape, values: try store.values(name))
    }

    func optional(_ slot: String, shape: [Int]) throws(ModelFileError) -> Weight? {
        guard node.params[slot] != nil else {
            read.append(slot)
            return nil
        }
        return try weight(slot, shape: shape)
    }

    func bias(count: Int) throws(ModelFileError) -> [Float]? {
        try optional("bias", shape: [count])?.values
    }

    /// Refuses slots the operation did not read: a misspelt `bias` would otherwise be dropped.
    func refuseUnread() throws(ModelFileError) {
        if let unknown = node.params.keys.sorted().first(where: { !read.contains($0) }) {
            let known = read.isEmpty ? "none" : read.joined(separator: ", ")
            throw ModelFileError(path, "node '\(node.name)' (\(node.op)): unknown parameter '\(unknown)' (\(node.op) takes \(known))")
        }
    }
}
