import CeilingEngine
import Foundation
import Testing
@testable import CeilingScience

/// Theorem 4 of Simon-Gabriel et al. (2019) on fully connected ReLU networks with zero biases,
/// where it is exact: with weights N(0, s_l^2) the expected squared input gradient of a logit is
/// E||grad_x f_k||_2^2 = (s_1^2 d / 2) (s_2^2 n_1 / 2) ... (s_{L-1}^2 n_{L-2} / 2) (s_L^2 n_{L-1}),
/// whatever the input (each ReLU is on for exactly half the sign-flipped weights). He's
/// s_l^2 = 2 / n_{l-1} makes it 2 for every d; a first layer of fixed variance makes it grow
/// like d. The loss gradient then follows: ||grad L||_2 ~ d^0 and ||grad L||_1 ~ d^(1/2).
@Suite("Input-dimension law")
struct DimensionLawTests {
    static let hidden = [32, 32, 32], classes = 10

    /// A fully connected ReLU network on [d] inputs; the first layer's weights have standard
    /// deviation `firstScale` (nil: He's sqrt(2 / d)), the others He's.
    static func network(inputs d: Int, firstScale: Double?, rng: inout SeededGenerator) -> Graph {
        var b = GraphBuilder(inputShape: [d])
        let sizes = [d] + hidden + [classes]
        for layer in 0..<(sizes.count - 1) {
            let scale = layer == 0 ? firstScale ?? (2.0 / Double(d)).squareRoot() : (2.0 / Double(sizes[layer])).squareRoot()
            b.add("fc\(layer)", Linear(weight: (0..<(sizes[layer] * sizes[layer + 1])).map { _ in Float(rng.gaussian() * scale) },
                                       bias: nil, inFeatures: sizes[layer], outFeatures: sizes[layer + 1]))
            if layer < sizes.count - 2 { b.add("relu\(layer)", Activation(.relu)) }
        }
        return try! b.build()
    }

    static func uniformInput(_ d: Int, rng: inout SeededGenerator) -> Tensor {
        Tensor(shape: [1, d], data: (0..<d).map { _ in Float(rng.uniformOpen()) })
    }

    /// The closed form of E||grad_x f_k||_2^2 above.
    static func expectedSquaredLogitGradient(inputs d: Int, firstScale: Double?) -> Double {
        let first = (firstScale.map { $0 * $0 } ?? 2 / Double(d)) * Double(d) / 2
        return first * 2  // every further hidden factor is 1 under He; the last layer's is 2
    }

    @Test(arguments: [(256, nil), (4096, nil), (256, 0.05), (4096, 0.05)] as [(Int, Double?)])
    func closedFormOfTheLogitGradient(d: Int, firstScale: Double?) {
        var rng = SeededGenerator(seed: 41 + UInt64(d))
        let nets = 600
        let squares = (0..<nets).map { _ -> Double in
            let map = GraphMap(Self.network(inputs: d, firstScale: firstScale, rng: &rng))
            var cotangent = Tensor(zeros: [1, Self.classes])
            cotangent.data[0] = 1
            let g = map.linearize(Self.uniformInput(d, rng: &rng)).vjp(cotangent)
            return g.data.reduce(0) { $0 + Double($1) * Double($1) }
        }
        let mean = squares.reduce(0, +) / Double(nets)
        let sd = (squares.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(nets - 1)).squareRoot()
        let expected = Self.expectedSquaredLogitGradient(inputs: d, firstScale: firstScale)
        // Four standard errors: a correct closed form fails this about once in 16,000 seeds.
        #expect(abs(mean - expected) <= 4 * sd / Double(nets).squareRoot(), "d \(d): mean \(mean), closed form \(expected), sd \(sd)")
    }

