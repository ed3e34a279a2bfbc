import Foundation

extension SafeTensors {
    /// The bytes of a safetensors file holding `tensors` as F32 and the `metadata` strings: how
    /// ceiling writes models it builds itself (tests, synthetic generators).
    public static func encode(tensors: [(name: String, shape: [Int], values: [Float])], metadata: [String: String]) -> Data {
        var header = [String: Any]()
        var offset = 0
        for tensor in tensors {
            precondition(tensor.shape.reduce(1, *) == tensor.values.count, "tensor \(tensor.name) shape does not fit its values")
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + 4 * tensor.values.count]]
            offset += 4 * tensor.values.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for tensor in tensors {
            tensor.values.withUnsafeBufferPointer { data.append(UnsafeRawBufferPointer($0).bindMemory(to: UInt8.self)) }
        }
        return data
    }
}
