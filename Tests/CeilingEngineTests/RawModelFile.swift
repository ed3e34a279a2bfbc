import Foundation
@testable import CeilingEngine

/// Byte-level edits of model files, for the hostile inputs that JSONSerialization cannot write
/// (repeated keys, `5.0` for an integer, numbers beyond Double's range).
enum RawModelFile {
    /// A safetensors file with `header` as its JSON text and `payload` as its data buffer.
    static func file(header: String, payload: [UInt8] = []) -> Data {
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        data.append(contentsOf: payload)
        return data
    }

    /// The header text and the data buffer of `data`.
    static func split(_ data: Data) -> (header: String, payload: [UInt8]) {
        let length = Int(data.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        return (String(decoding: data.subdata(in: 8..<(8 + length)), as: UTF8.self), Array(data.subdata(in: (8 + length)..<data.count)))
    }

    /// `data` with its header text rewritten by `edit`.
    static func editingHeader(_ data: Data, _ edit: (String) -> String) -> Data {
        let (header, payload) = split(data)
        return file(header: edit(header), payload: payload)
    }

    /// Loads a model from bytes and returns the error message, or nil when it loads.
    static func loadError(_ data: Data) -> String? {
        do {
            let tensors = try SafeTensors(data: data, path: "model.bin")
            _ = try Model(tensors: tensors, path: "model.bin")
            return nil
        } catch {
            return error.description
        }
    }
}

extension ModelBuilder {
    /// The file's bytes with each placeholder string `"@key@"` in the metadata JSON replaced by
    /// the raw JSON text `value` (write the placeholder where the value goes: `attrs: ["stride": "@s@"]`).
    func data(replacing raw: [String: String]) -> Data {
        var metadata = self.metadata
        for (key, text) in metadata {
            var edited = text
            for (placeholder, value) in raw { edited = edited.replacingOccurrences(of: "\"@\(placeholder)@\"", with: value) }
            metadata[key] = edited
        }
        return SafeTensors.encode(tensors: tensors, metadata: metadata)
    }

    /// A generator of one node running `op` on an input of shape `inputShape`.
    static func single(_ op: String, inputShape: [Int], attrs: [String: Any] = [:], params: [String: ([Int], [Float])] = [:]) -> ModelBuilder {
        var b = ModelBuilder()
        b.role = "generator"
        b.inputShape = inputShape
        b.node("n", op, inputs: ["input"], attrs: attrs, params: params)
        return b
    }
}
