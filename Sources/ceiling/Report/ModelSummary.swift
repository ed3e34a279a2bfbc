import CeilingEngine

/// The human-readable description of a loaded model.
struct ModelSummary {
    let model: Model
    init(_ model: Model) { self.model = model }

    var text: String {
        var lines = ["\(model.path)", "  role:        \(model.role.rawValue)"]
        lines.append("  input:       " + batchShape(model.inputShape) + (model.role == .generator ? "  (latent dimension \(model.inputSize))" : "  (image space X)"))
        lines.append("  output:      " + batchShape(model.outputShape) + (model.role == .classifier ? "  (\(model.classCount) classes)" : ""))
        if let prior = model.prior {
            lines.append("  prior:       \(prior.distribution)(mean \(prior.mean ?? 0), std \(prior.std ?? 1))")
        }
        if model.role == .classifier {
            lines.append("  glue:        " + glueText)
        }
        if let names = model.classNames { lines.append("  classes:     " + names.joined(separator: ", ")) }
        if let source = model.source { lines.append("  source:      \(source)") }
        lines.append("  parameters:  \(model.parameterCount.formatted())")
        lines.append("")
        let rows = model.graph.nodes.enumerated().map { i, node -> [String] in
            let inputs = node.inputs.map { $0 == 0 ? "input" : model.graph.nodes[$0 - 1].name }.joined(separator: ", ")
            return [node.name, node.operation.kind, inputs, batchShape(node.shape),
                    node.operation.parameterCount == 0 ? "" : node.operation.parameterCount.formatted()]
        }
        lines.append(contentsOf: TextTable(header: ["layer", "operation", "inputs", "output shape", "parameters"], rows: rows).lines(indent: "  "))
        if model.logits != model.graph.output {
            lines.append("  (the attacks use the logits of '\(model.graph.nodes[model.logits - 1].name)')")
        }
        // Names and sources come from the file: control characters are shown escaped.
        return lines.map(printable).joined(separator: "\n")
    }

    private var glueText: String {
        guard let glue = model.glue, glue.range != nil || glue.normalize != nil || glue.resize != nil else {
            return "none (the network reads image space X directly)"
        }
        var parts = [String]()
        if let r = glue.range { parts.append("range [\(r.from[0]), \(r.from[1])] -> [\(r.to[0]), \(r.to[1])]") }
        if let n = glue.normalize { parts.append("normalize mean \(n.mean) std \(n.std)") }
        if let s = glue.resize { parts.append("resize to \(s[0])x\(s[1]) (bilinear)") }
        return parts.joined(separator: ", then ")
    }
}
