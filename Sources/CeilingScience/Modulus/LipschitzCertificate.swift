import CeilingEngine
import Foundation

/// A certified global Lipschitz constant of a network, from per-layer operator norms (the
/// spectral analysis of Szegedy et al. 2014): ||g(z) - g(z')|| <= L ||z - z'|| for every z, z'.
///
/// ## Propagation through the graph
/// Each value v gets a bound L_v on the Lipschitz constant of input -> v, in graph order:
/// - the input: 1;
/// - a run of unary linear operations (linear, convolutions, transposed convolutions, batch
///   norm / affine maps, average pooling, bilinear resizing, reshapes) whose intermediate values
///   feed nothing else: the operator norm of their composition times the bound of the run's
///   input. A batch norm that follows a convolution is thus folded into it, which is tighter than
///   multiplying the two norms. The norm is found by power iteration (`PowerIteration`) on the
///   layer's actual input shape, then multiplied by (1 + margin) to cover the iteration's
///   approach from below and Float32 rounding; a lone affine map's norm is max |scale| and a lone
///   reshape's 1, exactly;
/// - an activation: its Lipschitz constant times its input's bound: ReLU, tanh and leaky ReLU
///   with |slope| <= 1 give 1 (|slope| when larger), the sigmoid 1/4 (its derivative's maximum),
///   ELU max(1, alpha);
/// - max pooling: 1 when windows do not overlap; otherwise sqrt(c) with c the largest number of
///   windows covering one input (each output moves by at most the largest change in its window,
///   so the squared output change is at most c times the squared input change);
/// - an addition: the sum of its inputs' bounds;
/// - softmax: 1 (its Jacobian diag(p) - p p^T has norm at most 1); log-softmax: 1 + sqrt(K)
///   (its Jacobian is I - 1 p^T).
/// The product rule and the triangle inequality make each bound valid; the margin makes the
/// numerical norms upper bounds in practice (power iteration cannot prove an upper bound; a
/// layer that did not converge within the iteration cap is flagged).
public struct LipschitzCertificate: Sendable {
    /// One factor of the bound: a (possibly folded) linear layer, an activation or a pooling.
    public struct Factor: Sendable, Equatable {
        /// The graph nodes it covers, in order.
        public let nodes: [String]
        /// Their operation kinds.
        public let kinds: [String]
        /// The per-sample input shape.
        public let inputShape: [Int]
        /// Its operator norm or Lipschitz constant (margin included for power iteration).
        public let norm: Double
        public let method: Method

        public var name: String { nodes.joined(separator: " + ") }
        public var kind: String { kinds.joined(separator: " + ") }
    }

    /// How a factor's value was obtained.
    public enum Method: Sendable, Equatable {
        /// Power iteration: iterations used and whether the relative change met the tolerance.
        case powerIteration(iterations: Int, converged: Bool)
        /// A closed form (max |scale| of an affine map, 1 for a reshape).
        case exact
        /// A known Lipschitz constant of a nonlinearity.
        case nonlinearity
    }

    /// Every factor, in graph order.
    public let factors: [Factor]
    /// The certified constant of the graph's output with respect to its input.
    public let constant: Double
    /// The relative margin applied to power-iteration norms.
    public let margin: Double
    /// Whether every power iteration met its tolerance.
    public var converged: Bool {
        factors.allSatisfy { if case .powerIteration(_, let ok) = $0.method { ok } else { true } }
    }

    /// The default relative margin: a few orders of magnitude above Float32 rounding (1e-6) and
    /// the convergence tolerance (1e-7), small enough to leave the bound tight.
    public static let defaultMargin = 1e-4

    /// Certifies `graph` from its input to value `at` (default: its output).
    /// - Throws: `ModulusError.uncertifiable` for an operation with no known constant, and
    ///   `.invalidSetting` for a margin or tolerance out of range.
    public init(_ graph: Graph, at: Int? = nil, margin: Double = defaultMargin, tolerance: Double = 1e-7,
                maxIterations: Int = 2000, seed: UInt64 = 0) throws(ModulusError) {
        let output = at ?? graph.output
        guard output >= 0, output <= graph.nodes.count else { throw .invalidSetting("value \(output) is not in the graph") }
        guard margin >= 0, margin.isFinite else { throw .invalidSetting("the margin must be finite and non-negative (got \(margin))") }
        guard tolerance > 0, maxIterations >= 1 else { throw .invalidSetting("power iteration needs a positive tolerance and at least one iteration") }
        self.margin = margin

        // Only the output's ancestors matter.
        var needed = [Bool](repeating: false, count: graph.nodes.count + 1)
        needed[output] = true
        for v in stride(from: output, through: 1, by: -1) where needed[v] {
            for u in graph.nodes[v - 1].inputs { needed[u] = true }
        }
        var consumers = [[Int]](repeating: [], count: graph.nodes.count + 1)
        for (i, node) in graph.nodes.enumerated() where needed[i + 1] && i + 1 <= output {
            for u in node.inputs { consumers[u].append(i + 1) }
        }

        var bound = [Double?](repeating: nil, count: graph.nodes.count + 1)
        bound[0] = 1
        // Runs of linear operations not yet closed: value -> (run input, node indices).
        var pending = [Int: (base: Int, nodes: [Int])]()
        var factors = [Factor]()

        for (i, node) in graph.nodes.enumerated() where needed[i + 1] && i + 1 <= output {
            let v = i + 1
            let op = node.operation
            if Self.isUnaryLinear(op) {
                let u = node.inputs[0]
                var run = pending.removeValue(forKey: u) ?? (base: u, nodes: [])
                run.nodes.append(i)
                let absorbed = v != output && consumers[v].count == 1
                    && Self.isUnaryLinear(graph.nodes[consumers[v][0] - 1].operation)
                if absorbed {
                    pending[v] = run
                } else {
                    let factor = try Self.linearFactor(graph, base: run.base, nodes: run.nodes, margin: margin, tolerance: tolerance,
                                                       maxIterations: maxIterations, seed: seed &+ UInt64(factors.count))
                    factors.append(factor)
                    bound[v] = factor.norm * bound[run.base]!
                }
                continue
            }
            let inputBounds = node.inputs.map { bound[$0]! }
            if op is Add {
                bound[v] = inputBounds.reduce(0, +)
                continue
            }
            let constant = try Self.nonlinearConstant(op, node: node, inputShape: graph.shape(of: node.inputs[0]))
            factors.append(Factor(nodes: [node.name], kinds: [op.kind], inputShape: graph.shape(of: node.inputs[0]),
                                  norm: constant, method: .nonlinearity))
            bound[v] = constant * inputBounds[0]
        }
        self.factors = factors
        self.constant = bound[output]!
    }

