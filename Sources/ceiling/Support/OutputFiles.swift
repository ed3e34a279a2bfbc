import ArgumentParser
import Foundation

/// Output paths are checked before any work starts, and written so that a failure says which
/// path and why in one line. Nothing but a previous result folder of ceiling is ever removed.
enum OutputFiles {
    /// A file the command will write: a non-empty path that is not a folder, in a folder that
    /// exists and can be written.
    static func checkFile(_ path: String, option: String) throws {
        guard !path.isEmpty else { throw ValidationError("\(option) needs a file path (got an empty string)") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ValidationError("\(option) \(path) is a folder; give a file path")
        }
        try checkFolderWritable(parent(of: path), for: path, option: option)
    }

    /// The output folder of an estimate, a shard or a merge: refused when empty or a file; an
    /// existing folder only with `force`, and then only when it is empty or holds a file such a
    /// folder holds (results.json, shard.json, a merge's file: a previous result).
    /// Returns whether an existing result folder is to be replaced.
    static func checkResultFolder(_ path: String, force: Bool) throws -> Bool {
        guard !path.isEmpty else { throw ValidationError("--out needs a folder path (got an empty string)") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            try checkFolderWritable(parent(of: path), for: path, option: "--out")
            return false
        }
        guard isDirectory.boolValue else {
            throw ValidationError("--out \(path) is a file, not a folder; ceiling will not replace it, choose another --out")
        }
        guard force else { throw ValidationError("\(path) exists; pass --force to replace it or choose another --out") }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let names = [ShardFile.name] + MergeCommand.studies.flatMap { $0.mergedFiles }
        guard contents.isEmpty || contents.contains(where: names.contains) else {
            throw ValidationError("\(path) is not an output folder of ceiling (none of \(names.joined(separator: ", ")) in it); --force will not delete it, choose another --out")
        }
        try checkFolderWritable(parent(of: path), for: path, option: "--out")
        return true
    }

    /// Creates the result folder `out` (replacing an earlier result with `force`, see
    /// `checkResultFolder`).
    static func prepareResultFolder(_ out: String, force: Bool) throws -> URL {
        let url = URL(fileURLWithPath: out)
        if try checkResultFolder(out, force: force) { try FileManager.default.removeItem(at: url) }
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A folder the command writes a few named files into (plots): a new folder in a writable
    /// one, or an existing writable folder, whose other files are left alone.
    static func checkFolder(_ path: String, option: String) throws {
        guard !path.isEmpty else { throw ValidationError("\(option) needs a folder path (got an empty string)") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return try checkFolderWritable(parent(of: path), for: path, option: option)
        }
        guard isDirectory.boolValue else { throw ValidationError("\(option) \(path) is a file, not a folder") }
        guard FileManager.default.isWritableFile(atPath: path) else { throw ValidationError("\(option) \(path) is not writable") }
    }

    /// Writes `data` to `path` atomically (a reader never sees half a file).
    static func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CommandError("cannot write \(path): \(reason(error))")
        }
    }

    /// The folder holding `path` ("." for a bare name).
    static func parent(of path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    private static func checkFolderWritable(_ folder: String, for path: String, option: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("\(option) \(path): the folder \(folder) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw ValidationError("\(option) \(path): the folder \(folder) is not writable")
        }
    }

    /// A short reason for a Foundation file error (its POSIX cause when there is one).
    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           let message = strerror(Int32(underlying.code)) {
            return String(cString: message)
        }
        if nsError.domain == NSPOSIXErrorDomain, let message = strerror(Int32(nsError.code)) { return String(cString: message) }
        switch CocoaError.Code(rawValue: nsError.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file"
        case .fileWriteNoPermission, .fileReadNoPermission: return "permission denied"
        case .fileWriteOutOfSpace: return "no space left on the device"
        case .fileReadCorruptFile: return "not readable"
        default: return "file error \(nsError.code)"
        }
    }
}
