import Foundation
import Testing
@testable import CeilingEngine

/// Attributes as a hostile file writes them: numbers far out of range, fractions where integers
/// go, values finite in Double but not in Float32, misspelt names. Each must be refused with a
/// message naming the node and the attribute, never trap or load as something else.
@Suite("Attribute validation")
struct AttributeValidationTests {
    static let convWeight: [String: ([Int], [Float])] = ["weight": ([4, 1, 3, 3], randomValues(36, seed: 1))]

    /// A conv2d generator on [1, 6, 6] whose attributes are `attrs`, with raw JSON placeholders.
    func convError(_ attrs: [String: Any], raw: [String: String] = [:]) throws -> String {
        let builder = ModelBuilder.single("conv2d", inputShape: [1, 6, 6], attrs: attrs, params: Self.convWeight)
        return try #require(RawModelFile.loadError(builder.data(replacing: raw)))
    }

    @Test(arguments: [("stride", "1e20"), ("padding", "1e19"), ("dilation", "5e18"), ("stride", "[1, 1e20]")])
    func pairWrittenAsAHugeNumber(_ name: String, _ value: String) throws {
        var attrs: [String: Any] = ["stride": [1, 1], "padding": [0, 0]]
        attrs[name] = "@v@"
        let message = try convError(attrs, raw: ["v": value])
        #expect(message.contains("node 'n' (conv2d)") && message.contains("'\(name)'") && message.contains("got"), "\(message)")
        #expect(message.contains("pair of integers from"), "\(message)")
    }

    @Test func hugeIntegerLiterals() throws {
        for literal in ["5000000000000000000", "99999999999999999999999", "65537", "-1"] {
            let message = try convError(["stride": [1, 1], "padding": [0, 0], "dilation": "@v@"], raw: ["v": literal])
            #expect(message.contains("'dilation'") && message.contains("from 1 to 65536"), "\(literal): \(message)")
        }
    }

    @Test func maxPoolKernelWrittenAsAHugeNumber() throws {
        let builder = ModelBuilder.single("max_pool2d", inputShape: [1, 6, 6], attrs: ["kernel": "@v@"])
        let message = try #require(RawModelFile.loadError(builder.data(replacing: ["v": "1e20"])))
        #expect(message.contains("node 'n' (max_pool2d)") && message.contains("'kernel'") && message.contains("1e20"), "\(message)")
    }

    @Test func convTransposeStrideBeyondTheRange() throws {
        let builder = ModelBuilder.single("conv_transpose2d", inputShape: [2, 3, 3], attrs: ["stride": "@v@", "padding": [0, 0]],
                                          params: ["weight": ([2, 1, 2, 2], randomValues(8, seed: 2))])
        for value in ["3e18", "3000000000000000000"] {
            let message = try #require(RawModelFile.loadError(builder.data(replacing: ["v": value])))
            #expect(message.contains("node 'n' (conv_transpose2d)") && message.contains("'stride'"), "\(message)")
        }
    }

    /// Integers are JSON integers: `1.5` is not silently 1, and `5.0` or `1e0` is refused too.
    @Test(arguments: ["1.5", "2.0", "1e0", "[1.0, 1]", "true", "\"2\"", "[]", "[1, 1, 1]"])
    func nonIntegralStride(_ value: String) throws {
        let message = try convError(["stride": "@v@", "padding": [0, 0]], raw: ["v": value])
        #expect(message.contains("'stride' must be a pair of integers from 1 to 65536"), "\(value): \(message)")
    }

