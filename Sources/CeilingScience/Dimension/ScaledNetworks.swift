import CeilingEngine

/// The networks of the input-dimension experiment (Simon-Gabriel et al. 2019, Section 4.2):
/// one architecture at every input width w = 32 r, its convolutions dilated ("a trous") by the
/// resolution factor r so that a kernel covers the same part of the image, and its last pooling
/// reducing the grown feature map to the same size, so that every width has the same parameters.
///
/// Weights are He-initialised as their assumption H3 states it: every weight of a convolution or
/// dense layer is N(0, 2 / in-degree), no biases. Batch norms sit in their initial inference
/// state (running mean 0, variance 1, weight 1, bias 0), the identity up to eps.
public enum ScaledArchitecture: String, CaseIterable, Sendable, Codable {
    /// Their CNN: 8 conv3x3-BN-ReLU layers of 64 channels, 2x2 pools after layers 2, 4 and 6,
    /// a last pool that leaves one value per channel, a dense layer to the logits.
    case cnn8
    /// conv5x5(6)-ReLU-pool2-conv5x5(16)-ReLU-pool2, a pool of r x r back to 5 x 5, dense
    /// 120-84-logits with ReLUs (no padding, as LeNet-5).
    case lenet
    /// conv3x3(16)-BN-ReLU, three BasicBlocks of 16, 32, 64 channels (the last two halving the
    /// map), a last pool to one value per channel, a dense layer to the logits.
    case resnet

    /// The smallest input width; every width must be a multiple of it (the dilation r = w / 32).
    public static let baseWidth = 32
}

/// How the networks shrink their feature maps.
public enum Downsampling: String, CaseIterable, Sendable, Codable {
    /// Max pools (and, in the ResNet, stride-2 convolutions): the layers of their Corollary 6,
    /// which leave ||grad L||_2 independent of d, so ||grad L||_1 grows like sqrt(d).
    case maxOrStrided = "max"
    /// Average pools in their place (stride-1 convolutions after a 2x2 average pool in the
    /// ResNet): their Theorem 7, where the gradients shrink by the square root of the product of
    /// the pools' sizes. That product is proportional to d here (every architecture pools down
    /// to a fixed map), so ||grad L||_2 falls like 1/sqrt(d) and ||grad L||_1 stays constant.
    case average

    /// The exponents of d that the theorems predict for (||grad L||_1, ||grad L||_2).
    public var predictedExponents: (l1: Double, l2: Double) {
        self == .maxOrStrided ? (0.5, 0) : (0, -0.5)
    }
}

extension ScaledArchitecture {
    /// The network at input width `width` ([3, width, width]) with `classes` logits, its weights
    /// drawn from `rng`; an error when a layer's values would pass the engine's size limits.
    public func network(width: Int, classes: Int, downsampling: Downsampling, rng: inout SeededGenerator) throws(GraphError) -> Graph {
        precondition(width % Self.baseWidth == 0 && width > 0, "width must be a positive multiple of \(Self.baseWidth)")
        var layers = HeLayers(width: width, downsampling: downsampling)
        switch self {
        case .cnn8: layers.cnn8(&rng)
        case .lenet: layers.lenet(&rng)
        case .resnet: layers.resnet(&rng)
        }
        layers.dense(&rng, layers.channels, classes, name: "fc")
        return try layers.builder.build()
    }
}

/// Builds one scaled network layer by layer, tracking channels and the map's side.
private struct HeLayers {
    var builder: GraphBuilder
    let r: Int, downsampling: Downsampling
    var channels = 3, side: Int

    init(width: Int, downsampling: Downsampling) {
        builder = GraphBuilder(inputShape: [3, width, width])
        r = width / ScaledArchitecture.baseWidth
        side = width
        self.downsampling = downsampling
    }

    mutating func cnn8(_ rng: inout SeededGenerator) {
        for layer in 1...8 {
            convolution(&rng, to: 64, kernel: 3, stride: 1, name: "conv\(layer)")
            batchNorm(name: "bn\(layer)")
            builder.add("relu\(layer)", Activation(.relu))
            if layer % 2 == 0 && layer < 8 { pool(2, name: "pool\(layer)") }
        }
        pool(side, name: "pool8")
        builder.add("flatten", Reshape.flatten())
    }

