import Foundation
import Testing
@testable import CeilingEngine

/// Shapes a file can ask for that overflow Int, exceed the GraphLimits, or hold an empty axis:
/// each refused when the graph is built, naming the node and the size.
@Suite("Shape arithmetic and limits")
struct ShapeLimitTests {
    @Test func sizeArithmeticReportsOverflow() {
        #expect(SizeArithmetic.product([1 << 62, 4]) == nil)
        #expect(SizeArithmetic.product([3, 1 << 20, 1 << 20]) == 3 << 40)
        #expect(SizeArithmetic.sum(Int.max, 1) == nil)
        #expect(SizeArithmetic.windows(input: 6, kernel: 3, stride: 1, padding: 1) == 6)
        // floor((3 - 5) / 3) + 1 is 0: the window does not fit, though truncation would say 1.
        #expect(SizeArithmetic.windows(input: 3, kernel: 5, stride: 3, padding: 0) == 0)
        #expect(SizeArithmetic.windows(input: 6, kernel: 3, stride: 1, padding: 0, dilation: Int.max) == nil)
        #expect(SizeArithmetic.windows(input: 6, kernel: 3, stride: 0, padding: 0) == nil)
        #expect(SizeArithmetic.transposed(input: 4, kernel: 4, stride: 2, padding: 1, dilation: 1, extra: 0) == 8)
        #expect(SizeArithmetic.transposed(input: 1 << 40, kernel: 2, stride: 1 << 30, padding: 0, dilation: 1, extra: 0) == nil)
    }

    @Test func inputShapeBeyondInt() throws {
        var b = ModelBuilder.single("relu", inputShape: [3, 1 << 62, 1 << 62])
        var message = try #require(RawModelFile.loadError(b.data))
        #expect(message.contains("'ceiling.input_shape'") && message.contains("4611686018427387904"), "\(message)")
        b = ModelBuilder.single("relu", inputShape: [3, 1 << 20, 1 << 20])
        message = try #require(RawModelFile.loadError(b.data))
        #expect(message.contains("the graph's input") && message.contains("3298534883328 values per sample, over the limit of 67108864"), "\(message)")
    }

    @Test func inputShapeWithFractions() throws {
        var b = ModelBuilder.single("relu", inputShape: [4])
        b.extraMetadata["ceiling.input_shape"] = "[4.0]"
        let message = try #require(RawModelFile.loadError(b.data))
        #expect(message.contains("'ceiling.input_shape'") && message.contains("[4.0]"), "\(message)")
    }

    @Test func glueResizeBeyondInt() throws {
        var b = ModelBuilder.smallClassifier()
        b.inputShape = [1, 6, 6]
        b.glue = #"{"resize": [4611686018427387904, 4611686018427387904]}"#
        var message = try #require(RawModelFile.loadError(b.data))
        #expect(message.contains("'ceiling.glue'") && message.contains("'resize'"), "\(message)")
        b.glue = #"{"resize": [65536, 65536]}"#
        message = try #require(RawModelFile.loadError(b.data))
        #expect(message.contains("node 'glue.resize'") && message.contains("over the limit"), "\(message)")
    }

    @Test func convTransposeStrideThatExplodesTheOutput() throws {
        let b = ModelBuilder.single("conv_transpose2d", inputShape: [2, 8, 8], attrs: ["stride": [1000, 1000], "padding": [0, 0]],
                                    params: ["weight": ([2, 3, 4, 4], randomValues(96, seed: 3))])
        let message = try #require(RawModelFile.loadError(b.data))
        #expect(message.contains("node 'n' (conv_transpose2d) gives [N, 3, 7004, 7004], 147168048 values per sample, over the limit of 67108864"), "\(message)")
    }

    @Test func forwardPassBeyondTheTraceLimit() throws {
        var b = ModelBuilder()
        b.role = "generator"
        b.inputShape = [1 << 25]
        var last = "input"
        for i in 0..<8 {
            b.node("relu\(i)", "relu", inputs: [last])
            last = "relu\(i)"
        }
        let message = try #require(RawModelFile.loadError(b.data))
        #expect(message.contains("node 'relu7'") && message.contains("for a whole forward pass"), "\(message)")
    }

