/// A network as a DAG of operations, nodes in an order where inputs come first. Value 0 is the
/// graph's input; node `i` produces value `i + 1`.
public struct Graph: Sendable {
    public struct Node: Sendable {
        public let name: String
        public let operation: any NetworkOperation
        /// Indices of the values this node reads (0 = the graph's input).
        public let inputs: [Int]
        /// Per-sample output shape.
        public let shape: [Int]
    }

    public let inputShape: [Int]
    public let nodes: [Node]
    /// The value the graph returns.
    public let output: Int
    /// What each node runs: its own operation, or that with a following batch norm folded in.
    private let operations: [any NetworkOperation]
    /// Values whose node absorbed the batch norm after it (see foldAffineNodes).
    private let foldedValues: Set<Int>
    /// Values a convolution reads, directly or through elementwise layers: the ones a pass keeps
    /// in oneDNN's layouts (a convolution writes the others in NCHW).
    private let convolutionFed: Set<Int>

    /// Values a trace holds per sample: the input and every node's output.
    public let traceValuesPerSample: Int

    /// Builds the graph, inferring every node's shape; throws naming the node whose input does not
    /// fit or whose output breaks one of the `GraphLimits`.
    public init(inputShape: [Int], nodes: [(name: String, operation: any NetworkOperation, inputs: [Int])], output: Int) throws(GraphError) {
        self.inputShape = inputShape
        var traceValues = try Self.checkedSize(inputShape, of: "the graph's input")
        var parameters = 0
        var shapes = [inputShape]
        var built = [Node]()
        for (i, node) in nodes.enumerated() {
            guard node.inputs.allSatisfy({ $0 >= 0 && $0 <= i }) else {
                throw GraphError("node '\(node.name)' reads a value that is not defined before it")
            }
            let shape: [Int]
            do {
                shape = try node.operation.outputShape(for: node.inputs.map { shapes[$0] })
            } catch {
                throw GraphError("node '\(node.name)' (\(node.operation.kind)): \(error.description)")
            }
            let what = "node '\(node.name)' (\(node.operation.kind))"
            traceValues += try Self.checkedSize(shape, of: what)
            guard traceValues <= GraphLimits.traceValuesPerSample else {
                throw GraphError("the values up to \(what) hold \(traceValues) values per sample, over the limit of \(GraphLimits.traceValuesPerSample) for a whole forward pass")
            }
            parameters += node.operation.parameterCount
            guard parameters <= GraphLimits.parameters else {
                throw GraphError("the weights up to \(what) hold \(parameters) values, over the limit of \(GraphLimits.parameters) (a tensor counts once per node that uses it)")
            }
            shapes.append(shape)
            built.append(Node(name: node.name, operation: node.operation, inputs: node.inputs, shape: shape))
        }
        guard output >= 0 && output <= built.count else { throw GraphError("the graph's output is not one of its values") }
        self.nodes = built
        self.output = output
        self.traceValuesPerSample = traceValues
        (operations, foldedValues) = foldAffineNodes(built, output: output)
        var fed = Set<Int>()
        for index in stride(from: built.count, through: 1, by: -1) {
            switch operations[index - 1] {
            case is any LayoutKeeping: if fed.contains(index) { fed.formUnion(built[index - 1].inputs) }
            case is any LayoutAware: fed.formUnion(built[index - 1].inputs)
            default: break
            }
        }
        convolutionFed = fed
    }