    mutating func lenet(_ rng: inout SeededGenerator) {
        convolution(&rng, to: 6, kernel: 5, stride: 1, padded: false, name: "conv1")
        builder.add("relu1", Activation(.relu))
        pool(2, name: "pool1")
        convolution(&rng, to: 16, kernel: 5, stride: 1, padded: false, name: "conv2")
        builder.add("relu2", Activation(.relu))
        pool(2, name: "pool2")
        if r > 1 { pool(r, name: "pool3") }
        builder.add("flatten", Reshape.flatten())
        channels *= side * side
        dense(&rng, channels, 120, name: "fc1")
        builder.add("relu3", Activation(.relu))
        dense(&rng, 120, 84, name: "fc2")
        builder.add("relu4", Activation(.relu))
        channels = 84
    }

    mutating func resnet(_ rng: inout SeededGenerator) {
        convolution(&rng, to: 16, kernel: 3, stride: 1, name: "stem.conv")
        batchNorm(name: "stem.bn")
        builder.add("stem.relu", Activation(.relu))
        for (stage, width) in [16, 32, 64].enumerated() {
            let halve = stage > 0, name = "block\(stage + 1)"
            // The average-pool variant pools the block's input, so that every path crosses it.
            if halve && downsampling == .average { pool(2, name: "\(name).pool") }
            let stride = halve && downsampling == .maxOrStrided ? 2 : 1
            let input = builder.last, inputChannels = channels, inputSide = side
            convolution(&rng, to: width, kernel: 3, stride: stride, name: "\(name).conv1")
            batchNorm(name: "\(name).bn1")
            builder.add("\(name).relu1", Activation(.relu))
            convolution(&rng, to: width, kernel: 3, stride: 1, name: "\(name).conv2")
            let main = batchNorm(name: "\(name).bn2")
            var shortcut = input
            if stride != 1 || inputChannels != width {
                builder.add("\(name).shortcut", Conv2d(
                    weight: HeLayers.he(&rng, width * inputChannels, fanIn: inputChannels), bias: nil, inChannels: inputChannels,
                    outChannels: width, kernel: (1, 1), stride: (stride, stride), padding: (0, 0), dilation: (1, 1)), inputs: [input])
                shortcut = batchNorm(name: "\(name).shortcut.bn")
                precondition(inputSide / stride == side)
            }
            builder.add("\(name).add", Add(), inputs: [main, shortcut])
            builder.add("\(name).relu2", Activation(.relu))
        }
        pool(side, name: "pool")
        builder.add("flatten", Reshape.flatten())
    }

    /// A k x k convolution dilated by r, zero-padded to keep the map's side ("same") unless
    /// `padded` is false.
    mutating func convolution(_ rng: inout SeededGenerator, to outputs: Int, kernel k: Int, stride: Int, padded: Bool = true, name: String) {
        let padding = padded ? r * (k - 1) / 2 : 0
        builder.add(name, Conv2d(weight: Self.he(&rng, outputs * channels * k * k, fanIn: channels * k * k), bias: nil,
                                 inChannels: channels, outChannels: outputs, kernel: (k, k), stride: (stride, stride),
                                 padding: (padding, padding), dilation: (r, r)))
        side = (side + 2 * padding - r * (k - 1) - 1) / stride + 1
        channels = outputs
    }

    mutating func dense(_ rng: inout SeededGenerator, _ inputs: Int, _ outputs: Int, name: String) {
        builder.add(name, Linear(weight: Self.he(&rng, outputs * inputs, fanIn: inputs), bias: nil, inFeatures: inputs, outFeatures: outputs))
    }

    /// A pool of `size` x `size` with stride `size` (max or average as chosen).
    mutating func pool(_ size: Int, name: String) {
        if downsampling == .average {
            builder.add(name, AvgPool2d(kernel: (size, size), stride: (size, size), padding: (0, 0), countIncludePad: true))
        } else {
            builder.add(name, MaxPool2d(kernel: (size, size), stride: (size, size), padding: (0, 0)))
        }
        side /= size
    }

    @discardableResult
    mutating func batchNorm(name: String) -> Int {
        let ones = [Float](repeating: 1, count: channels), zeros = [Float](repeating: 0, count: channels)
        return builder.add(name, ChannelAffine.batchNorm(mean: zeros, variance: ones, weight: ones, bias: zeros, eps: 1e-5))
    }

    /// He's N(0, 2 / fan-in) weights.
    static func he(_ rng: inout SeededGenerator, _ count: Int, fanIn: Int) -> [Float] {
        let scale = (2.0 / Double(fanIn)).squareRoot()
        return (0..<count).map { _ in Float(rng.gaussian() * scale) }
    }
}
