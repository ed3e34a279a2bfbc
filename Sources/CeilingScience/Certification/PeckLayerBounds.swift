import CeilingEngine
import Foundation

/// Peck et al. (2017)'s layer-wise lower bounds, worked backwards from the logits: kappa for the
/// last (softmax) layer's input is min_j |m_j| / ||w_c - w_j|| (their Theorem A.3), and each
/// earlier layer turns the radius kappa its output needs into a radius for its input.
///
/// As published (`published`):
/// - fully connected h(y) = sigma(V y + b) with n outputs: their eq. (1),
///   (sqrt(||J||^2 + 2 M sqrt(n) kappa) - ||J||) / (M sqrt(n)), with J the Jacobian of h at the
///   point and M a bound on h's second derivatives, read from their Theorem A.5 as
///   sup |sigma''| * max_ik v_ik^2. For ReLU (and leaky ReLU) sigma'' = 0 wherever it exists,
///   so M = 0 and the step is the limit kappa / ||J(x)||: a local linearisation, not a proof;
/// - convolution (their Theorem 4.2): kappa / ||W||_F, with ||W||_F the kernel tensor's Frobenius
///   norm, which is below the convolution's operator norm when windows overlap;
/// - max or average pooling with a t x t output (Theorem 4.4): kappa / t.
/// With operator norms (`operatorNorm`), each layer divides by its own certified Lipschitz
/// constant instead: ||V||_2 times the activation's constant, the convolution's operator norm
/// (power iteration on the layer's input shape, with `LipschitzCertificate.defaultMargin`),
/// sqrt(c) for max pooling whose windows cover a position at most c times, the average
/// pooling's operator norm. Both variants divide by max |scale| for a batch norm or glue affine
/// map and by the operator norm for a resize or transposed convolution (layers the paper does
/// not treat), leave reshapes alone and divide standalone activations by their constant.
/// Only chains are covered: the paper's framework has no residual additions.
struct PeckLayerBounds: Sendable {
    /// One backward step: published divisor (or the fully connected layer's data), sound divisor.
    enum Step: Sendable {
        case divide(published: Double, sound: Double)
        /// A fully connected layer: the linear node's value (its pre-activations), its weights,
        /// the activation after it (nil: none) and the sound divisor.
        case fullyConnected(value: Int, linear: Linear, activation: Activation.Function?, sound: Double)
    }

    let network: CertifiedNetwork
    let rowDifferences: [[Double]]
    /// Steps from the last layer's input back to the network's input.
    let steps: [Step]
    let seed: UInt64

    init(_ network: CertifiedNetwork, seed: UInt64) throws(CertificationError) {
        self.network = network
        self.seed = seed
        guard let chain = network.chain else {
            throw .notApplicable("Peck et al.'s layer-wise bounds cover chains of layers; this network has branches (residual additions)")
        }
        guard network.finalLinear != nil else {
            throw .notApplicable("Peck et al.'s bounds start from a final linear (softmax) layer; these logits come from \(network.node(network.logits).operation.kind)")
        }
        rowDifferences = network.rowDifferenceNorms()
        var steps = [Step]()
        var i = chain.count - 2
        while i >= 0 {
            let value = chain[i]
            let node = network.node(value)
            let inputShape = network.graph.shape(of: node.inputs[0])
            let op = node.operation
            if let activation = op as? Activation, i >= 1, let linear = network.node(chain[i - 1]).operation as? Linear {
                let norm = Self.operatorNorm(linear, inputShape: [linear.inFeatures], seed: seed &+ UInt64(i))
                let lipschitz = try Self.constant(op, node: node, inputShape: inputShape)
                steps.append(.fullyConnected(value: chain[i - 1], linear: linear, activation: activation.function, sound: norm * lipschitz))
                i -= 2
                continue
            }
            switch op {
            case let linear as Linear:
                let norm = Self.operatorNorm(linear, inputShape: inputShape, seed: seed &+ UInt64(i))
                steps.append(.fullyConnected(value: value, linear: linear, activation: nil, sound: norm))
            case let conv as Conv2d:
                let frobenius = conv.weight.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
                steps.append(.divide(published: frobenius, sound: Self.operatorNorm(conv, inputShape: inputShape, seed: seed &+ UInt64(i))))
            case is MaxPool2d, is AvgPool2d:
                let outputShape = network.graph.shape(of: value)
                let t = Double(outputShape[1] * outputShape[2]).squareRoot()
                let sound: Double
                if op is MaxPool2d {
                    sound = try Self.constant(op, node: node, inputShape: inputShape)
                } else {
                    sound = Self.operatorNorm(op, inputShape: inputShape, seed: seed &+ UInt64(i))
                }
                steps.append(.divide(published: t, sound: sound))
            case let affine as ChannelAffine:
                let norm = affine.scale.reduce(0.0) { max($0, abs(Double($1))) }
                steps.append(.divide(published: norm, sound: norm))
            case is Reshape:
                break
            case is ConvTranspose2d, is ResizeBilinear:
                let norm = Self.operatorNorm(op, inputShape: inputShape, seed: seed &+ UInt64(i))
                steps.append(.divide(published: norm, sound: norm))
            case is Activation:
                let constant = try Self.constant(op, node: node, inputShape: inputShape)
                steps.append(.divide(published: constant, sound: constant))
            default:
                throw .notApplicable("Peck et al.'s bounds have no step for layer '\(node.name)' (\(op.kind))")
            }
            i -= 1
        }
        self.steps = steps
    }

