import Foundation
import Testing
@testable import CeilingEngine

/// Geometries at the edge of what the format accepts (padding far beyond the kernel, a stride
/// beyond the input, large dilation, windows that just fit, resizes to 1x1): files that load must
/// also run, forward, backward and along a tangent, and keep the adjoint identity.
@Suite("Extreme but valid geometries")
struct ExtremeGeometryTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let op: String
        let input: [Int]
        let attrs: [String: Int]
        let weight: [Int]?
        var testDescription: String { "\(op) \(input) \(attrs.sorted { $0.key < $1.key })" }
    }

    static let cases = [
        Case(op: "conv2d", input: [2, 3, 3], attrs: ["stride": 1, "padding": 9], weight: [3, 2, 1, 1]),
        Case(op: "conv2d", input: [1, 3, 4], attrs: ["stride": 1, "padding": 4, "dilation": 4], weight: [2, 1, 3, 2]),
        Case(op: "conv2d", input: [1, 6, 6], attrs: ["stride": 100, "padding": 0], weight: [2, 1, 3, 3]),
        Case(op: "conv2d", input: [1, 5, 5], attrs: ["stride": 2, "padding": 0], weight: [1, 1, 5, 5]),
        Case(op: "conv_transpose2d", input: [2, 3, 2], attrs: ["stride": 3, "padding": 1, "output_padding": 2, "dilation": 2], weight: [2, 3, 3, 2]),
        Case(op: "conv_transpose2d", input: [1, 1, 1], attrs: ["stride": 7, "padding": 0], weight: [1, 2, 1, 1]),
        Case(op: "conv_transpose2d", input: [1, 4, 4], attrs: ["stride": 1, "padding": 3, "dilation": 3], weight: [1, 1, 3, 3]),
        Case(op: "max_pool2d", input: [2, 5, 7], attrs: ["kernel": 3, "stride": 5, "padding": 1], weight: nil),
        Case(op: "max_pool2d", input: [1, 4, 40], attrs: ["kernel": 4, "stride": 1, "padding": 2], weight: nil),
        Case(op: "avg_pool2d", input: [2, 5, 5], attrs: ["kernel": 3, "stride": 4, "padding": 1], weight: nil),
        Case(op: "resize_bilinear", input: [2, 5, 5], attrs: ["size": 1], weight: nil),
        Case(op: "resize_bilinear", input: [1, 2, 2], attrs: ["size": 17], weight: nil),
    ]

    @Test(arguments: cases)
    func loadsAndRuns(_ c: Case) throws {
        var attrs: [String: Any] = c.attrs
        if c.op == "avg_pool2d" { attrs["count_include_pad"] = false }
        let params = c.weight.map { ["weight": ($0, randomValues($0.reduce(1, *), seed: 5))] } ?? [:]
        let data = ModelBuilder.single(c.op, inputShape: c.input, attrs: attrs, params: params).data
        let model = try Model(tensors: SafeTensors(data: data, path: "m"), path: "m")
        let x = randomTensor([3] + c.input, seed: 1)
        let trace = model.graph.trace(x)
        let y = trace.value(model.graph.output)
        let v = randomTensor(x.shape, seed: 2), u = randomTensor(y.shape, seed: 3)
        let lhs = model.graph.jvp(trace, tangent: v).dot(u), rhs = v.dot(model.graph.vjp(trace, cotangent: u))
        #expect(y.data.allSatisfy { $0.isFinite })
        #expect(relativeError(lhs, rhs, floor: 1e-6) < 1e-4, "<Jv, u> = \(lhs), <v, J^T u> = \(rhs)")
    }
}
