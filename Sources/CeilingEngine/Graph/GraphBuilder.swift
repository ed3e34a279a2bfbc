/// Assembles a graph from operations in code: for synthetic generators, benchmark networks and
/// tests, where no model file is involved.
public struct GraphBuilder {
    public let inputShape: [Int]
    private var nodes: [(name: String, operation: any NetworkOperation, inputs: [Int])] = []

    public init(inputShape: [Int]) { self.inputShape = inputShape }

    /// Index of the most recent value (0, the input, before any node).
    public var last: Int { nodes.count }

    /// Appends a node reading `inputs` (default: the most recent value) and returns its value index.
    @discardableResult
    public mutating func add(_ name: String, _ operation: any NetworkOperation, inputs: [Int]? = nil) -> Int {
        nodes.append((name, operation, inputs ?? [last]))
        return last
    }

    /// The graph whose output is `output` (default: the most recent value).
    public func build(output: Int? = nil) throws(GraphError) -> Graph {
        try Graph(inputShape: inputShape, nodes: nodes, output: output ?? last)
    }
}
