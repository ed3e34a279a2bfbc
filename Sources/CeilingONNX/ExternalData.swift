import CeilingEngine
import Foundation

/// The files that hold an ONNX model's external tensor data (`MODEL.onnx.data`, written by the
/// torch.export-based exporter). Each path is read relative to the model's folder and must stay
/// inside it: a file is only trusted to describe itself, so `../../etc/passwd`, an absolute
/// path or a link pointing out of the folder is refused rather than read.
final class ExternalData {
    private let folder: URL
    private let path: String
    private var files: [String: Data] = [:]

    init(modelPath: String) {
        path = modelPath
        folder = URL(fileURLWithPath: modelPath).deletingLastPathComponent().resolvingSymlinksInPath()
    }

    /// `length` bytes at `offset` of file `location` (the rest of the file when `length` is nil).
    func bytes(location: String, offset: Int, length: Int?, tensor: String) throws(ModelFileError) -> Data {
        let what = "tensor '\(tensor)': external data '\(location)'"
        let parts = location.split(separator: "/", omittingEmptySubsequences: false)
        guard !location.isEmpty, !location.hasPrefix("/"), !location.contains("\\"), !location.contains("\0"),
              !parts.contains(where: { $0 == ".." || $0.isEmpty }) else {
            throw ModelFileError(path, "\(what) is not a plain path inside the model's folder (no absolute paths, no '..'); external data must lie beside the model")
        }
        let url = folder.appendingPathComponent(location).resolvingSymlinksInPath()
        guard url.path.hasPrefix(folder.path.hasSuffix("/") ? folder.path : folder.path + "/") else {
            throw ModelFileError(path, "\(what) leads out of the model's folder (through a link); external data must lie beside the model")
        }
        let data = try file(url, what: what)
        guard offset >= 0, offset <= data.count else {
            throw ModelFileError(path, "\(what): offset \(offset) is past the end of the file (\(data.count) bytes): the data file is short or belongs to another model")
        }
        guard let length else { return data.subdata(in: offset..<data.count) }
        let (end, overflow) = offset.addingReportingOverflow(length)
        guard length >= 0, !overflow, end <= data.count else {
            throw ModelFileError(path, "\(what): \(length) bytes at offset \(offset) run past the end of the file (\(data.count) bytes): the data file is short or belongs to another model")
        }
        return data.subdata(in: offset..<end)
    }

    private func file(_ url: URL, what: String) throws(ModelFileError) -> Data {
        if let data = files[url.path] { return data }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ModelFileError(path, "\(what) is missing: copy the data file along with the model (it must lie beside it)")
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw ModelFileError(path, "\(what) cannot be read (\(error.localizedDescription))")
        }
        files[url.path] = data
        return data
    }
}