    @Test func weightsUsedTooOften() throws {
        var b = ModelBuilder()
        b.role = "generator"
        b.inputShape = [1024]
        b.tensors = [("w", [1024, 1024], [Float](repeating: 0, count: 1 << 20))]
        var last = "input"
        for i in 0...1024 {
            b.nodes.append(["name": "fc\(i)", "op": "linear", "inputs": [last], "params": ["weight": "w"]])
            last = "fc\(i)"
        }
        b.output = last
        let message = try #require(RawModelFile.loadError(b.data))
        #expect(message.contains("node 'fc1024'") && message.contains("over the limit of 1073741824"), "\(message)")
    }

    @Test func batchLimit() throws {
        let graph = try Model(tensors: SafeTensors(data: ModelBuilder.smallClassifier().data, path: "m"), path: "m").graph
        #expect(graph.largestBatch == GraphLimits.traceValuesPerBatch / graph.traceValuesPerSample)
        #expect(throws: Never.self) { try graph.checkBatch(graph.largestBatch) }
        #expect(throws: GraphError.self) { try graph.checkBatch(0) }
        do {
            try graph.checkBatch(graph.largestBatch + 1)
            Issue.record("a batch over the limit passed")
        } catch {
            #expect(error.description.contains("use batches of at most \(graph.largestBatch)"), "\(error)")
        }
    }

    @Test(arguments: [("conv_transpose2d", [2, 0, 2, 2]), ("conv2d", [4, 2, 0, 3]), ("linear", [0, 2]), ("linear", [3, 0])])
    func zeroSizeWeightAxes(_ op: String, _ shape: [Int]) throws {
        let input = op == "linear" ? [shape[1]] : [2, 4, 4]
        let attrs: [String: Any] = op == "linear" ? [:] : ["stride": 1, "padding": 0]
        let b = ModelBuilder.single(op, inputShape: input.map { max($0, 1) }, attrs: attrs, params: ["weight": (shape, [])])
        let message = try #require(RawModelFile.loadError(b.data))
        #expect(message.contains("tensor 'n.weight' of node 'n'") && message.contains("cannot take a zero-size axis"), "\(message)")
    }

    @Test func zeroSizeBatchNorm() throws {
        let b = ModelBuilder.single("batch_norm", inputShape: [2], params: ["running_mean": ([0], []), "running_var": ([0], [])])
        let message = try #require(RawModelFile.loadError(b.data))
        #expect(message.contains("n.running_mean") && message.contains("zero-size axis"), "\(message)")
    }

    /// PyTorch floors a negative numerator; truncating it to 0 accepted windows that do not fit.
    @Test func windowsThatDoNotFit() throws {
        let conv = ModelBuilder.single("conv2d", inputShape: [1, 3, 3], attrs: ["stride": 3, "padding": 0],
                                       params: ["weight": ([1, 1, 5, 5], randomValues(25, seed: 4))])
        var message = try #require(RawModelFile.loadError(conv.data))
        #expect(message.contains("node 'n' (conv2d)") && message.contains("does not fit an input of 3x3"), "\(message)")
        let pool = ModelBuilder.single("max_pool2d", inputShape: [1, 3, 3], attrs: ["kernel": 5, "stride": 3])
        message = try #require(RawModelFile.loadError(pool.data))
        #expect(message.contains("node 'n' (max_pool2d)") && message.contains("does not fit 3x3"), "\(message)")
    }

    @Test func reshapeWhoseProductOverflows() throws {
        let limit = GraphLimits.valuesPerSample
        let b = ModelBuilder.single("reshape", inputShape: [4], attrs: ["shape": [limit, limit, limit, limit]])
        let message = try #require(RawModelFile.loadError(b.data))
        #expect(message.contains("node 'n' (reshape)") && message.contains("cannot reshape"), "\(message)")
    }
}