    @Test func integralValuesStillLoad() throws {
        #expect(RawModelFile.loadError(ModelBuilder.single("conv2d", inputShape: [1, 6, 6],
                                                           attrs: ["stride": 2, "padding": [1, 0], "dilation": [1, 2]],
                                                           params: Self.convWeight).data) == nil)
    }

    @Test(arguments: [("leaky_relu", "negative_slope", "1e39"), ("elu", "alpha", "-1e39"), ("affine", "scale", "1e39"),
                      ("affine", "shift", "4e38"), ("leaky_relu", "negative_slope", "1e400")])
    func numbersBeyondFloat32(_ op: String, _ name: String, _ value: String) throws {
        var attrs: [String: Any] = op == "affine" ? ["scale": 1, "shift": 0] : [:]
        attrs[name] = "@v@"
        let builder = ModelBuilder.single(op, inputShape: [4], attrs: attrs)
        let message = try #require(RawModelFile.loadError(builder.data(replacing: ["v": value])))
        #expect(message.contains("node 'n' (\(op))") && message.contains("'\(name)'"), "\(message)")
        #expect(message.contains("Float32") || message.contains("finite"), "\(message)")
    }

    @Test func normalizeWithEmptyLists() throws {
        let builder = ModelBuilder.single("normalize", inputShape: [3, 2, 2], attrs: ["mean": [Double](), "std": [Double]()])
        let message = try #require(RawModelFile.loadError(builder.data))
        #expect(message.contains("node 'n' (normalize)") && message.contains("'mean'") && message.contains("non-empty"), "\(message)")
    }

    @Test func normalizeStdThatRoundsToZero() throws {
        let builder = ModelBuilder.single("normalize", inputShape: [1, 2, 2], attrs: ["mean": [0.5], "std": "@v@"])
        let message = try #require(RawModelFile.loadError(builder.data(replacing: ["v": "[1e-50]"])))
        #expect(message.contains("node 'n' (normalize): std[0] is 0.0 in Float32; every std must be positive"), "\(message)")
    }

    @Test func normalizeConstantsBeyondFloat32() throws {
        let builder = ModelBuilder.single("normalize", inputShape: [1, 2, 2], attrs: ["mean": [1e30], "std": [1e-20]])
        let message = try #require(RawModelFile.loadError(builder.data))
        #expect(message.contains("node 'n' (normalize)") && message.contains("channel 0") && message.contains("not finite in Float32"), "\(message)")
    }

    @Test func batchNormDividingByZero() throws {
        var b = ModelBuilder.single("batch_norm", inputShape: [2], attrs: ["eps": 0],
                                    params: ["running_mean": ([2], [0, 0]), "running_var": ([2], [1, 0])])
        var message = try #require(RawModelFile.loadError(b.data))
        #expect(message.contains("node 'n'") && message.contains("running_var[1] + eps is 0"), "\(message)")
        b = ModelBuilder.single("batch_norm", inputShape: [2], attrs: ["eps": "@v@"],
                                params: ["running_mean": ([2], [0, 0]), "running_var": ([2], [1, 1])])
        message = try #require(RawModelFile.loadError(b.data(replacing: ["v": "1e39"])))
        #expect(message.contains("node 'n'") && message.contains("eps"), "\(message)")
    }

    @Test func batchNormScaleBeyondFloat32() throws {
        let b = ModelBuilder.single("batch_norm", inputShape: [1], attrs: ["eps": 0],
                                    params: ["running_mean": ([1], [0]), "running_var": ([1], [1e-30]), "weight": ([1], [1e30])])
        let message = try #require(RawModelFile.loadError(b.data))
        #expect(message.contains("node 'n' (batch_norm)") && message.contains("not finite in Float32"), "\(message)")
    }

    @Test func misspeltAttribute() throws {
        let message = try convError(["stride": [1, 1], "padding": [0, 0], "dilations": [2, 2]])
        #expect(message.contains("node 'n' (conv2d): unknown attribute 'dilations'") && message.contains("stride, padding, dilation"), "\(message)")
        let pool = ModelBuilder.single("max_pool2d", inputShape: [1, 6, 6], attrs: ["kernel_size": 2])
        let poolMessage = try #require(RawModelFile.loadError(pool.data))
        #expect(poolMessage.contains("'kernel'") && poolMessage.contains("the node gives kernel_size"), "\(poolMessage)")
    }

    @Test func misspeltParameter() throws {
        let builder = ModelBuilder.single("conv2d", inputShape: [1, 6, 6], attrs: ["stride": 1, "padding": 0],
                                          params: ["weight": ([4, 1, 3, 3], randomValues(36, seed: 1)), "bais": ([4], [0, 0, 0, 0])])
        let message = try #require(RawModelFile.loadError(builder.data))
        #expect(message.contains("node 'n' (conv2d): unknown parameter 'bais'") && message.contains("weight, bias"), "\(message)")
    }

    @Test func attributesOnAnOperationWithoutAny() throws {
        let builder = ModelBuilder.single("relu", inputShape: [4], attrs: ["inplace": true])
        let message = try #require(RawModelFile.loadError(builder.data))
        #expect(message.contains("unknown attribute 'inplace'") && message.contains("relu takes none"), "\(message)")
    }

    @Test func emptyReshape() throws {
        let builder = ModelBuilder.single("reshape", inputShape: [1], attrs: ["shape": [Int]()])
        let message = try #require(RawModelFile.loadError(builder.data))
        #expect(message.contains("node 'n' (reshape)") && message.contains("'shape'"), "\(message)")
    }
}
