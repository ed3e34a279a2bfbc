import CeilingEngine
@testable import CeilingScience

/// A linear classifier x -> W x + b on [d] inputs, with the closed-form distance from x to the
/// boundary of its decision region: min over k != c of (f_c - f_k) / ||w_c - w_k||; with a
/// margin tau, the distance to where another class beats c by tau (the attacks' `MarginRule`):
/// min over k != c of (f_c - f_k + tau) / ||w_c - w_k||.
struct LinearClassifier {
    let weight: [Float]
    let bias: [Float]
    let inputs: Int, classes: Int

    init(inputs: Int, classes: Int, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        self.inputs = inputs
        self.classes = classes
        weight = (0..<(inputs * classes)).map { _ in Float(rng.gaussian()) }
        bias = (0..<classes).map { _ in Float(rng.gaussian()) }
    }

    var graph: Graph {
        var b = GraphBuilder(inputShape: [inputs])
        b.add("fc", Linear(weight: weight, bias: bias, inFeatures: inputs, outFeatures: classes))
        return try! b.build()
    }

    func distance(_ x: ArraySlice<Float>, margin: Double = 0) -> Double {
        let logits = (0..<classes).map { k in
            Double(bias[k]) + (0..<inputs).reduce(0.0) { $0 + Double(weight[k * inputs + $1]) * Double(x[x.startIndex + $1]) }
        }
        let c = logits.indices.max { logits[$0] < logits[$1] }!
        return (0..<classes).filter { $0 != c }.map { k in
            let norm = (0..<inputs).reduce(0.0) { acc, i in
                let w = Double(weight[c * inputs + i] - weight[k * inputs + i])
                return acc + w * w
            }.squareRoot()
            return (logits[c] - logits[k] + margin) / norm
        }.min()!
    }
}

/// The margin the attacks' rule requires at each sample of `points`, for a map to logits.
func requiredMargins(_ map: any DifferentiableMap, at points: Tensor) -> [Double] {
    let logits = map(points), k = logits.sampleSize
    return (0..<logits.batch).map { n in Double(MarginRule.required(logits.data[(n * k)..<((n + 1) * k)])) }
}

/// The identity generator on R^d.
func identityGenerator(_ d: Int) -> Graph {
    var weight = [Float](repeating: 0, count: d * d)
    for i in 0..<d { weight[i * d + i] = 1 }
    var b = GraphBuilder(inputShape: [d])
    b.add("identity", Linear(weight: weight, bias: nil, inFeatures: d, outFeatures: d))
    return try! b.build()
}
