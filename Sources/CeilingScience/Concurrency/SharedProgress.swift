import Foundation

/// A progress callback that pieces of work running side by side (`concurrentMap`) can share:
/// calls are serialised, and the fraction reported never goes back, since a piece that started
/// earlier may finish later.
final class SharedProgress: @unchecked Sendable {
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
