import CeilingEngine
import Foundation

/// A tensor whose value is known at import: an initializer, a `Constant` node, or the result of
/// folding the Shape/Gather/Concat chains torch writes for `view`. Integer tensors may hold the
/// batch size, which is only known when the model runs: a `nil` element.
struct ConstantTensor {
    enum Elements {
        case floats([Float])
        case integers([Int?])
    }
    let shape: [Int]
    let elements: Elements

    var count: Int {
        switch elements {
        case .floats(let v): v.count
        case .integers(let v): v.count
        }
    }

    /// The values as Float32; nil for an integer tensor that holds the batch size.
    var floats: [Float]? {
        switch elements {
        case .floats(let v): v
        case .integers(let v): v.contains(nil) ? nil : v.map { Float($0!) }
        }
    }

    /// The values as integers (floats only when whole); `nil` elements stand for the batch size.
    var integers: [Int?]? {
        switch elements {
        case .integers(let v): return v
        case .floats(let v):
            guard v.allSatisfy({ $0.isFinite && $0 == $0.rounded() && abs($0) < 1e15 }) else { return nil }
            return v.map { Int($0) }
        }
    }

    func reshaped(_ shape: [Int]) -> ConstantTensor { ConstantTensor(shape: shape, elements: elements) }

    /// The elements at `indices` (flat), in that order, as a tensor of `shape`.
    func gathered(_ indices: [Int], shape: [Int]) -> ConstantTensor {
        switch elements {
        case .floats(let v): ConstantTensor(shape: shape, elements: .floats(indices.map { v[$0] }))
        case .integers(let v): ConstantTensor(shape: shape, elements: .integers(indices.map { v[$0] }))
        }
    }
}

/// The ONNX element types the import reads (TensorProto.DataType).
enum ONNXType: Int32 {
    case float = 1, uint8 = 2, int8 = 3, int32 = 6, int64 = 7, bool = 9, float16 = 10, double = 11, bfloat16 = 16

    var byteSize: Int {
        switch self {
        case .uint8, .int8, .bool: 1
        case .float16, .bfloat16: 2
        case .float, .int32: 4
        case .int64, .double: 8
        }
    }

    var isFloatingPoint: Bool { self == .float || self == .float16 || self == .double || self == .bfloat16 }
}

extension ConstantTensor {
    /// The most elements one constant may hold: the engine's limit on all weights together.
    static let maxElements = GraphLimits.parameters

    /// Decodes an initializer or a `Constant` node's tensor, from `raw_data`, the typed lists or
    /// external data, checking the byte count against the shape before reading anything.
    init(_ proto: Onnx_TensorProto, external: ExternalData, path: String) throws(ModelFileError) {
        let name = proto.name.isEmpty ? "(unnamed)" : proto.name
        guard let type = ONNXType(rawValue: proto.dataType) else {
            throw ModelFileError(path, "tensor '\(name)' has ONNX data type \(proto.dataType), which ceiling does not read (float, float16, bfloat16, double, int8/32/64, uint8, bool)")
        }
        guard !proto.hasSegment else { throw ModelFileError(path, "tensor '\(name)' is split into segments, which ceiling does not read") }
        var shape = [Int](), count = 1
        for dim in proto.dims {
            guard dim >= 0, dim <= Int64(Self.maxElements) else { throw ModelFileError(path, "tensor '\(name)' has a dimension of \(dim)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(dim))
            guard !overflow, product <= Self.maxElements else {
                throw ModelFileError(path, "tensor '\(name)' has shape \(proto.dims), over the limit of \(Self.maxElements) elements")
            }
            shape.append(Int(dim))
            count = product
        }
        let raw: Data?
        if proto.dataLocation == .external {
            raw = try Self.externalBytes(proto, name: name, byteCount: count * type.byteSize, external: external, path: path)
        } else {
            raw = proto.hasRawData ? proto.rawData : nil
        }
        if let raw {
            guard raw.count == count * type.byteSize else {
                throw ModelFileError(path, "tensor '\(name)' of shape \(shape) needs \(count * type.byteSize) bytes of data, it has \(raw.count)")
            }
            self.init(shape: shape, elements: Self.decode(raw, type: type, count: count))
            return
        }
        let elements: Elements
        let listCount: Int
        switch type {
        case .float: (elements, listCount) = (.floats(proto.floatData), proto.floatData.count)
        case .double: (elements, listCount) = (.floats(proto.doubleData.map { Float($0) }), proto.doubleData.count)
        case .int64: (elements, listCount) = (.integers(proto.int64Data.map { Int($0) }), proto.int64Data.count)
        case .int32, .int8, .uint8, .bool: (elements, listCount) = (.integers(proto.int32Data.map { Int($0) }), proto.int32Data.count)
        case .float16, .bfloat16:
            // Half-precision values sit in int32_data, one 16-bit pattern each.
            let bits = proto.int32Data.map { UInt16(truncatingIfNeeded: $0) }
            (elements, listCount) = (.floats(bits.map { type == .float16 ? Float(Float16(bitPattern: $0)) : Float(bitPattern: UInt32($0) << 16) }), bits.count)
        }
        guard listCount == count else {
            throw ModelFileError(path, "tensor '\(name)' of shape \(shape) needs \(count) values, it has \(listCount)")
        }
        self.init(shape: shape, elements: elements)
    }

    private static func externalBytes(_ proto: Onnx_TensorProto, name: String, byteCount: Int, external: ExternalData, path: String) throws(ModelFileError) -> Data {
        var fields = [String: String]()
        for entry in proto.externalData { fields[entry.key] = entry.value }
        guard let location = fields["location"] else {
            throw ModelFileError(path, "tensor '\(name)' is stored externally but names no file ('location')")
        }
        func integer(_ key: String) throws(ModelFileError) -> Int? {
            guard let text = fields[key] else { return nil }
            guard let value = Int(text), value >= 0 else { throw ModelFileError(path, "tensor '\(name)': external data '\(key)' is '\(text)', not a byte count") }
            return value
        }
        let length = try integer("length")
        if let length, length != byteCount {
            throw ModelFileError(path, "tensor '\(name)' needs \(byteCount) bytes, but its external data 'length' is \(length)")
        }
        return try external.bytes(location: location, offset: try integer("offset") ?? 0, length: length ?? byteCount, tensor: name)
    }

    /// Little-endian raw bytes of `count` elements of `type`.
    private static func decode(_ raw: Data, type: ONNXType, count: Int) -> Elements {
        raw.withUnsafeBytes { bytes -> Elements in
            func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T { T(littleEndian: bytes.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)) }
            switch type {
            case .float: return .floats((0..<count).map { Float(bitPattern: load(UInt32.self, $0)) })
            case .double: return .floats((0..<count).map { Float(Double(bitPattern: load(UInt64.self, $0))) })
            case .float16: return .floats((0..<count).map { Float(Float16(bitPattern: load(UInt16.self, $0))) })
            case .bfloat16: return .floats((0..<count).map { Float(bitPattern: UInt32(load(UInt16.self, $0)) << 16) })
            case .int64: return .integers((0..<count).map { Int(load(Int64.self, $0)) })
            case .int32: return .integers((0..<count).map { Int(load(Int32.self, $0)) })
            case .int8: return .integers((0..<count).map { Int(load(Int8.self, $0)) })
            case .uint8, .bool: return .integers((0..<count).map { Int(load(UInt8.self, $0)) })
            }
        }
    }
}
