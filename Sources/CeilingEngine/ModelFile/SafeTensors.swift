import Foundation

/// A parsed safetensors container: the tensor table, the metadata strings and the raw bytes.
/// Nothing in the file is trusted: the header length, every offset, shape and dtype is checked
/// against the file before any tensor is read.
public struct SafeTensors: Sendable {
    public struct Entry: Sendable {
        public let dtype: String
        public let shape: [Int]
        /// Byte range inside the data buffer.
        public let range: Range<Int>
    }

    public let entries: [String: Entry]
    public let metadata: [String: String]
    private let bytes: Data
    private let dataStart: Int
    private let path: String

    /// Size in bytes of one element of each dtype ceiling can convert to Float32.
    static let readableDTypes: [String: Int] = ["F32": 4, "F64": 8, "F16": 2, "BF16": 2]
    /// Dtypes that may appear in a valid container (unused tensors of these are ignored).
    static let knownDTypes: [String: Int] = readableDTypes.merging(
        ["I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "U16": 2, "U32": 4, "U64": 8, "BOOL": 1,
         "F8_E4M3": 1, "F8_E5M2": 1]) { a, _ in a }

    public init(contentsOf url: URL) throws(ModelFileError) {
        // As the user wrote it, so that messages name the file they typed.
        let path = url.relativePath
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ModelFileError(path, "no such file")
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw ModelFileError(path, "cannot be read (\(error.localizedDescription))")
        }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String) throws(ModelFileError) {
        self.path = path
        self.bytes = data
        guard data.count >= 8 else {
            throw ModelFileError(path, "truncated: \(data.count) bytes, too short for a safetensors header")
        }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw ModelFileError(path, "header length \(headerLength) runs past the end of the file (\(data.count) bytes): truncated or not a safetensors file")
        }
        dataStart = 8 + Int(headerLength)
        let header = data.subdata(in: 8..<dataStart)
        guard let table = try? JSONDecoder().decode([String: HeaderItem].self, from: header) else {
            throw ModelFileError(path, "header is not a JSON object: not a safetensors file or corrupt")
        }
        let bufferSize = data.count - dataStart
        var entries = [String: Entry]()
        var metadata = [String: String]()
        for (name, item) in table {
            switch (name, item) {
            case ("__metadata__", .strings(let strings)): metadata = strings
            case ("__metadata__", _): throw ModelFileError(path, "__metadata__ must map strings to strings")
            case (_, .tensor(let dtype, let shape, let offsets)):
                entries[name] = try Self.entry(name, dtype, shape, offsets, bufferSize: bufferSize, path: path)
            default: throw ModelFileError(path, "tensor '\(name)' needs dtype, shape and data_offsets (integers)")
            }
        }
        let sorted = entries.sorted { $0.value.range.lowerBound < $1.value.range.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.value.range.upperBound > b.value.range.lowerBound {
            throw ModelFileError(path, "tensors '\(a.key)' and '\(b.key)' overlap in the data buffer")
        }
        self.entries = entries
        self.metadata = metadata
    }

    /// One header value: a tensor description, the metadata table, or something malformed.
    private enum HeaderItem: Decodable {
        case tensor(dtype: String, shape: [Int], offsets: [Int])
        case strings([String: String])
        case invalid

        private struct TensorFields: Decodable {
            let dtype: String
            let shape: [Int]
            let data_offsets: [Int]
        }

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let fields = try? container.decode(TensorFields.self) {
                self = .tensor(dtype: fields.dtype, shape: fields.shape, offsets: fields.data_offsets)
            } else if let strings = try? container.decode([String: String].self) {
                self = .strings(strings)
            } else {
                self = .invalid
            }
        }
    }

    private static func entry(_ name: String, _ dtype: String, _ shape: [Int], _ offsets: [Int],
                              bufferSize: Int, path: String) throws(ModelFileError) -> Entry {
        guard let size = knownDTypes[dtype] else {
            throw ModelFileError(path, "tensor '\(name)' has unknown dtype '\(dtype)'")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw ModelFileError(path, "tensor '\(name)' has a negative dimension in its shape \(describe(shape: shape))")
        }
        guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
            throw ModelFileError(path, "tensor '\(name)' has invalid data_offsets \(offsets)")
        }
        guard offsets[1] <= bufferSize else {
            throw ModelFileError(path, "tensor '\(name)' ends at byte \(offsets[1]) of a \(bufferSize)-byte data buffer: the file is truncated or the offsets are out of range")
        }
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw ModelFileError(path, "tensor '\(name)' has an impossibly large shape") }
            count = product
        }
        guard count <= bufferSize, offsets[1] - offsets[0] == count * size else {
            throw ModelFileError(path, "tensor '\(name)' of shape \(describe(shape: shape)) and dtype \(dtype) needs \(count * size) bytes but its data_offsets span \(offsets[1] - offsets[0])")
        }
        return Entry(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
    }

    /// The tensor's values as Float32, converted from its stored dtype.
    public func floats(_ name: String) throws(ModelFileError) -> [Float] {
        guard let entry = entries[name] else { throw ModelFileError(path, "tensor '\(name)' is missing") }
        guard let size = Self.readableDTypes[entry.dtype] else {
            throw ModelFileError(path, "tensor '\(name)' has dtype \(entry.dtype); weights must be F32, F64, F16 or BF16")
        }
        let count = entry.range.count / size
        let start = dataStart + entry.range.lowerBound
        return bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress! + start
            return [Float](unsafeUninitializedCapacity: count) { out, initialised in
                for i in 0..<count {
                    switch entry.dtype {
                    case "F32": out[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                    case "F64": out[i] = Float(Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                    case "F16": out[i] = Float(Float16(bitPattern: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
                    default: out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
                    }
                }
                initialised = count
            }
        }
    }
}
