import CeilingEngine
import Foundation

/// `body` for each chunk of `range` (`size` points from its lower end on, the last one shorter),
/// the chunks side by side (`concurrentMap`), in order. A chunk reports its stage with the
/// fraction of its own points done; `progress` gets the fraction of the whole range, serialised
/// and never going back (a chunk that started earlier may finish later).
func concurrentChunks<T, E: Error>(of range: Range<Int>, size: Int, progress: (String, Double) -> Void = { _, _ in },
                                   _ body: (Range<Int>, _ progress: (String, Double) -> Void) throws(E) -> T) throws(E) -> [T] {
    let size = max(size, 1)
    let chunks = stride(from: range.lowerBound, to: range.upperBound, by: size).map { $0..<min($0 + size, range.upperBound) }
    return try withoutActuallyEscaping(progress) { (progress) throws(E) -> [T] in
        let shared = SharedProgress(progress)
        return try concurrentMap(chunks.count) { (index) throws(E) -> T in
            let chunk = chunks[index]
            return try body(chunk) { stage, fraction in
                shared.update(stage, (Double(chunk.lowerBound - range.lowerBound) + fraction * Double(chunk.count)) / Double(max(range.count, 1)))
            }
        }
    }
}

/// A progress callback shared by chunks running side by side.
private final class SharedProgress: @unchecked Sendable {
    private let report: (String, Double) -> Void
    private let lock = NSLock()
    private var fraction = 0.0

    init(_ report: @escaping (String, Double) -> Void) { self.report = report }

    func update(_ stage: String, _ fraction: Double) {
        lock.lock()
        defer { lock.unlock() }
        self.fraction = max(self.fraction, fraction)
        report(stage, self.fraction)
    }
}