    /// The operator norm of one linear layer on its input shape, by power iteration, with the
    /// certificate's margin.
    static func operatorNorm(_ op: any NetworkOperation, inputShape: [Int], seed: UInt64) -> Double {
        var builder = GraphBuilder(inputShape: inputShape)
        builder.add("layer", op)
        guard let map = try? builder.build() else { return .infinity }
        return PowerIteration.norm(of: map, tolerance: 1e-7, maxIterations: 2000, seed: seed).norm * (1 + LipschitzCertificate.defaultMargin)
    }

    /// The Lipschitz constant of a nonlinear layer.
    private static func constant(_ op: any NetworkOperation, node: Graph.Node, inputShape: [Int]) throws(CertificationError) -> Double {
        do {
            return try LipschitzCertificate.nonlinearConstant(op, node: node, inputShape: inputShape)
        } catch {
            throw .notApplicable(error.description)
        }
    }

    /// sup |sigma''| for the activations with a bounded second derivative; 0 where it vanishes
    /// wherever it exists (ReLU, leaky ReLU).
    private static func secondDerivativeBound(_ function: Activation.Function?) -> Double {
        switch function {
        case nil, .relu, .leakyReLU: 0
        case .tanh: 4 / (3 * 3.0.squareRoot())
        case .sigmoid: 1 / (6 * 3.0.squareRoot())
        case .elu(let alpha): abs(Double(alpha))
        }
    }

    /// Published and operator-norm bounds for each point.
    func bounds(x: Tensor, margins: [[Double]], labels: [Int]) -> (published: [PointBound], operatorNorm: [PointBound]) {
        let trace = network.graph.trace(x, until: network.logits)
        var published = [PointBound](), sound = [PointBound]()
        for (n, c) in labels.enumerated() {
            let last = PointBound.smallestQuotient(margins: margins[n], constants: rowDifferences[c], label: c)
            var kappa = last.radius, kappaSound = last.radius
            for step in steps {
                switch step {
                case .divide(let p, let s):
                    kappa /= p
                    kappaSound /= s
                case .fullyConnected(let value, let linear, let activation, let s):
                    kappaSound /= s
                    kappa = fullyConnected(kappa, pre: trace.value(value), sample: n, linear: linear, activation: activation)
                }
            }
            published.append(PointBound(radius: kappa, margin: last.margin, constant: last.margin / kappa))
            sound.append(PointBound(radius: kappaSound, margin: last.margin, constant: last.margin / kappaSound))
        }
        return (published, sound)
    }

    /// Peck et al.'s eq. (1) at sample n: the Jacobian of sigma(V y + b) is diag(sigma'(pre)) V.
    private func fullyConnected(_ kappa: Double, pre: Tensor, sample n: Int, linear: Linear, activation: Activation.Function?) -> Double {
        let rows = linear.outFeatures, d = linear.inFeatures
        var weight = linear.weight
        if let activation {
            for r in 0..<rows {
                let p = Double(pre.data[n * rows + r])
                let slope: Double = switch activation {
                case .relu: p > 0 ? 1 : 0
                case .leakyReLU(let s): p > 0 ? 1 : Double(s)
                case .tanh: 1 - Foundation.tanh(p) * Foundation.tanh(p)
                case .sigmoid: { let s = 1 / (1 + exp(-p)); return s * (1 - s) }()
                case .elu(let alpha): p > 0 ? 1 : Double(alpha) * exp(p)
                }
                for i in 0..<d { weight[r * d + i] = Float(Double(weight[r * d + i]) * slope) }
            }
        }
        let jacobian = Self.operatorNorm(Linear(weight: weight, bias: nil, inFeatures: d, outFeatures: rows), inputShape: [d], seed: seed)
            / (1 + LipschitzCertificate.defaultMargin)
        let m = Self.secondDerivativeBound(activation) * linear.weight.reduce(0.0) { max($0, Double($1) * Double($1)) }
        guard m > 0 else { return kappa / jacobian }
        let scaled = m * Double(rows).squareRoot()
        return ((jacobian * jacobian + 2 * scaled * kappa).squareRoot() - jacobian) / scaled
    }
}
