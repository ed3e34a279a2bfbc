import Foundation

/// Reading and writing NumPy's `.npy` files (format versions 1-3), the common currency for
/// arrays between ceiling and Python. Reads little-endian float32 or float64 in C order (and
/// integer class labels); writes float32.
public enum NPY {
    /// What is wrong with a file; the header text it quotes has control characters escaped.
    public struct FormatError: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(description: String) { self.description = printable(description) }
    }

    public static func read(_ path: String) throws(FormatError) -> Tensor {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FormatError(description: "\(path): no such file or not readable")
        }
        return try read(data: data, path: path)
    }

    public static func read(data: Data, path: String) throws(FormatError) -> Tensor {
        func fail(_ why: String) -> FormatError { FormatError(description: "\(path): \(why)") }
        let (header, start) = try header(data, path: path)
        let size: Int
        switch header.descr {
        case "<f4", "|f4": size = 4
        case "<f8": size = 8
        default: throw fail("dtype '\(header.descr)' is not supported; use float32 ('<f4') or float64 ('<f8')")
        }
        let shape = header.shape
        guard !shape.isEmpty else { throw fail("holds a 0-dimensional array (a scalar); ceiling reads batches, whose first axis is the sample") }
        let count = try elementCount(shape, size: size, dataBytes: data.count - start, path: path)
        let values = data.withUnsafeBytes { raw in
            (0..<count).map { i in
                size == 4 ? Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self)))
                    : Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start + 8 * i, as: UInt64.self))))
            }
        }
        return Tensor(shape: shape, data: values)
    }

    /// A one-dimensional array of integer class labels (int64, int32, int16 or uint8).
    public static func readLabels(_ path: String) throws(FormatError) -> [Int] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FormatError(description: "\(path): no such file or not readable")
        }
        return try readLabels(data: data, path: path)
    }

    public static func readLabels(data: Data, path: String) throws(FormatError) -> [Int] {
        func fail(_ why: String) -> FormatError { FormatError(description: "\(path): \(why)") }
        let (header, start) = try header(data, path: path)
        let descr = header.descr
        guard header.shape.count == 1 else { throw fail("labels must be one-dimensional, got shape \(describe(shape: header.shape))") }
        let sizes = ["<i8": 8, "<i4": 4, "<i2": 2, "|u1": 1, "|i1": 1]
        guard let size = sizes[descr] else { throw fail("dtype '\(descr)' is not an integer label type; use int64 ('<i8')") }
        let count = try elementCount(header.shape, size: size, dataBytes: data.count - start, path: path)
        return data.withUnsafeBytes { raw in
            (0..<count).map { i in
                let at = start + size * i
                switch size {
                case 8: return Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int64.self)))
                case 4: return Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int32.self)))
                case 2: return Int(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int16.self)))
                default: return descr == "|u1" ? Int(raw[at]) : Int(Int8(bitPattern: raw[at]))
                }
            }
        }
    }

    /// The number of elements of `shape`, checked without overflow against the data bytes.
    private static func elementCount(_ shape: [Int], size: Int, dataBytes: Int, path: String) throws(FormatError) -> Int {
        guard let count = SizeArithmetic.product(shape), case (let bytes, false) = count.multipliedReportingOverflow(by: size) else {
            throw FormatError(description: "\(path): shape \(describe(shape: shape)) is impossibly large (its byte count overflows 64 bits)")
        }
        guard dataBytes == bytes else {
            throw FormatError(description: "\(path): holds \(dataBytes) data bytes, but shape \(describe(shape: shape)) needs \(bytes)")
        }
        return count
    }

    /// NumPy 2's `NPY_MAXDIMS`: no array NumPy writes has more axes.
    static let maxRank = 64

    /// The parsed header and the offset of the first data byte. Works on the bytes from 0
    /// whatever `data`'s indices, so a slice of a larger buffer reads the same.
    private static func header(_ data: Data, path: String) throws(FormatError) -> (header: NPYHeader, start: Int) {
        func fail(_ why: String) -> FormatError { FormatError(description: "\(path): \(why)") }
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw fail("not a NumPy .npy file")
        }
        let major = bytes[6]
        guard (1...3).contains(major) else { throw fail("unsupported .npy version \(major)") }
        let headerStart = major == 1 ? 10 : 12
        guard bytes.count >= headerStart else { throw fail("truncated .npy header") }
        let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        guard data.count - headerStart >= headerLength else { throw fail("truncated .npy header") }
        let headerBytes = data.withUnsafeBytes { Array($0[headerStart..<(headerStart + headerLength)]) }
        guard let text = String(validating: headerBytes, as: UTF8.self) else { throw fail("the .npy header is not UTF-8 text") }
        let header: NPYHeader
        do {
            header = try NPYHeader(parsing: text)
        } catch {
            let shown = text.trimmingCharacters(in: .whitespacesAndNewlines)
            throw fail("malformed .npy header (\(error.problem)): \(shown.count > 200 ? String(shown.prefix(197)) + "..." : shown)")
        }
        guard !header.fortranOrder else { throw fail("Fortran-ordered arrays are not supported; save with np.ascontiguousarray") }
        guard header.shape.count <= maxRank else { throw fail("has \(header.shape.count) axes, more than NumPy's limit of \(maxRank)") }
        return (header, headerStart + headerLength)
    }

    /// The bytes of a version-1.0 float32 `.npy` file.
    public static func encode(_ tensor: Tensor) -> Data {
        let shapeText = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        tensor.data.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self), count: $0.count * 4)) }
        return data
    }

    /// Writes atomically: a reader never sees half a file.
    public static func write(_ tensor: Tensor, to path: String) throws {
        try encode(tensor).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