    static func fits(firstScale: Double?) -> (l1: PowerLawFit, l2: PowerLawFit) {
        let dimensions = [256, 1024, 4096, 16384], nets = 200
        var rng = SeededGenerator(seed: firstScale == nil ? 7 : 8)
        var l1 = [[Double]](), l2 = [[Double]]()
        for d in dimensions {
            var a = [Double](), b = [Double]()
            for _ in 0..<nets {
                let norms = InputGradients.lossGradientNorms(classifier: GraphMap(Self.network(inputs: d, firstScale: firstScale, rng: &rng)),
                                                             at: Self.uniformInput(d, rng: &rng))
                a.append(norms.l1[0])
                b.append(norms.l2[0])
            }
            l1.append(a)
            l2.append(b)
        }
        return (PowerLawFit(dimensions: dimensions, values: l1, confidence: 0.95, resamples: 1000, seed: 1),
                PowerLawFit(dimensions: dimensions, values: l2, confidence: 0.95, resamples: 1000, seed: 2))
    }

    /// The acceptance test: at He initialisation the fitted exponents' 95% intervals hold 1/2 and
    /// 0; with a fixed-variance first layer (the standard deviation not shrinking with d) the l2
    /// exponent is clearly positive and outside the He interval.
    @Test func fittedExponentsAtHeInitialisation() {
        let he = Self.fits(firstScale: nil)
        #expect(he.l1.covers(0.5), "l1 exponent \(he.l1.exponent) [\(he.l1.lower), \(he.l1.upper)]")
        #expect(he.l2.covers(0), "l2 exponent \(he.l2.exponent) [\(he.l2.lower), \(he.l2.upper)]")
        #expect(he.l1.upper - he.l1.lower < 0.06 && he.l2.upper - he.l2.lower < 0.06)
        let fixed = Self.fits(firstScale: 0.05)
        #expect(fixed.l2.lower > he.l2.upper + 0.1, "fixed-variance l2 exponent \(fixed.l2.exponent) [\(fixed.l2.lower), \(fixed.l2.upper)]")
        #expect(!fixed.l1.covers(0.5), "fixed-variance l1 exponent \(fixed.l1.exponent)")
    }

    /// An exact power law is fitted exactly, with a zero-width interval when the draws agree.
    @Test func powerLawFitRecoversAnExactExponent() {
        let dimensions = [10, 100, 1000]
        let fit = PowerLawFit(dimensions: dimensions, values: dimensions.map { [3 * pow(Double($0), 0.25), 3 * pow(Double($0), 0.25)] },
                              confidence: 0.9, resamples: 50, seed: 0)
        #expect(abs(fit.exponent - 0.25) < 1e-12 && abs(fit.lower - 0.25) < 1e-12 && abs(fit.upper - 0.25) < 1e-12)
    }

    /// Every scaled architecture has the same parameters at every width, and the experiment's
    /// figures do not depend on the number of threads.
    @Test func scaledNetworksAndThreadIndependence() throws {
        for architecture in ScaledArchitecture.allCases {
            for downsampling in Downsampling.allCases {
                var rng = SeededGenerator(seed: 0)
                let counts = try [32, 64, 96].map { try architecture.network(width: $0, classes: 12, downsampling: downsampling, rng: &rng).parameterCount }
                #expect(Set(counts).count == 1, "\(architecture) \(downsampling): \(counts)")
            }
        }
        let settings = DimensionSettings(widths: [32, 64], nets: 2, inputsPerNet: 3, architectures: [.lenet, .resnet], resamples: 100, seed: 5)
        let saved = EngineThreads.count
        defer { EngineThreads.count = saved }
        EngineThreads.count = 1
        let one = try DimensionExperiment(settings: settings)
        EngineThreads.count = 2
        let two = try DimensionExperiment(settings: settings)
        #expect(one.series.map(\.l1) == two.series.map(\.l1) && one.series.map(\.l2) == two.series.map(\.l2))
        #expect(one.series.map(\.l1Fit.exponent) == two.series.map(\.l1Fit.exponent))
        #expect(one.series.allSatisfy { $0.l1.joined().allSatisfy { $0 > 0 && $0.isFinite } })
    }
}
