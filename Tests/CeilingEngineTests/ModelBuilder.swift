import Foundation
@testable import CeilingEngine

/// Writes small model files from Swift, so tests can make good and deliberately broken ones.
struct ModelBuilder {
    var role = "classifier"
    var inputShape = [1, 6, 6]
    var nodes: [[String: Any]] = []
    var tensors: [(name: String, shape: [Int], values: [Float])] = []
    var output = ""
    var glue: String? = nil
    var extraMetadata: [String: String] = [:]

    mutating func node(_ name: String, _ op: String, inputs: [String], attrs: [String: Any] = [:], params: [String: ([Int], [Float])] = [:]) {
        var paramNames = [String: String]()
        for (slot, (shape, values)) in params.sorted(by: { $0.key < $1.key }) {
            let tensorName = "\(name).\(slot)"
            tensors.append((tensorName, shape, values))
            paramNames[slot] = tensorName
        }
        nodes.append(["name": name, "op": op, "inputs": inputs, "attrs": attrs, "params": paramNames])
        output = name
    }

    var metadata: [String: String] {
        let graph: [String: Any] = ["input": "input", "output": output, "nodes": nodes]
        var m = ["ceiling.format": "1", "ceiling.role": role,
                 "ceiling.input_shape": "[" + inputShape.map(String.init).joined(separator: ",") + "]",
                 "ceiling.graph": String(data: try! JSONSerialization.data(withJSONObject: graph, options: [.sortedKeys]), encoding: .utf8)!]
        if role == "generator" { m["ceiling.prior"] = #"{"distribution": "normal", "mean": 0, "std": 1}"# }
        if let glue { m["ceiling.glue"] = glue }
        return m.merging(extraMetadata) { _, new in new }
    }

    var data: Data { SafeTensors.encode(tensors: tensors, metadata: metadata) }

    func write(to path: String) -> String {
        try! data.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A small LeNet-like classifier on [1, 6, 6] images: conv, relu, pool, flatten, linear.
    static func smallClassifier() -> ModelBuilder {
        var b = ModelBuilder()
        b.node("conv", "conv2d", inputs: ["input"], attrs: ["stride": [1, 1], "padding": [1, 1], "dilation": [1, 1]],
               params: ["weight": ([4, 1, 3, 3], randomValues(36, seed: 11, scale: 0.5)), "bias": ([4], randomValues(4, seed: 12))])
        b.node("bn", "batch_norm", inputs: ["conv"], attrs: ["eps": 1e-5],
               params: ["running_mean": ([4], randomValues(4, seed: 13)), "running_var": ([4], [0.5, 1, 1.5, 2]),
                        "weight": ([4], randomValues(4, seed: 14)), "bias": ([4], randomValues(4, seed: 15))])
        b.node("relu", "relu", inputs: ["bn"])
        b.node("pool", "max_pool2d", inputs: ["relu"], attrs: ["kernel": [2, 2], "stride": [2, 2], "padding": [0, 0]])
        b.node("flat", "flatten", inputs: ["pool"])
        b.node("fc", "linear", inputs: ["flat"], params: ["weight": ([3, 36], randomValues(108, seed: 16, scale: 0.3)), "bias": ([3], randomValues(3, seed: 17))])
        return b
    }
}
