import Foundation

// libFuzzer entry for the .npy reader, compiled into the engine's own module by
// scripts/fuzz.sh (not part of the package build): every input must be read or refused with
// an error, as an array and as labels.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    if let tensor = try? NPY.read(data: bytes, path: "fuzz.npy") {
        // A tensor that was read must re-encode to the same header and values.
        guard let again = try? NPY.read(data: NPY.encode(tensor), path: "again.npy"),
              again.shape == tensor.shape, again.data.elementsEqual(tensor.data, by: { $0.bitPattern == $1.bitPattern }) else {
            fatalError("a tensor read from a .npy does not survive writing and reading again")
        }
    }
    _ = try? NPY.readLabels(data: bytes, path: "fuzz.npy")
    return 0
}

@_silgen_name("LLVMFuzzerMutate")
private func LLVMFuzzerMutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int) -> Int

/// Mutates the header dictionary alone and rewrites its length field to match (2 bytes in
/// version 1, 4 in versions 2 and 3), for the reason the model fuzzer does; one mutation in
/// eight works on the raw bytes.
@_cdecl("LLVMFuzzerCustomMutator")
public func mutateNPY(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int, _ seed: UInt32) -> Int {
    guard seed % 8 != 0, size >= 12, (1...3).contains(data[6]) else { return LLVMFuzzerMutate(data, size, maxSize) }
    let start = data[6] == 1 ? 10 : 12
    let length = data[6] == 1 ? Int(data[8]) | Int(data[9]) << 8 : Int(data[8]) | Int(data[9]) << 8 | Int(data[10]) << 16 | Int(data[11]) << 24
    guard start + length <= size else { return LLVMFuzzerMutate(data, size, maxSize) }
    let payload = Array(UnsafeBufferPointer(start: data + start + length, count: size - start - length))
    let room = min(maxSize - start - payload.count, data[6] == 1 ? 0xFFFF : Int(Int32.max))
    guard room > 0 else { return LLVMFuzzerMutate(data, size, maxSize) }
    var header = [UInt8](repeating: 0, count: room)
    header.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: data + start, count: length) }
    let mutated = header.withUnsafeMutableBufferPointer { LLVMFuzzerMutate($0.baseAddress!, length, room) }
    for i in 0..<(start - 8) { data[8 + i] = UInt8(truncatingIfNeeded: mutated >> (8 * i)) }
    header.withUnsafeBufferPointer { (data + start).update(from: $0.baseAddress!, count: mutated) }
    if !payload.isEmpty { payload.withUnsafeBufferPointer { (data + start + mutated).update(from: $0.baseAddress!, count: $0.count) } }
    return start + mutated + payload.count
}
