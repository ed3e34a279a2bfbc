import CeilingEngine
import CeilingScience
import Crypto
import Foundation

/// The input files a study records (paths as given, SHA-256 of the contents), and the check
/// `ceiling merge` makes that the files it reloads are the ones the shards used.
enum RecordedFiles {
    /// A model's name in the results: its file name without the extension.
    static func name(_ model: Model) -> String { URL(fileURLWithPath: model.path).deletingPathExtension().lastPathComponent }

    static func record(_ model: Model) throws -> EstimateResults.ModelRecord {
        EstimateResults.ModelRecord(name: name(model), path: model.path, role: model.role.rawValue, sha256: try sha256(model.path),
                                    parameters: model.parameterCount)
    }

    static func sha256(_ path: String) throws -> String {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw CommandError("cannot read \(path): \(OutputFiles.reason(error))")
        }
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Refuses a file whose contents differ from those recorded when the shards were computed.
    static func checkUnchanged(_ path: String, sha256 then: String) throws {
        let now = try sha256(path)
        guard now == then else {
            throw CommandError("\(path) has changed since the shards were computed (SHA-256 \(now.prefix(12))… now, \(then.prefix(12))… then)")
        }
    }

    static func checkUnchanged(_ models: [EstimateResults.ModelRecord]) throws {
        for model in models { try checkUnchanged(model.path, sha256: model.sha256) }
    }
}

/// An input file other than a model, as a study records it.
struct FileRecord: Codable, Equatable {
    let path: String
    let sha256: String

    init(_ path: String) throws {
        self.path = path
        sha256 = try RecordedFiles.sha256(path)
    }

    func checkUnchanged() throws { try RecordedFiles.checkUnchanged(path, sha256: sha256) }
}
