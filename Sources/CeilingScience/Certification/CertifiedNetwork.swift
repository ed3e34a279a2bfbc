import CeilingEngine

/// A classifier's graph up to its logits, as the certified bounds read it: which values the
/// logits depend on, the final linear layer whose row differences w_c - w_j enter every margin
/// bound, and the chain of layers when the network has no branches.
struct CertifiedNetwork: Sendable {
    let graph: Graph
    /// The value holding the logits.
    let logits: Int
    /// needed[v]: value v is an ancestor of the logits (or the logits themselves).
    let needed: [Bool]

    init(graph: Graph, logits: Int) {
        self.graph = graph
        self.logits = logits
        var needed = [Bool](repeating: false, count: graph.nodes.count + 1)
        needed[logits] = true
        for v in stride(from: logits, through: 1, by: -1) where needed[v] {
            for u in graph.nodes[v - 1].inputs { needed[u] = true }
        }
        self.needed = needed
    }

    func node(_ value: Int) -> Graph.Node { graph.nodes[value - 1] }

    /// The linear layer producing the logits, if one does.
    var finalLinear: Linear? { logits > 0 ? node(logits).operation as? Linear : nil }

    /// The values from the first layer's output to the logits when every layer reads only the
    /// one before it; nil for a network with branches (residual additions).
    var chain: [Int]? {
        var values = [Int]()
        var v = logits
        while v > 0 {
            let inputs = node(v).inputs
            guard inputs.count == 1, isOnlyReader(v, of: inputs[0]) else { return nil }
            values.append(v)
            v = inputs[0]
        }
        return values.reversed()
    }

    /// Whether `reader` is the only needed node reading value `u`.
    private func isOnlyReader(_ reader: Int, of u: Int) -> Bool {
        graph.nodes.indices.allSatisfy { i in i + 1 == reader || !needed[i + 1] || !graph.nodes[i].inputs.contains(u) }
    }

    /// ||w_c - w_j||_2 for every pair of classes (the final layer's rows; sqrt 2 between unit
    /// rows when the logits are not a linear layer's output).
    func rowDifferenceNorms() -> [[Double]] {
        let k = graph.shape(of: logits).reduce(1, *)
        guard let last = finalLinear else {
            return (0..<k).map { c in (0..<k).map { $0 == c ? 0 : 2.0.squareRoot() } }
        }
        let d = last.inFeatures
        return (0..<k).map { c in
            (0..<k).map { j in
                var s = 0.0
                for i in 0..<d {
                    let diff = Double(last.weight[c * d + i]) - Double(last.weight[j * d + i])
                    s += diff * diff
                }
                return s.squareRoot()
            }
        }
    }
}

/// One point's certified radius with what produced it: the logit margin m_j = f_c - f_j of the
/// class j that decided the bound and the constant it was divided by (for bounds that are not
/// a single quotient, margin / radius).
public struct PointBound: Codable, Sendable, Equatable {
    public let radius: Double
    public let margin: Double
    public let constant: Double

    public init(radius: Double, margin: Double, constant: Double) {
        self.radius = radius
        self.margin = margin
        self.constant = constant
    }

    /// The smallest of margins[j] / constants[j] over j != label (radius 0 when the label is not
    /// the top class at the point, which cannot happen for a label read off the logits).
    static func smallestQuotient(margins: [Double], constants: [Double], label: Int) -> PointBound {
        var best = PointBound(radius: .infinity, margin: .infinity, constant: 0)
        for j in margins.indices where j != label {
            let r = margins[j] <= 0 ? 0 : (constants[j] > 0 ? margins[j] / constants[j] : .infinity)
            if r < best.radius || (best.radius == .infinity && r == .infinity && margins[j] < best.margin) {
                best = PointBound(radius: r, margin: margins[j], constant: constants[j])
            }
        }
        return best
    }
}

extension CertifiedNetwork {
    /// The classifier's labels at `x` (arg-max of its Float32 logits, as the attacks read them)
    /// and the margins f_c - f_j. With a final linear layer the margins are (w_c - w_j).h +
    /// b_c - b_j in Double from that layer's input h: Float32 logits carry a rounding error of
    /// about 1e-7 |f|, which is large against a small margin.
    func labelsAndMargins(_ x: Tensor) -> (labels: [Int], margins: [[Double]]) {
        guard let last = finalLinear else {
            let logits = graph.evaluate(x, at: self.logits)
            let labels = argmaxLabels(logits), k = logits.sampleSize
            return (labels, labels.enumerated().map { n, c in
                (0..<k).map { Double(logits.data[n * k + c]) - Double(logits.data[n * k + $0]) }
            })
        }
        let h = graph.evaluate(x, at: node(self.logits).inputs[0])
        let labels = argmaxLabels(last.forward([h]))
        let d = last.inFeatures, k = last.outFeatures
        return (labels, labels.enumerated().map { n, c in
            (0..<k).map { j in
                var m = Double(last.bias?[c] ?? 0) - Double(last.bias?[j] ?? 0)
                for i in 0..<d { m += (Double(last.weight[c * d + i]) - Double(last.weight[j * d + i])) * Double(h.data[n * d + i]) }
                return m
            }
        })
    }
}
