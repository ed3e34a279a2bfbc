/// The sizes a graph may reach. A model file fixes every activation size through its shapes
/// and attributes, so without limits a few bytes of JSON (a transposed convolution with stride
/// 1000) ask a forward pass for gigabytes; the graph checks these when it is built, naming the
/// node, and callers check a batch with `Graph.checkBatch` before running it. docs/model-format.md
/// states them for file writers. The largest bundled or fixture network stays orders of
/// magnitude below each.
public enum GraphLimits {
    /// Values in one node's output for one sample: 2^26 (256 MiB of Float32), a 4096 x 4096
    /// image with 4 channels. It also keeps every offset within a sample inside Int32, which
    /// the max pool's arg-max indices rely on.
    public static let valuesPerSample = 1 << 26
    /// Values a forward pass keeps for one sample, the input and every node's output together
    /// (a trace holds them all for the backward pass): 2^28 (1 GiB).
    public static let traceValuesPerSample = 1 << 28
    /// Values the trace of one batch may hold: 2^31 (8 GiB); `Graph.largestBatch` follows from it.
    public static let traceValuesPerBatch = 1 << 31
    /// Weights of all operations together, a tensor counted once per node that uses it: 2^30.
    public static let parameters = 1 << 30
}
