import CeilingEngine
import Foundation

/// What the input-dimension experiment draws and how it fits.
public struct DimensionSettings: Sendable, Codable {
    /// Input widths w (images [3, w, w], d = 3 w^2), each a multiple of 32.
    public var widths: [Int]
    /// Independently initialised networks per architecture, downsampling and width.
    public var nets: Int
    /// Random inputs per network; a network's figure is the mean over them.
    public var inputsPerNet: Int
    public var classes: Int
    public var architectures: [ScaledArchitecture]
    public var downsamplings: [Downsampling]
    public var confidence: Double
    public var resamples: Int
    public var seed: UInt64

    public init(widths: [Int] = [32, 64, 128, 256], nets: Int = 32, inputsPerNet: Int = 2, classes: Int = 12,
                architectures: [ScaledArchitecture] = ScaledArchitecture.allCases, downsamplings: [Downsampling] = Downsampling.allCases,
                confidence: Double = 0.95, resamples: Int = 2000, seed: UInt64 = 0) {
        self.widths = widths
        self.nets = nets
        self.inputsPerNet = inputsPerNet
        self.classes = classes
        self.architectures = architectures
        self.downsamplings = downsamplings
        self.confidence = confidence
        self.resamples = resamples
        self.seed = seed
    }
}

/// The experiment of Simon-Gabriel et al. (2019, Figure 3) at initialisation, in the engine: the
/// same architecture at several input widths, many He-initialised networks per width, each on
/// random inputs with i.i.d. Uniform(0, 1) pixels, the loss gradient's l1 and l2 norms at the
/// predicted label, and the fitted exponent of d of their means beside the predicted one.
///
/// Each network and its inputs come from their own seed, derived from the settings' seed and
/// the (architecture, downsampling, width, network) index, so results do not depend on the order
/// or the threads that compute them, and a width added later leaves the others unchanged.
public struct DimensionExperiment: Sendable, Codable {
    public struct Series: Sendable, Codable {
        public let architecture: ScaledArchitecture
        public let downsampling: Downsampling
        public let widths: [Int], dimensions: [Int]
        /// Per width, per network: the mean over its inputs of ||grad L||_1 and of ||grad L||_2.
        public let l1: [[Double]], l2: [[Double]]
        /// Per width, per network: the mean fraction of input coordinates where the gradient is
        /// not zero. The l1 law needs it near 1 (their symmetry assumption S): a gradient that
        /// reaches only a fixed number of pixels has ||g||_1 / ||g||_2 independent of d.
        public let support: [[Double]]
        public let l1Fit: PowerLawFit, l2Fit: PowerLawFit
        public let predictedL1: Double, predictedL2: Double
    }

    public let settings: DimensionSettings
    public let series: [Series]

    /// Runs every architecture and downsampling; `progress` hears the fraction of work done
    /// (weighted by d) and what runs now.
    public init(settings: DimensionSettings, progress: (String, Double) -> Void = { _, _ in }) throws(GraphError) {
        self.settings = settings
        let dimensions = settings.widths.map { 3 * $0 * $0 }
        let configurations = settings.architectures.flatMap { a in settings.downsamplings.map { (a, $0) } }
        let work = Double(configurations.count * settings.nets * dimensions.reduce(0, +))
        var done = 0.0
        var series = [Series]()
        for configuration in configurations {
            let (architecture, downsampling) = configuration
            var l1 = [[Double]](), l2 = [[Double]](), support = [[Double]]()
            for (w, width) in settings.widths.enumerated() {
                var l1Nets = [Double](), l2Nets = [Double](), supportNets = [Double]()
                for net in 0..<settings.nets {
                    progress("\(architecture.rawValue), \(downsampling.rawValue) pools, width \(width), network \(net + 1)/\(settings.nets)", done / work)
                    var rng = SeededGenerator(seed: Self.seed(settings.seed, architecture, downsampling, width, net))
                    let norms = Self.measure(try architecture.network(width: width, classes: settings.classes, downsampling: downsampling, rng: &rng),
                                             inputs: settings.inputsPerNet, rng: &rng)
                    l1Nets.append(norms.l1)
                    l2Nets.append(norms.l2)
                    supportNets.append(norms.support)
                    done += Double(dimensions[w])
                }
                l1.append(l1Nets)
                l2.append(l2Nets)
                support.append(supportNets)
            }
            // The bootstrap's seed, like the networks', does not depend on which series run.
            let fitSeed = Self.seed(settings.seed ^ (0xF17 << 40), architecture, downsampling, 0, 0)
            let predicted = downsampling.predictedExponents
            series.append(Series(architecture: architecture, downsampling: downsampling, widths: settings.widths, dimensions: dimensions, l1: l1, l2: l2, support: support,
                          l1Fit: PowerLawFit(dimensions: dimensions, values: l1, confidence: settings.confidence, resamples: settings.resamples, seed: fitSeed),
                          l2Fit: PowerLawFit(dimensions: dimensions, values: l2, confidence: settings.confidence, resamples: settings.resamples, seed: fitSeed ^ 1),
                                 predictedL1: predicted.l1, predictedL2: predicted.l2))
        }
        self.series = series
        progress("done", 1)
    }

    /// The mean loss-gradient norms and support of `network` over `inputs` Uniform(0, 1) images.
    static func measure(_ network: Graph, inputs: Int, rng: inout SeededGenerator) -> (l1: Double, l2: Double, support: Double) {
        let shape = [inputs] + network.inputShape
        let x = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float(rng.uniformOpen()) })
        let norms = InputGradients.lossGradientNorms(classifier: GraphMap(network), at: x)
        let mean = { (values: [Double]) in values.reduce(0, +) / Double(inputs) }
        return (mean(norms.l1), mean(norms.l2), mean(norms.support))
    }

    /// One network's seed: the index mixed through SplitMix64, so neighbouring indices give
    /// unrelated streams.
    static func seed(_ base: UInt64, _ architecture: ScaledArchitecture, _ downsampling: Downsampling, _ width: Int, _ net: Int) -> UInt64 {
        let a = UInt64(ScaledArchitecture.allCases.firstIndex(of: architecture)!), p = UInt64(Downsampling.allCases.firstIndex(of: downsampling)!)
        var mixer = SeededGenerator(seed: base ^ (a << 56) ^ (p << 52) ^ (UInt64(width) << 32) ^ UInt64(net))
        return mixer.next()
    }
}
