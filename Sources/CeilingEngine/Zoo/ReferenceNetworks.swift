/// Standard architectures with random weights, built in code: the networks the benchmarks time
/// against PyTorch, and realistic test subjects. Weights are He-scaled Gaussians and batch norms get
/// random, non-trivial running statistics, all fixed by `seed`.
public enum ReferenceNetworks {
    /// The four-stage 32x32 DCGAN generator: z [nz] -> ConvT(nz, 4ngf, 4, 1, 0)-BN-ReLU ->
    /// ConvT(4ngf, 2ngf, 4, 2, 1)-BN-ReLU -> ConvT(2ngf, ngf, 4, 2, 1)-BN-ReLU ->
    /// ConvT(ngf, 3, 4, 2, 1)-Tanh -> [3, 32, 32].
    public static func dcgan32(latent nz: Int = 100, width ngf: Int = 64, seed: UInt64 = 0) -> Graph {
        var rng = SeededGenerator(seed: seed)
        var b = GraphBuilder(inputShape: [nz])
        b.add("reshape", Reshape.reshape([nz, 1, 1]))
        let channels = [nz, 4 * ngf, 2 * ngf, ngf]
        for stage in 0..<3 {
            let (cin, cout) = (channels[stage], channels[stage + 1])
            b.add("stage\(stage).conv", ConvTranspose2d(
                weight: gaussian(&rng, cin * cout * 16, scale: (2.0 / Double(cin * 4)).squareRoot()), bias: nil,
                inChannels: cin, outChannels: cout, kernel: (4, 4), stride: stage == 0 ? (1, 1) : (2, 2),
                padding: stage == 0 ? (0, 0) : (1, 1), outputPadding: (0, 0), dilation: (1, 1)))
            b.add("stage\(stage).bn", batchNorm(&rng, cout))
            b.add("stage\(stage).relu", Activation(.relu))
        }
        b.add("to_rgb", ConvTranspose2d(
            weight: gaussian(&rng, ngf * 3 * 16, scale: (1.0 / Double(ngf * 4)).squareRoot()), bias: nil,
            inChannels: ngf, outChannels: 3, kernel: (4, 4), stride: (2, 2), padding: (1, 1), outputPadding: (0, 0), dilation: (1, 1)))
        b.add("tanh", Activation(.tanh))
        return try! b.build()
    }

    /// The CIFAR ResNet-18: 3x3 stem, BasicBlocks [2, 2, 2, 2] at widths w, 2w, 4w, 8w with
    /// 1x1-conv + BN shortcuts where the shape changes, 4x4 average pool, linear, on [3, 32, 32].
    public static func cifarResNet18(width w: Int = 64, classes: Int = 10, seed: UInt64 = 0) -> Graph {
        var rng = SeededGenerator(seed: seed)
        var b = GraphBuilder(inputShape: [3, 32, 32])
        b.add("stem.conv", conv(&rng, 3, w, kernel: 3, stride: 1, padding: 1))
        b.add("stem.bn", batchNorm(&rng, w))
        b.add("stem.relu", Activation(.relu))
        var channels = w
        for (stage, width) in [w, 2 * w, 4 * w, 8 * w].enumerated() {
            for block in 0..<2 {
                let stride = stage > 0 && block == 0 ? 2 : 1
                let name = "layer\(stage + 1).\(block)"
                let input = b.last
                b.add("\(name).conv1", conv(&rng, channels, width, kernel: 3, stride: stride, padding: 1))
                b.add("\(name).bn1", batchNorm(&rng, width))
                b.add("\(name).relu1", Activation(.relu))
                b.add("\(name).conv2", conv(&rng, width, width, kernel: 3, stride: 1, padding: 1))
                let main = b.add("\(name).bn2", batchNorm(&rng, width, gain: 0.5))
                var shortcut = input
                if stride != 1 || channels != width {
                    b.add("\(name).shortcut.conv", conv(&rng, channels, width, kernel: 1, stride: stride, padding: 0), inputs: [input])
                    shortcut = b.add("\(name).shortcut.bn", batchNorm(&rng, width))
                }
                b.add("\(name).add", Add(), inputs: [main, shortcut])
                b.add("\(name).relu2", Activation(.relu))
                channels = width
            }
        }
        b.add("pool", AvgPool2d(kernel: (4, 4), stride: (4, 4), padding: (0, 0), countIncludePad: true))
        b.add("flatten", Reshape.flatten())
        b.add("fc", Linear(weight: gaussian(&rng, classes * channels, scale: (1.0 / Double(channels)).squareRoot()),
                           bias: gaussian(&rng, classes, scale: 0.1), inFeatures: channels, outFeatures: classes))
        return try! b.build()
    }

    private static func gaussian(_ rng: inout SeededGenerator, _ count: Int, scale: Double) -> [Float] {
        (0..<count).map { _ in Float(rng.gaussian() * scale) }
    }

    private static func conv(_ rng: inout SeededGenerator, _ cin: Int, _ cout: Int, kernel: Int, stride: Int, padding: Int) -> Conv2d {
        Conv2d(weight: gaussian(&rng, cout * cin * kernel * kernel, scale: (2.0 / Double(cin * kernel * kernel)).squareRoot()),
               bias: nil, inChannels: cin, outChannels: cout, kernel: (kernel, kernel), stride: (stride, stride),
               padding: (padding, padding), dilation: (1, 1))
    }

    /// Running statistics and affine parameters drawn around the identity, so that the folded
    /// scale and shift are far from trivial.
    private static func batchNorm(_ rng: inout SeededGenerator, _ channels: Int, gain: Double = 1) -> ChannelAffine {
        let mean = gaussian(&rng, channels, scale: 0.1)
        let variance = (0..<channels).map { _ in Float(0.5 + rng.uniformOpen()) }
        let weight = (0..<channels).map { _ in Float(gain * (0.75 + 0.5 * rng.uniformOpen())) }
        return ChannelAffine.batchNorm(mean: mean, variance: variance, weight: weight, bias: gaussian(&rng, channels, scale: 0.1), eps: 1e-5)
    }
}
