import Foundation

/// How many worker threads the engine uses for per-sample work. Results never depend on it:
/// work is split into fixed blocks of samples first, and threads only share out the blocks.
public enum EngineThreads {
    nonisolated(unsafe) public static var count: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
}

/// Runs `body` on each block of a fixed partition of `0..<total` into blocks of `blockSize`,
/// spreading the blocks over `EngineThreads.count` threads.
func forEachBlock(total: Int, blockSize: Int, _ body: (Range<Int>) -> Void) {
    let size = max(1, blockSize)
    let blocks = (total + size - 1) / size
    let threads = min(EngineThreads.count, blocks)
    if threads <= 1 {
        for b in 0..<blocks { body((b * size)..<min(total, (b + 1) * size)) }
        return
    }
    withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let work = body
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            var b = worker
            while b < blocks {
                work((b * size)..<min(total, (b + 1) * size))
                b += threads
            }
        }
    }
}
