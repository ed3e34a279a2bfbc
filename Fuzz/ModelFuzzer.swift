import Foundation

// libFuzzer entry for the model loader, compiled into the engine's own module by
// scripts/fuzz.sh (not part of the package build). Any input must either load or throw; a
// model that loads and is small enough is run forward, backward and along a tangent on a
// batch of two, so that a shape the loader accepted but an operation cannot handle shows up
// as a crash here rather than in a user's run.

/// Work and memory a pass may take for the fuzzer to run it: far below the engine's limits,
/// so that each input takes milliseconds.
private let maxTraceValues = 1 << 16
private let maxMultiplyAdds = 1 << 22

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard let tensors = try? SafeTensors(data: bytes, path: "fuzz.bin"),
          let model = try? Model(tensors: tensors, path: "fuzz.bin") else { return 0 }
    let graph = model.graph
    guard graph.traceValuesPerSample <= maxTraceValues, estimatedWork(graph) <= maxMultiplyAdds else { return 0 }
    let batch = 2
    let input = patterned([batch] + graph.inputShape, seed: 1)
    let trace = graph.trace(input)
    let output = trace.value(graph.output)
    _ = graph.vjp(trace, cotangent: patterned(output.shape, seed: 2))
    _ = graph.jvp(trace, tangent: patterned(input.shape, seed: 3))
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

/// Multiply-adds of one sample's forward pass, roughly: what a node's output costs per value
/// times its values.
private func estimatedWork(_ graph: Graph) -> Int {
    var total = 0
    for node in graph.nodes {
        let outputs = node.shape.reduce(1, *)
        let perValue: Int
        switch node.operation {
        case let conv as Conv2d: perValue = conv.inChannels * conv.kernel.0 * conv.kernel.1
        case let conv as ConvTranspose2d: perValue = conv.inChannels * conv.kernel.0 * conv.kernel.1
        case let linear as Linear: perValue = linear.inFeatures
        case let pool as MaxPool2d: perValue = pool.pool.kernel.0 * pool.pool.kernel.1
        case let pool as AvgPool2d: perValue = pool.pool.map { $0.kernel.0 * $0.kernel.1 } ?? graph.shape(of: node.inputs[0]).reduce(1, *)
        default: perValue = 4
        }
        total += outputs * perValue
        if total > maxMultiplyAdds { return total }
    }
    return total
}

/// A deterministic tensor with values in [-1, 1].
private func patterned(_ shape: [Int], seed: Int) -> Tensor {
    let count = shape.reduce(1, *)
    return Tensor(shape: shape, data: (0..<count).map { Float(($0 * 37 + seed * 11) % 101) / 50 - 1 })
}