    /// The values per sample of a value of per-sample shape `shape`, which must have at least one
    /// axis, no empty one, and at most `GraphLimits.valuesPerSample` values.
    private static func checkedSize(_ shape: [Int], of what: String) throws(GraphError) -> Int {
        guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
            throw GraphError("\(what) has shape [N, \(shape.map(String.init).joined(separator: ", "))]: every value needs at least one axis besides the batch, none of size 0")
        }
        guard let size = SizeArithmetic.product(shape), size <= GraphLimits.valuesPerSample else {
            let count = SizeArithmetic.product(shape).map(String.init) ?? "more than 2^63"
            throw GraphError("\(what) gives [N, \(shape.map(String.init).joined(separator: ", "))], \(count) values per sample, over the limit of \(GraphLimits.valuesPerSample)")
        }
        return size
    }

    /// The largest batch whose trace stays within `GraphLimits.traceValuesPerBatch`.
    public var largestBatch: Int { max(1, GraphLimits.traceValuesPerBatch / traceValuesPerSample) }

    /// Refuses a batch size that is not positive or whose forward trace would exceed
    /// `GraphLimits.traceValuesPerBatch`: for callers about to run a batch they did not size
    /// themselves (an array read from a file).
    public func checkBatch(_ batch: Int) throws(GraphError) {
        guard batch >= 1 else { throw GraphError("a batch needs at least one sample, got \(batch)") }
        guard batch <= largestBatch else {
            throw GraphError("a batch of \(batch) samples needs a forward pass of \(traceValuesPerSample) values per sample, over the limit of \(GraphLimits.traceValuesPerBatch) values; use batches of at most \(largestBatch)")
        }
    }

    /// The operation that produces value `index` in a pass that ends at value `target`. A pass
    /// that ends at a folded layer's own value needs that layer as it is, without the batch norm.
    private func operation(_ index: Int, endingAt target: Int) -> any NetworkOperation {
        index == target && foldedValues.contains(index) ? nodes[index - 1].operation : operations[index - 1]
    }

    /// Per-sample shape of value `index`.
    public func shape(of index: Int) -> [Int] { index == 0 ? inputShape : nodes[index - 1].shape }

    public var parameterCount: Int { nodes.reduce(0) { $0 + $1.operation.parameterCount } }

    /// Every value of a forward pass, kept for the backward and tangent passes, each in the layout
    /// the pass left it in (see TensorLayout).
    public struct Trace: Sendable {
        let values: [Tensor]
        public var batch: Int { values[0].batch }
        /// Value `index`, in NCHW.
        public func value(_ index: Int) -> Tensor { values[index].plain }
    }

    /// Runs the graph up to value `until` (default: the output) and keeps every value.
    public func trace(_ input: Tensor, until: Int? = nil) -> Trace {
        precondition(input.sampleShape == inputShape, "input \(describe(shape: input.shape)) does not match the graph's [N] + \(describe(shape: inputShape))")
        precondition(input.batch > 0, "empty batch")
        _ = HeapTuning.applied  // once per process, before the first pass allocates its activations
        let last = until ?? output
        var values = [input]
        values.reserveCapacity(last + 1)
        for (i, node) in nodes.prefix(last).enumerated() {
            let operation = operation(i + 1, endingAt: last)
            // A value an NCHW-only operation reads is kept in NCHW from then on, so that the
            // backward pass does not reorder it again.
            if !operation.takesAnyLayout { for input in node.inputs { values[input] = values[input].plain } }
            values.append(operation.passForward(node.inputs.map { values[$0] }, nchw: i + 1 == last || !convolutionFed.contains(i + 1)))
        }
        return Trace(values: values)
    }

    /// The value `at` (default: the output) for a batch of inputs.
    public func evaluate(_ input: Tensor, at: Int? = nil) -> Tensor {
        trace(input, until: at ?? output).value(at ?? output)
    }

    /// Vector-Jacobian product: the input cotangent for a cotangent of value `at`. The cotangent
    /// may hold R * N directions for a trace of N samples (direction r * N + n at sample n).
    public func vjp(_ trace: Trace, cotangent: Tensor, at: Int? = nil) -> Tensor {
        let target = at ?? output
        precondition(target < trace.values.count, "the trace stops before value \(target)")
        precondition(cotangent.sampleShape == shape(of: target) && cotangent.batch % trace.batch == 0,
                     "cotangent \(describe(shape: cotangent.shape)) does not fit value \(target) with batch \(trace.batch)")
        var grads = [Tensor?](repeating: nil, count: target + 1)
        grads[target] = cotangent
        for index in stride(from: target, through: 1, by: -1) {
            guard let g = grads[index] else { continue }
            grads[index] = nil
            let node = nodes[index - 1]
            let inputGrads = operation(index, endingAt: target).passVJP(g, inputs: node.inputs.map { trace.values[$0] },
                                                                        output: trace.values[index])
            for (source, grad) in zip(node.inputs, inputGrads) {
                grads[source] = grads[source].map { elementwiseSum($0, grad) } ?? grad
            }
        }
        return grads[0]?.plain ?? Tensor(zeros: [cotangent.batch] + inputShape)
    }

    /// Jacobian-vector product: the tangent of value `at` for an input tangent of R * N directions.
    public func jvp(_ trace: Trace, tangent: Tensor, at: Int? = nil) -> Tensor {
        let target = at ?? output
        precondition(target < trace.values.count, "the trace stops before value \(target)")
        precondition(tangent.sampleShape == inputShape && tangent.batch % trace.batch == 0,
                     "tangent \(describe(shape: tangent.shape)) does not fit the input with batch \(trace.batch)")
        var tangents = [tangent]
        for node in nodes.prefix(target) {
            let index = tangents.count
            tangents.append(operation(index, endingAt: target).passJVP(node.inputs.map { tangents[$0] },
                                                                   inputs: node.inputs.map { trace.values[$0] }, output: trace.values[index]))
        }
        return tangents[target].plain
    }
}

/// A graph whose nodes do not fit together.
public struct GraphError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
