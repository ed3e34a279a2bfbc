import Foundation

/// One thing the bench times on both engines, and how to read its runs.
struct BenchWorkload {
    enum Unit: String {
        case imagesPerSecond = "img/s", secondsPerSample = "s/sample", pairsPerSecond = "pairs/s"
    }

    let key: String
    let label: String
    let unit: Unit
    /// Images, samples or pairs per run: what the unit counts.
    let items: Int
    /// Forward FLOPs of one sample through the network (convolutions and linear layers).
    let flopsPerSample: Double
    /// The `setup` request for bench_torch.py (model, mode, inputs), without op and key.
    let torchSetup: [String: Any]
    /// One run on ceiling's side, returning the work it counted.
    let run: () -> BenchWork
}

/// The work of one run. `units` is what the ratio compares time per: images for plain passes,
/// sample-iterations for DeepFool (its iteration count depends on the data, and the two engines'
/// rounding may end a sample one iteration apart), gradient evaluations for the modulus ascent.
struct BenchWork {
    var units: Double
    var forwardSamples: Double
    var cotangentSamples: Double
}

/// A timed run.
struct BenchRun {
    var seconds: Double
    var work: BenchWork

    /// FLOPs per second, counting a pulled-back cotangent as one forward's worth (the adjoint of
    /// a convolution or linear layer has the same multiply-adds).
    func gflops(_ flopsPerSample: Double) -> Double {
        flopsPerSample * (work.forwardSamples + work.cotangentSamples) / seconds / 1e9
    }

    /// The run with the median wall time (the upper one of an even count).
    static func median(_ runs: [BenchRun]) -> BenchRun? {
        runs.isEmpty ? nil : runs.sorted { $0.seconds < $1.seconds }[runs.count / 2]
    }
}

extension BenchWorkload {
    /// The figure the table shows for a run, in this workload's unit.
    func figure(_ run: BenchRun) -> Double {
        unit == .secondsPerSample ? run.seconds / Double(items) : Double(items) / run.seconds
    }

    /// Time per unit of work, PyTorch's over ceiling's: above 1, ceiling is faster.
    static func ratio(ours: BenchRun, theirs: BenchRun) -> Double {
        (theirs.seconds / theirs.work.units) / (ours.seconds / ours.work.units)
    }
}
