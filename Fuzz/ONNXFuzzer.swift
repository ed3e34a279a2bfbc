import Foundation

// libFuzzer entry for the ONNX import, compiled by scripts/fuzz.sh into one module with the
// engine's and the import's sources (not part of the package build). Any input must either
// translate and load or throw; a model that loads runs the passes of FuzzPass.swift. Paths of
// external data are read relative to the working folder, .build/fuzz/onnx.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNX(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard let onnx = try? ONNXModel(data: bytes, path: "fuzz.onnx"),
          let model = try? onnx.model(ModelDeclaration(), role: onnx.apparentRole) else { return 0 }
    runPasses(model)
    return 0
}
