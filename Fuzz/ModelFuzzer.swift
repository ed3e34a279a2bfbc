import Foundation

// libFuzzer entry for the model loader, compiled into the engine's own module by
// scripts/fuzz.sh (not part of the package build). Any input must either load or throw; a
// model that loads and is small enough is run forward, backward and along a tangent on a
// batch of two, so that a shape the loader accepted but an operation cannot handle shows up
// as a crash here rather than in a user's run.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard let tensors = try? SafeTensors(data: bytes, path: "fuzz.bin"),
          let model = try? Model(tensors: tensors, path: "fuzz.bin") else { return 0 }
    runPasses(model)
    return 0
}

@_silgen_name("LLVMFuzzerMutate")
private func LLVMFuzzerMutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int) -> Int

/// Mutates the JSON header alone and rewrites the length prefix to match. Plain byte mutations
/// almost always break the prefix (an inserted byte shifts the header's end), so nearly every
/// mutant was refused before its metadata was read. One mutation in eight still works on the
/// raw bytes, prefix and weights included.
@_cdecl("LLVMFuzzerCustomMutator")
public func mutateModel(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int, _ seed: UInt32) -> Int {
    guard seed % 8 != 0, size >= 8 else { return LLVMFuzzerMutate(data, size, maxSize) }
    let length = UnsafeRawPointer(data).loadUnaligned(as: UInt64.self)
    guard length <= UInt64(size - 8) else { return LLVMFuzzerMutate(data, size, maxSize) }
    let headerLength = Int(length)
    let payload = Array(UnsafeBufferPointer(start: data + 8 + headerLength, count: size - 8 - headerLength))
    let room = maxSize - 8 - payload.count
    guard room > 0 else { return LLVMFuzzerMutate(data, size, maxSize) }
    var header = [UInt8](repeating: 0, count: room)
    header.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: data + 8, count: headerLength) }
    let mutated = header.withUnsafeMutableBufferPointer { LLVMFuzzerMutate($0.baseAddress!, headerLength, room) }
    withUnsafeBytes(of: UInt64(mutated).littleEndian) { UnsafeMutableRawPointer(data).copyMemory(from: $0.baseAddress!, byteCount: 8) }
    header.withUnsafeBufferPointer { (data + 8).update(from: $0.baseAddress!, count: mutated) }
    if !payload.isEmpty { payload.withUnsafeBufferPointer { (data + 8 + mutated).update(from: $0.baseAddress!, count: $0.count) } }
    return 8 + mutated + payload.count
}