    /// Operations that are linear maps of their single input (up to a constant shift).
    static func isUnaryLinear(_ op: any NetworkOperation) -> Bool {
        op is Linear || op is Conv2d || op is ConvTranspose2d || op is ChannelAffine
            || op is AvgPool2d || op is ResizeBilinear || op is Reshape
    }

    /// The norm of the composition of `nodes` (unary linear operations reading `base`).
    private static func linearFactor(_ graph: Graph, base: Int, nodes: [Int], margin: Double, tolerance: Double,
                                     maxIterations: Int, seed: UInt64) throws(ModulusError) -> Factor {
        let operations = nodes.map { graph.nodes[$0].operation }
        let names = nodes.map { graph.nodes[$0].name }
        let kinds = operations.map(\.kind)
        let inputShape = graph.shape(of: base)
        let reshapesDropped = operations.filter { !($0 is Reshape) }
        if reshapesDropped.isEmpty {
            return Factor(nodes: names, kinds: kinds, inputShape: inputShape, norm: 1, method: .exact)
        }
        if reshapesDropped.count == 1, let affine = reshapesDropped[0] as? ChannelAffine {
            let norm = affine.scale.reduce(0.0) { max($0, abs(Double($1))) }
            return Factor(nodes: names, kinds: kinds, inputShape: inputShape, norm: norm, method: .exact)
        }
        var builder = GraphBuilder(inputShape: inputShape)
        for (name, op) in zip(names, operations) { builder.add(name, op) }
        let map: Graph
        do {
            map = try builder.build()
        } catch {
            throw .invalidSetting("cannot isolate layer '\(names.joined(separator: " + "))': \(error.description)")
        }
        let result = PowerIteration.norm(of: map, tolerance: tolerance, maxIterations: maxIterations, seed: seed)
        return Factor(nodes: names, kinds: kinds, inputShape: inputShape, norm: result.norm * (1 + margin),
                      method: .powerIteration(iterations: result.iterations, converged: result.converged))
    }

    /// The Lipschitz constant of a nonlinear unary operation.
    static func nonlinearConstant(_ op: any NetworkOperation, node: Graph.Node, inputShape: [Int]) throws(ModulusError) -> Double {
        if let activation = op as? Activation {
            switch activation.function {
            case .relu, .tanh: return 1
            case .leakyReLU(let slope): return max(1, abs(Double(slope)))
            case .sigmoid: return 0.25
            case .elu(let alpha): return max(1, abs(Double(alpha)))
            }
        }
        if let softmax = op as? Softmax {
            return softmax.log ? 1 + Double(inputShape.reduce(1, *)).squareRoot() : 1
        }
        if op is MaxPool2d, let cover = maxPoolCover(op, inputShape: inputShape) {
            return Double(cover).squareRoot()
        }
        throw .uncertifiable(node: node.name, kind: op.kind)
    }

    /// The largest number of max-pooling windows that contain one input position, from the
    /// window geometry (kernel, stride, padding; floor mode), read off the operation's stored
    /// properties. nil when they cannot be read.
    static func maxPoolCover(_ op: any NetworkOperation, inputShape: [Int]) -> Int? {
        guard inputShape.count == 3,
              let pool = Mirror(reflecting: op).children.first(where: { $0.label == "pool" })?.value else { return nil }
        let fields = Dictionary(Mirror(reflecting: pool).children.compactMap { child in
            child.label.flatMap { label in (child.value as? (Int, Int)).map { (label, $0) } }
        }, uniquingKeysWith: { a, _ in a })
        guard let kernel = fields["kernel"], let stride = fields["stride"], let padding = fields["padding"],
              kernel.0 > 0, kernel.1 > 0, stride.0 > 0, stride.1 > 0 else { return nil }
        func cover(_ size: Int, _ k: Int, _ s: Int, _ p: Int) -> Int {
            let outputs = (size + 2 * p - k) / s + 1
            var most = 0
            for position in 0..<size {
                var count = 0
                for o in 0..<max(outputs, 0) {
                    let start = o * s - p
                    if position >= start && position < start + k { count += 1 }
                }
                most = max(most, count)
            }
            return most
        }
        return cover(inputShape[1], kernel.0, stride.0, padding.0) * cover(inputShape[2], kernel.1, stride.1, padding.1)
    }
}
