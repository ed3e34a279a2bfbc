import CeilingEngine
import Foundation

/// Multiply-adds of the convolutions and linear layers, counted from the graph's shapes: the
/// work both engines must do whatever their algorithms (elementwise operations are left out).
enum BenchFLOPs {
    /// FLOPs (2 per multiply-add) of one sample's forward pass up to value `at`.
    static func perSample(_ graph: Graph, at: Int? = nil) -> Double {
        var total = 0.0
        for (i, node) in graph.nodes.prefix(at ?? graph.output).enumerated() {
            let input = graph.shape(of: node.inputs[0]), output = graph.shape(of: i + 1)
            switch node.operation {
            case let conv as Conv2d:
                total += 2 * Double(output.reduce(1, *) * conv.inChannels * conv.kernel.0 * conv.kernel.1)
            case let conv as ConvTranspose2d:
                total += 2 * Double(input.reduce(1, *) * conv.outChannels * conv.kernel.0 * conv.kernel.1)
            case let linear as Linear:
                total += 2 * Double(linear.inFeatures * linear.outFeatures)
            default:
                break
            }
        }
        return total
    }
}

/// The machine's single-precision peak for the threads in use: threads x clock x FLOPs per
/// cycle, the last from the widest vector FMA the CPU reports in /proc/cpuinfo.
struct MachinePeak {
    let threads: Int
    let gigahertz: Double
    let flopsPerCycle: Double
    let isa: String

    var gflops: Double { Double(threads) * gigahertz * flopsPerCycle }

    var description: String {
        String(format: "peak %.0f GFLOP/s = %d threads x %.2f GHz (cpu MHz in /proc/cpuinfo) x %.0f FP32 FLOP/cycle (%@)",
               gflops, threads, gigahertz, flopsPerCycle, isa)
    }

    /// AVX-512: two 16-wide FMA units = 64 FLOP/cycle; AVX2 + FMA: two 8-wide = 32; otherwise
    /// 8-wide AVX add + multiply = 16, or SSE 8.
    static func detect(threads: Int) -> MachinePeak {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let lines = info.split(separator: "\n")
        let flags = Set(lines.first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        let mhz = lines.first { $0.hasPrefix("cpu MHz") }
            .flatMap { $0.split(separator: ":").last }
            .flatMap { Double($0.trimmingCharacters(in: .whitespaces)) } ?? 2000
        let (perCycle, isa): (Double, String) =
            flags.contains("avx512f") ? (64, "AVX-512, 2 FMA units assumed")
            : flags.contains("avx2") && flags.contains("fma") ? (32, "AVX2 + FMA, 2 FMA units assumed")
            : flags.contains("avx") ? (16, "AVX") : (8, "SSE")
        return MachinePeak(threads: threads, gigahertz: mhz / 1000, flopsPerCycle: perCycle, isa: isa)
    }
}
