import ArgumentParser
import Foundation

/// Options that would run the machine out of threads or memory are refused before any work,
/// with the figure that was too large.
enum Limits {
    /// More engine threads than this only adds scheduling cost.
    static let maximumThreads = 1024

    static func checkThreads(_ threads: Int) throws {
        guard (1...maximumThreads).contains(threads) else {
            throw ValidationError("--threads must be between 1 and \(maximumThreads) (got \(threads))")
        }
    }

    /// The physical memory of this machine in bytes.
    static var memory: Double { Double(ProcessInfo.processInfo.physicalMemory) }

    /// Refuses `count` points when keeping `floatsPerPoint` Float32 values for each of them,
    /// `copies` times over (the attacks' working tensors), would take over half the memory.
    static func checkPoints(_ count: Int, floatsPerPoint: Int, copies: Int, option: String) throws {
        let bytes = Double(count) * Double(floatsPerPoint) * Double(copies) * 4
        guard bytes <= memory / 2 else {
            throw ValidationError("\(option) \(count) would need about " + String(format: "%.3g GB of memory for its points; this machine has %.3g GB",
                                                                                  bytes / 1e9, memory / 1e9))
        }
    }
}
