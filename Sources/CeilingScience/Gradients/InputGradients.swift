import CeilingEngine
import Foundation

/// Input-gradient statistics of a classifier at given points (Simon-Gabriel et al. 2019, DESIGN
/// §9): the gradient of the cross-entropy loss at the predicted label c, g = J^T (softmax(f) - e_c),
/// in the l1, l2 and l-infinity norms, and the first-order robustness prediction
/// min over j != c of (f_c - f_j) / ||grad (f_c - f_j)||_2, the distance to the linearised
/// boundary (DeepFool's first step, exact for a linear classifier).
///
/// Both come from the same K class gradients per point (one backward pass with K cotangents), in
/// fixed chunks of points so that memory stays bounded and results do not depend on threads.
public struct InputGradients: Sendable {
    /// Per point: ||g||_1, ||g||_2, ||g||_inf of the loss gradient.
    public let l1: [Double], l2: [Double], lInfinity: [Double]
    /// Per point: the first-order prediction of the distance to the decision boundary.
    public let firstOrderRobustness: [Double]
    /// Input dimension d (||g||_1 / d is the mean per-coordinate magnitude).
    public let dimension: Int

    public static let pointsPerPass = 32

    public init(classifier: any DifferentiableMap, at x: Tensor) {
        let d = x.sampleSize, k = classifier.outputSize
        var l1 = [Double](), l2 = [Double](), lInfinity = [Double](), firstOrder = [Double]()
        var first = 0
        while first < x.batch {
            let rows = Array(first..<min(x.batch, first + Self.pointsPerPass))
            let grads = ClassGradients(map: classifier, at: gather(x, rows), classes: Array(repeating: Array(0..<k), count: rows.count))
            for j in rows.indices {
                let logits = (0..<k).map { grads.logit(j, $0) }
                let (c, weights) = Self.lossCotangent(logits)
                let top = logits[c]
                var loss = [Double](repeating: 0, count: d)
                for label in 0..<k {
                    let g = grads.gradient(j, label)
                    for i in 0..<d { loss[i] += weights[label] * Double(g[g.startIndex + i]) }
                }
                l1.append(loss.reduce(0) { $0 + abs($1) })
                l2.append(loss.reduce(0) { $0 + $1 * $1 }.squareRoot())
                lInfinity.append(loss.reduce(0) { max($0, abs($1)) })
                let gc = grads.gradient(j, c)
                var nearest = Double.infinity
                for other in 0..<k where other != c {
                    let go = grads.gradient(j, other)
                    var norm = 0.0
                    for i in 0..<d {
                        let w = Double(gc[gc.startIndex + i]) - Double(go[go.startIndex + i])
                        norm += w * w
                    }
                    if norm > 0 { nearest = min(nearest, (top - logits[other]) / norm.squareRoot()) }
                }
                firstOrder.append(nearest)
            }
            first += rows.count
        }
        self.l1 = l1
        self.l2 = l2
        self.lInfinity = lInfinity
        self.firstOrderRobustness = firstOrder
        dimension = d
    }
}

extension InputGradients {
    /// The predicted label c and the derivative of the cross-entropy at c with respect to the
    /// logits, softmax(f) - e_c: the loss gradient is J^T of it.
    static func lossCotangent(_ logits: [Double]) -> (label: Int, weights: [Double]) {
        let c = logits.indices.max { logits[$0] < logits[$1] }!
        let exps = logits.map { exp($0 - logits[c]) }
        let total = exps.reduce(0, +)
        return (c, exps.indices.map { exps[$0] / total - ($0 == c ? 1 : 0) })
    }

    /// Only ||g||_1 and ||g||_2 of the loss gradient and the fraction of its coordinates that are
    /// not zero (the input pixels the gradient reaches), per point: one backward pass with one
    /// cotangent per point, K times cheaper than the full statistics, for experiments that draw
    /// many networks and need nothing else. Same fixed chunks, so threads change nothing.
    public static func lossGradientNorms(classifier: any DifferentiableMap, at x: Tensor) -> (l1: [Double], l2: [Double], support: [Double]) {
        var l1 = [Double](), l2 = [Double](), support = [Double]()
        var first = 0
        while first < x.batch {
            let rows = Array(first..<min(x.batch, first + pointsPerPass))
            let linear = classifier.linearize(gather(x, rows))
            let k = linear.value.sampleSize
            var cotangent = Tensor(zeros: [rows.count, k])
            for j in rows.indices {
                let weights = lossCotangent((0..<k).map { Double(linear.value.data[j * k + $0]) }).weights
                for label in 0..<k { cotangent.data[j * k + label] = Float(weights[label]) }
            }
            let g = linear.vjp(cotangent), d = g.sampleSize
            for j in rows.indices {
                let values = g.data[(j * d)..<((j + 1) * d)]
                l1.append(values.reduce(0) { $0 + abs(Double($1)) })
                l2.append(values.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot())
                support.append(Double(values.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }) / Double(d))
            }
            first += rows.count
        }
        return (l1, l2, support)
    }
}
