import ArgumentParser
import CeilingScience

/// The `--certify` option of `ceiling` and `ceiling robustness`: which certified lower bounds run
/// at the attacked points.
enum CertifiedBoundOption {
    static let help: ArgumentHelp = "Certified lower bounds at the attacked points: global, hein, peck-published, peck, crown (comma-separated), all or none (default: all but crown, the slowest)."
    static let defaultValue = CertifiedBoundKind.defaults.map(\.rawValue).joined(separator: ",")

    static func parse(_ text: String) throws -> [CertifiedBoundKind] {
        do { return try CertifiedBoundKind.list(text) } catch { throw ValidationError("--certify: \(error.description)") }
    }
}
