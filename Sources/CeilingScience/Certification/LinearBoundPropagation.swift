import CeilingEngine

/// Linear bound propagation over the L2 ball B(x, eps) (CROWN-style, DESIGN §8), for networks
/// of linear, convolution, batch norm / affine, average pooling, resize, reshape, residual
/// addition, ReLU and max pooling layers.
///
/// 1. Bounds on every value over the ball: a value that is still an affine function A x + a of
///    the input gets the exact bounds A x + a -/+ eps ||A_i||_2 per element (the row norms are
///    computed once, from vector-Jacobian products with unit vectors); later values get interval
///    bounds (centre through the layer, half-widths through |A|; ReLU and max pooling are
///    monotone, additions add).
/// 2. A backward pass for the margins f_c - f_j, all j at once: through linear layers by their
///    vector-Jacobian product, collecting their constant terms; through a ReLU whose input lies
///    in [l, u] with l < 0 < u by its linear relaxation (upper: u (z - l) / (u - l), lower: z when
///    u > -l, else 0), picking for each coefficient the side that keeps the bound below the
///    margin; through max pooling by y >= x_i* (i* the window's largest lower bound) and
///    y <= max_i u_i (y = x_i* exactly when l_i* is at least every other u_i).
///    The result: f_c - f_j >= a_j - eps' ||lambda_j||_2 on B(x, eps') for every eps' <= eps.
/// 3. The radius: each evaluation at eps certifies min(eps, min_j a_j / ||lambda_j||), and a
///    geometric bisection on eps (starting from the linearised distance at eps = 0) keeps the
///    largest. Exact for linear classifiers.
/// The arithmetic runs in Float32 like the network itself (sums in Double); the attacks' margin
/// rule (1e-4 of the logit scale) is far above that rounding.
struct LinearBoundPropagation: Sendable {
    let network: CertifiedNetwork
    /// affine[v]: value v is an affine function of the input.
    let affine: [Bool]
    /// ||A_i||_2 of the affine values some non-affine layer reads (the input: all ones).
    let rowNorms: [Int: [Float]]
    /// |A| of each unary linear layer that reads a non-affine value.
    let magnitudes: [Int: any NetworkOperation]
    /// The constant term op(0) of each unary linear layer, one sample.
    let constants: [Int: [Float]]
    /// Max-pooling windows per plane.
    let windows: [Int: [[Int]]]
    /// Bisection: stop when the bracket's ratio is within 1 + this, or after `evaluations`.
    let tolerance = 1e-3
    let evaluations = 24

    init(_ network: CertifiedNetwork) throws(CertificationError) {
        self.network = network
        let graph = network.graph
        guard network.logits > 0 else { throw .notApplicable("linear bound propagation needs at least one layer; these logits are the input") }
        var affine = [Bool](repeating: false, count: graph.nodes.count + 1)
        affine[0] = true
        var magnitudes = [Int: any NetworkOperation](), constants = [Int: [Float]](), windows = [Int: [[Int]]]()
        for v in 1...network.logits where network.needed[v] {
            let node = network.node(v)
            let op = node.operation
            if LipschitzCertificate.isUnaryLinear(op) {
                affine[v] = affine[node.inputs[0]]
                if !affine[v] {
                    guard let magnitude = Graph.magnitude(of: op) else {
                        throw .notApplicable("linear bound propagation has no magnitude for layer '\(node.name)' (\(op.kind))")
                    }
                    magnitudes[v] = magnitude
                }
                constants[v] = op.forward([Tensor(zeros: [1] + graph.shape(of: node.inputs[0]))]).data
            } else if op is Add {
                affine[v] = node.inputs.allSatisfy { affine[$0] }
            } else if let activation = op as? Activation, activation.function == .relu {
                continue
            } else if let pool = op as? MaxPool2d {
                let shape = graph.shape(of: node.inputs[0])
                windows[v] = pool.windows(height: shape[1], width: shape[2])
            } else {
                throw .notApplicable("linear bound propagation has no relaxation for layer '\(node.name)' (\(op.kind)); it covers linear, convolution, batch norm, pooling, resize, reshape, addition and ReLU layers")
            }
        }
        self.affine = affine
        self.magnitudes = magnitudes
        self.constants = constants
        self.windows = windows
        // Row norms where an affine value meets a non-affine reader.
        var norms = [Int: [Float]]()
        for v in 1...network.logits where network.needed[v] && !affine[v] {
            for u in network.node(v).inputs where affine[u] && norms[u] == nil {
                norms[u] = Self.rowNorms(graph, at: u)
            }
        }
        rowNorms = norms
    }

