import Foundation
@testable import CeilingEngine

/// Relative agreement of two scalars, with a floor on the scale so that values near zero compare
/// absolutely.
func relativeError(_ a: Double, _ b: Double, floor: Double = 1e-12) -> Double {
    abs(a - b) / max(abs(a), abs(b), floor)
}

/// max |a - b| / max |b| over whole tensors: the tolerance measure used against PyTorch.
func maxRelativeError(_ a: Tensor, _ reference: Tensor) -> Double {
    precondition(a.shape == reference.shape, "shapes \(a.shape) and \(reference.shape) differ")
    var worst: Float = 0, scale: Float = 0
    for i in 0..<a.count {
        worst = max(worst, abs(a.data[i] - reference.data[i]))
        scale = max(scale, abs(reference.data[i]))
    }
    return Double(worst) / Double(max(scale, 1e-30))
}

func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var rng = SeededGenerator(seed: seed)
    var t = rng.gaussianTensor(shape)
    for i in 0..<t.count { t.data[i] *= scale }
    return t
}

func randomValues(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    randomTensor([count], seed: seed, scale: scale).data
}

/// A temporary directory removed when the value goes away.
final class TemporaryDirectory {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ceiling-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// The folder of committed reference fixtures.
let fixturesDirectory: URL = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
