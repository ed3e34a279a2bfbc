import Foundation
import Synchronization

/// How many worker threads the engine uses for per-sample work. Results never depend on it:
/// work is split into fixed blocks of samples first, and threads only share out the blocks.
public enum EngineThreads {
    nonisolated(unsafe) public static var count: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
}

/// Runs `body` on each block of a fixed partition of `0..<total` into blocks of `blockSize`,
/// spreading the blocks over `EngineThreads.count` threads.
///
/// Threads take the next block from a shared counter rather than a fixed share: on a machine
/// where another process holds one of the cores, a static split leaves the fast thread idle while
/// the slowed one finishes its half. Each block writes only its own samples, so which thread runs
/// it never changes the result.
func forEachBlock(total: Int, blockSize: Int, _ body: (Range<Int>) -> Void) {
    let size = max(1, blockSize)
    let blocks = (total + size - 1) / size
    let threads = min(EngineThreads.count, blocks)
    if threads <= 1 {
        for b in 0..<blocks { body((b * size)..<min(total, (b + 1) * size)) }
        return
    }
    let next = Atomic<Int>(0)
    withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let work = body
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while true {
                let b = next.add(1, ordering: .relaxed).oldValue
                guard b < blocks else { break }
                work((b * size)..<min(total, (b + 1) * size))
            }
        }
    }
}

/// Runs an elementwise kernel over `0..<count` in fixed chunks of 256 Ki values: large enough to
/// amortise a thread hand-off (with 64 Ki, a ReLU on a LeNet batch of 64, 75 Ki values, woke the
/// second thread for a few microseconds of work), small enough to share out a few megabytes.
func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
    forEachBlock(total: count, blockSize: 1 << 18, body)
}

/// `body` for every index of `0..<count`, up to `EngineThreads.count` at a time, in index order;
/// the error of the lowest failing index is rethrown.
///
/// For independent pieces of work each too small to keep the threads busy inside the engine (a
/// few points' attacks on a small network, one point's decision-based search): the engine then
/// runs their passes side by side instead of one narrow pass after another. A piece's result
/// depends on its index alone, so the thread count never changes the results.
public func concurrentMap<T, E: Error>(_ count: Int, _ body: (Int) throws(E) -> T) throws(E) -> [T] {
    let results = UnsafeMutableBufferPointer<Result<T, E>?>.allocate(capacity: max(count, 1))
    results.initialize(repeating: nil)
    defer {
        _ = results.deinitialize()
        results.deallocate()
    }
    nonisolated(unsafe) let slots = results
    forEachBlock(total: count, blockSize: 1) { range in
        for index in range { slots[index] = Result { () throws(E) -> T in try body(index) } }
    }
    return try (0..<count).map { (index) throws(E) -> T in try results[index]!.get() }
}
