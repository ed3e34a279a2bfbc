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