    /// ||A_i||_2 for every element i of the affine value `at`: one vector-Jacobian product per
    /// element, in chunks.
    private static func rowNorms(_ graph: Graph, at value: Int) -> [Float] {
        let shape = graph.shape(of: value)
        let size = shape.reduce(1, *)
        guard value > 0 else { return [Float](repeating: 1, count: size) }
        let trace = graph.trace(Tensor(zeros: [1] + graph.inputShape), until: value)
        let inputSize = graph.inputShape.reduce(1, *)
        let chunk = max(1, min(size, 1 << 22 / max(inputSize, size)))
        var norms = [Float](repeating: 0, count: size)
        var start = 0
        while start < size {
            let count = min(chunk, size - start)
            var basis = Tensor(zeros: [count] + shape)
            for r in 0..<count { basis.data[r * size + start + r] = 1 }
            let rows = graph.vjp(trace, cotangent: basis, at: value)
            for r in 0..<count {
                var s = 0.0
                for i in 0..<inputSize { let a = Double(rows.data[r * inputSize + i]); s += a * a }
                norms[start + r] = Float(s.squareRoot())
            }
            start += count
        }
        return norms
    }

    func bounds(x: Tensor, margins: [[Double]], labels: [Int]) -> [PointBound] {
        (0..<labels.count).map { n in
            let point = x.samples(n..<(n + 1))
            let trace = network.graph.trace(point, until: network.logits)
            return radius(trace: trace, point: point.data, label: labels[n], smallestMargin: margins[n].enumerated().filter { $0.offset != labels[n] }.map(\.element).min() ?? .infinity)
        }
    }

    /// The largest certified radius found by the bisection at one point.
    private func radius(trace: Graph.Trace, point: [Float], label: Int, smallestMargin: Double) -> PointBound {
        let linearised = certifiable(at: 0, trace: trace, point: point, label: label)
        var best = 0.0
        var eps = linearised
        var low = 0.0, high = Double.infinity
        if eps.isFinite && eps > 0 {
            for _ in 0..<evaluations {
                let q = certifiable(at: eps, trace: trace, point: point, label: label)
                best = max(best, min(eps, max(q, 0)))
                if q >= eps { low = eps } else { high = eps }
                if high.isFinite && low > 0 && high / low <= 1 + tolerance { break }
                if !high.isFinite { eps *= 2 } else if low > 0 { eps = (low * high).squareRoot() } else { eps = q > 0 && q < eps ? q : eps / 4 }
            }
        } else if linearised == .infinity {
            best = .infinity
        }
        return PointBound(radius: best, margin: smallestMargin, constant: best > 0 ? smallestMargin / best : .infinity)
    }

    /// min_j a_j / ||lambda_j|| for the relaxation on B(x, eps): the radius the bound at eps
    /// certifies when it is at most eps (0 when some a_j <= 0).
    private func certifiable(at eps: Double, trace: Graph.Trace, point: [Float], label: Int) -> Double {
        let (lower, upper) = intervals(eps: Float(eps), trace: trace)
        let (coefficients, constant) = backward(label: label, trace: trace, lower: lower, upper: upper)
        let size = point.count
        var result = Double.infinity
        for r in constant.indices {
            var a = constant[r], b = 0.0
            for i in 0..<size {
                let l = Double(coefficients.data[r * size + i])
                a += l * Double(point[i])
                b += l * l
            }
            guard a > 0 else { return 0 }
            if b > 0 { result = min(result, a / b.squareRoot()) }
        }
        return result
    }

    /// Elementwise bounds of every value a relaxation or a later interval needs, over B(x, eps).
    private func intervals(eps: Float, trace: Graph.Trace) -> (lower: [Int: [Float]], upper: [Int: [Float]]) {
        var lower = [Int: [Float]](), upper = [Int: [Float]]()
        for (u, norms) in rowNorms {
            let centre = trace.value(u).data
            lower[u] = zip(centre, norms).map { $0 - eps * $1 }
            upper[u] = zip(centre, norms).map { $0 + eps * $1 }
        }
        let graph = network.graph
        for v in 1..<network.logits where network.needed[v] && !affine[v] {
            let node = network.node(v)
            let shape = [1] + graph.shape(of: v)
            let op = node.operation
            let l0 = lower[node.inputs[0]]!, u0 = upper[node.inputs[0]]!
            if let magnitude = magnitudes[v] {
                let inputShape = [1] + graph.shape(of: node.inputs[0])
                let mid = Tensor(shape: inputShape, data: zip(l0, u0).map { ($0 + $1) / 2 })
                let half = Tensor(shape: inputShape, data: zip(l0, u0).map { max(($1 - $0) / 2, 0) })
                let centre = op.forward([mid]).data, spread = magnitude.forward([half]).data
                lower[v] = zip(centre, spread).map { $0 - $1 }
                upper[v] = zip(centre, spread).map { $0 + $1 }
            } else if op is Add {
                let l1 = lower[node.inputs[1]]!, u1 = upper[node.inputs[1]]!
                lower[v] = zip(l0, l1).map { $0 + $1 }
                upper[v] = zip(u0, u1).map { $0 + $1 }
            } else if op is MaxPool2d {
                let inputShape = [1] + graph.shape(of: node.inputs[0])
                lower[v] = op.forward([Tensor(shape: inputShape, data: l0)]).data
                upper[v] = op.forward([Tensor(shape: inputShape, data: u0)]).data
            } else {
                lower[v] = l0.map { max($0, 0) }
                upper[v] = u0.map { max($0, 0) }
            }
            precondition(lower[v]!.count == shape.reduce(1, *))
        }
        return (lower, upper)
    }

