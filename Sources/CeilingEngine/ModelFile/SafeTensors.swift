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
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ModelFileError(path, "no such file")
        }
        guard !isDirectory.boolValue else { throw ModelFileError(path, "is a folder, not a model file") }
        guard FileManager.default.isReadableFile(atPath: url.path) else { throw ModelFileError(path, "cannot be read (permission denied)") }
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw ModelFileError(path, "cannot be read (\(error.localizedDescription))")
        }
        try self.init(data: data, path: path)
    }

    /// The safetensors library's limit on the header, which no model comes near.
    static let maxHeaderBytes = 100_000_000

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
        guard headerLength <= UInt64(Self.maxHeaderBytes) else {
            throw ModelFileError(path, "header length \(headerLength) exceeds the safetensors limit of \(Self.maxHeaderBytes) bytes")
        }
        let dataStart = 8 + Int(headerLength)
        self.dataStart = dataStart
        let table = try Self.header(data, dataStart: dataStart, path: path)
        let bufferSize = data.count - dataStart
        var entries = [String: Entry]()
        var metadata = [String: String]()
        for (name, item) in table.members {
            if name == "__metadata__" {
                metadata = try Self.metadata(item, path: path)
            } else {
                entries[name] = try Self.entry(name, item, bufferSize: bufferSize, path: path)
            }
        }
        try Self.refuseOverlaps(entries, path: path)
        self.entries = entries
        self.metadata = metadata
    }

    /// The header's top-level object, parsed strictly (duplicate keys refused).
    private static func header(_ data: Data, dataStart: Int, path: String) throws(ModelFileError) -> JSONObject {
        let parsed = data.withUnsafeBytes { raw in
            Result { () throws(JSONParser.Failure) -> JSON in try JSONParser.parse(UnsafeRawBufferPointer(rebasing: raw[8..<dataStart])) }
        }
        switch parsed {
        case .success(.object(let table)): return table
        case .failure(let failure):
            if let key = failure.duplicateKey {
                throw ModelFileError(path, "header repeats the key \"\(key)\" (byte \(failure.offset) of the header): safetensors refuses duplicate keys, since readers would disagree on which copy counts")
            }
            throw ModelFileError(path, "header is not a JSON object (\(failure.description)): not a safetensors file or corrupt")
        case .success:
            throw ModelFileError(path, "header is not a JSON object: not a safetensors file or corrupt")
        }
    }

    private static func metadata(_ value: JSON, path: String) throws(ModelFileError) -> [String: String] {
        guard let object = value.object else { throw ModelFileError(path, "__metadata__ must map strings to strings") }
        var metadata = [String: String]()
        for (key, value) in object.members {
            guard let text = value.string else { throw ModelFileError(path, "__metadata__ must map strings to strings, and '\(key)' is \(value)") }
            metadata[key] = text
        }
        return metadata
    }

    /// One tensor's description, checked against the data buffer. Fields other than the three
    /// the format defines are ignored, as the safetensors library ignores them.
    private static func entry(_ name: String, _ value: JSON, bufferSize: Int, path: String) throws(ModelFileError) -> Entry {
        guard let fields = value.object, let dtype = fields["dtype"]?.string, let shapeItems = fields["shape"]?.array,
              let offsetItems = fields["data_offsets"]?.array else {
            throw ModelFileError(path, "tensor '\(name)' needs dtype, shape and data_offsets (integers)")
        }
        guard let size = knownDTypes[dtype] else {
            throw ModelFileError(path, "tensor '\(name)' has unknown dtype '\(dtype)'")
        }
        let shape = shapeItems.compactMap(\.integer)
        guard shape.count == shapeItems.count else {
            throw ModelFileError(path, "tensor '\(name)' has shape \(JSON.array(shapeItems)): sizes must be JSON integers (no fraction or exponent) that fit in 64 bits")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw ModelFileError(path, "tensor '\(name)' has a negative dimension in its shape \(describe(shape: shape))")
        }
        let offsets = offsetItems.compactMap(\.integer)
        guard offsets.count == 2, offsetItems.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
            throw ModelFileError(path, "tensor '\(name)' has invalid data_offsets \(JSON.array(offsetItems)) (two JSON integers, begin <= end)")
        }
        guard offsets[1] <= bufferSize else {
            throw ModelFileError(path, "tensor '\(name)' ends at byte \(offsets[1]) of a \(bufferSize)-byte data buffer: the file is truncated or the offsets are out of range")
        }
        guard let count = SizeArithmetic.product(shape), case (let byteCount, false) = count.multipliedReportingOverflow(by: size) else {
            throw ModelFileError(path, "tensor '\(name)' has an impossibly large shape \(describe(shape: shape))")
        }
        guard offsets[1] - offsets[0] == byteCount else {
            throw ModelFileError(path, "tensor '\(name)' of shape \(describe(shape: shape)) and dtype \(dtype) needs \(byteCount) bytes but its data_offsets span \(offsets[1] - offsets[0])")
        }
        return Entry(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
    }

    /// Refuses tensors whose bytes overlap. Empty tensors overlap nothing; the others are taken
    /// in order of offset, then name, so the check and its message do not depend on dictionary order.
    private static func refuseOverlaps(_ entries: [String: Entry], path: String) throws(ModelFileError) {
        let sorted = entries.filter { !$0.value.range.isEmpty }
            .sorted { ($0.value.range.lowerBound, $0.value.range.upperBound, $0.key) < ($1.value.range.lowerBound, $1.value.range.upperBound, $1.key) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.value.range.upperBound > b.value.range.lowerBound {
            throw ModelFileError(path, "tensors '\(a.key)' and '\(b.key)' overlap in the data buffer")
        }
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
