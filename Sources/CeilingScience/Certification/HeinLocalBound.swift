import CeilingEngine

/// Hein & Andriushchenko's Theorem 2.1 with the local cross-Lipschitz constant of their
/// Proposition 2.2, for f(x) = W relu(U x + b) + c (one hidden layer, reshapes allowed in front)
/// and, degenerately, for a linear classifier f(x) = W x + c, where it is exact.
///
/// For the ball B(x, R), hidden unit r is active somewhere in it only if
/// u_r.x + b_r + R ||u_r|| >= 0 and active everywhere in it if u_r.x + b_r - R ||u_r|| > 0. With
/// beta_rm = (w_jr - w_cr)(w_jm - w_cm) <u_r, u_m>, Proposition 2.2 bounds
/// sup over B(x, R) of ||grad f_c - grad f_j||^2 by the sum of max(beta_rm, 0) over pairs that may
/// be active plus min(beta_rm, 0) over pairs that are surely active. The ReLU's derivative is a
/// step, so the bound is piecewise constant in R; along any segment in the ball the margin is
/// piecewise linear with gradients of those patterns, which is what Theorem 2.1's mean-value
/// argument needs. The radius alpha = max over R of min(min_j m_j / L_j(R), R) is found by
/// bisection on R (L_j grows with R).
struct HeinLocalBound: Sendable {
    /// U (hidden x d) and b; nil for a linear classifier.
    let hidden: (weight: [Double], bias: [Double], rowNorms: [Double], gram: [Double], count: Int)?
    /// W (K x hidden or K x d).
    let output: [Double]
    let classes: Int
    let inputSize: Int
    /// ||w_c - w_j|| of the output layer, for the linear case.
    let rowDifferences: [[Double]]

    init(_ network: CertifiedNetwork) throws(CertificationError) {
        let why = "Hein & Andriushchenko's local bound covers one hidden layer: [reshape,] linear, relu, linear"
        guard let chain = network.chain else { throw .notApplicable("\(why); this network has branches") }
        let layers = chain.map { network.node($0).operation }.filter { !($0 is Reshape) }
        guard let last = layers.last as? Linear else { throw .notApplicable("\(why); its logits are not a linear layer's output") }
        // Reshapes are only allowed before the first linear layer (they do not change norms).
        guard let firstLinear = chain.firstIndex(where: { network.node($0).operation is Linear }),
              chain[firstLinear...].allSatisfy({ !(network.node($0).operation is Reshape) }) else {
            throw .notApplicable("\(why); this one reshapes between its layers")
        }
        output = last.weight.map(Double.init)
        classes = last.outFeatures
        rowDifferences = network.rowDifferenceNorms()
        switch layers.count {
        case 1:
            hidden = nil
            inputSize = last.inFeatures
        case 3:
            guard let first = layers[0] as? Linear, let activation = layers[1] as? Activation, activation.function == .relu else {
                throw .notApplicable("\(why); this one has \(layers.map(\.kind).joined(separator: ", "))")
            }
            let h = first.outFeatures, d = first.inFeatures
            let u = first.weight.map(Double.init)
            var norms = [Double](repeating: 0, count: h), gram = [Double](repeating: 0, count: h * h)
            for r in 0..<h {
                for m in r..<h {
                    var s = 0.0
                    for l in 0..<d { s += u[r * d + l] * u[m * d + l] }
                    gram[r * h + m] = s
                    gram[m * h + r] = s
                }
                norms[r] = gram[r * h + r].squareRoot()
            }
            hidden = (u, first.bias.map { $0.map(Double.init) } ?? [Double](repeating: 0, count: h), norms, gram, h)
            inputSize = d
        default:
            throw .notApplicable("\(why); this one has \(layers.map(\.kind).joined(separator: ", "))")
        }
    }

    func bounds(x: Tensor, margins: [[Double]], labels: [Int]) -> [PointBound] {
        labels.enumerated().map { n, c in
            guard let hidden else {
                return PointBound.smallestQuotient(margins: margins[n], constants: rowDifferences[c], label: c)
            }
            var pre = [Double](repeating: 0, count: hidden.count)
            for r in 0..<hidden.count {
                var s = hidden.bias[r]
                for l in 0..<inputSize { s += hidden.weight[r * inputSize + l] * Double(x.data[n * inputSize + l]) }
                pre[r] = s
            }
            return largestRadius(pre: pre, margins: margins[n], label: c, hidden: hidden)
        }
    }

    /// The best min(quotient(R), R) over a bisection on R.
    private func largestRadius(pre: [Double], margins: [Double], label c: Int,
                               hidden: (weight: [Double], bias: [Double], rowNorms: [Double], gram: [Double], count: Int)) -> PointBound {
        func quotient(_ radius: Double) -> PointBound {
            let h = hidden.count
            let mayBeActive = (0..<h).map { pre[$0] + radius * hidden.rowNorms[$0] >= 0 }
            let active = (0..<h).map { pre[$0] - radius * hidden.rowNorms[$0] > 0 }
            let constants = (0..<classes).map { j -> Double in
                guard j != c else { return 0 }
                let d = (0..<h).map { output[j * h + $0] - output[c * h + $0] }
                var sum = 0.0
                for r in 0..<h where mayBeActive[r] && d[r] != 0 {
                    for m in 0..<h where mayBeActive[m] {
                        let beta = d[r] * d[m] * hidden.gram[r * h + m]
                        if beta > 0 { sum += beta } else if active[r] && active[m] { sum += beta }
                    }
                }
                return max(sum, 0).squareRoot()
            }
            return PointBound.smallestQuotient(margins: margins, constants: constants, label: c)
        }
        // At R = 0 the quotient is the largest; the crossing quotient(R) = R lies below it.
        let start = quotient(0)
        guard start.radius > 0 else { return start }
        guard start.radius.isFinite else { return start }
        var low = 0.0, high = start.radius
        var best = PointBound(radius: 0, margin: start.margin, constant: .infinity)
        let atHigh = quotient(high)
        if atHigh.radius >= high { return PointBound(radius: high, margin: atHigh.margin, constant: atHigh.margin / high) }
        best = atHigh
        for _ in 0..<60 where high - low > 1e-9 * high {
            let mid = (low + high) / 2
            let q = quotient(mid)
            if q.radius >= mid {
                low = mid
                if mid > best.radius { best = PointBound(radius: mid, margin: q.margin, constant: q.margin / mid) }
            } else {
                high = mid
                if q.radius > best.radius { best = q }
            }
        }
        return best
    }
}