    /// Coefficients on the input and constants of the lower bounds of f_c - f_j, j != c (in
    /// class order), given the bounds of every value.
    private func backward(label c: Int, trace: Graph.Trace, lower: [Int: [Float]], upper: [Int: [Float]]) -> (Tensor, [Double]) {
        let graph = network.graph
        let classes = graph.shape(of: network.logits).reduce(1, *)
        let others = (0..<classes).filter { $0 != c }
        let directions = others.count
        var lambda = [Int: Tensor]()
        var start = Tensor(zeros: [directions, classes])
        for (r, j) in others.enumerated() {
            start.data[r * classes + c] = 1
            start.data[r * classes + j] -= 1
        }
        lambda[network.logits] = start
        var constant = [Double](repeating: 0, count: directions)
        func add(_ g: Tensor, to u: Int) {
            if let existing = lambda[u] { lambda[u] = Tensor(shape: g.shape, data: zip(existing.data, g.data).map { $0 + $1 }) } else { lambda[u] = g }
        }
        for v in stride(from: network.logits, through: 1, by: -1) {
            guard let coefficients = lambda.removeValue(forKey: v) else { continue }
            let node = network.node(v)
            let op = node.operation
            let size = coefficients.sampleSize
            if let bias = constants[v] {
                for r in 0..<directions {
                    var s = 0.0
                    for i in 0..<size { s += Double(coefficients.data[r * size + i]) * Double(bias[i]) }
                    constant[r] += s
                }
                add(op.vjp(coefficients, inputs: [trace.value(node.inputs[0])], output: trace.value(v))[0], to: node.inputs[0])
            } else if op is Add {
                for u in node.inputs { add(coefficients, to: u) }
            } else if let planes = windows[v] {
                let u = node.inputs[0]
                let l = lower[u]!, up = upper[u]!
                let inputShape = graph.shape(of: u)
                let inputSize = inputShape.reduce(1, *), inPlane = inputShape[1] * inputShape[2]
                let outPlane = planes.count
                var g = Tensor(zeros: [directions] + inputShape)
                for channel in 0..<inputShape[0] {
                    for (o, window) in planes.enumerated() {
                        let offset = channel * inPlane
                        var star = window[0]
                        for i in window where l[offset + i] > l[offset + star] { star = i }
                        var othersUpper = -Float.infinity, allUpper = -Float.infinity
                        for i in window {
                            allUpper = max(allUpper, up[offset + i])
                            if i != star { othersUpper = max(othersUpper, up[offset + i]) }
                        }
                        let exact = l[offset + star] >= othersUpper
                        let out = channel * outPlane + o
                        for r in 0..<directions {
                            let w = coefficients.data[r * size + out]
                            if w >= 0 || exact {
                                g.data[r * inputSize + offset + star] += w
                            } else {
                                constant[r] += Double(w) * Double(allUpper)
                            }
                        }
                    }
                }
                add(g, to: u)
            } else {
                // ReLU.
                let u = node.inputs[0]
                let l = lower[u]!, up = upper[u]!
                var g = coefficients
                for i in 0..<size {
                    if l[i] >= 0 { continue }
                    if up[i] <= 0 {
                        for r in 0..<directions { g.data[r * size + i] = 0 }
                        continue
                    }
                    let slope = up[i] / (up[i] - l[i])
                    let lowerSlope: Float = up[i] > -l[i] ? 1 : 0
                    for r in 0..<directions {
                        let w = coefficients.data[r * size + i]
                        if w >= 0 {
                            g.data[r * size + i] = w * lowerSlope
                        } else {
                            g.data[r * size + i] = w * slope
                            constant[r] += Double(w) * Double(-slope * l[i])
                        }
                    }
                }
                add(g, to: u)
            }
        }
        return (lambda[0] ?? Tensor(zeros: [directions] + graph.inputShape), constant)
    }
}
