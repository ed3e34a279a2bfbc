import CeilingEngine
import Foundation
import SwiftProtobuf

/// An ONNX file translated into the engine's model format (docs/model-format.md). The network
/// comes from the file; what ONNX cannot say (role, latent prior, glue, class names) comes from
/// a `ModelDeclaration`. The translated file then loads through the same checks as a `.bin`.
public struct ONNXModel {
    /// The opsets whose operator semantics the translation follows.
    public static let opsets = 9...23

    public let path: String
    /// Per-sample shapes of the input and the output.
    public let inputShape: [Int]
    public let outputShape: [Int]
    private let graph: [String: Any]
    private let tensors: [(name: String, shape: [Int], values: [Float])]
    private let description: String

    public init(contentsOf path: String) throws(ModelFileError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ModelFileError(path, "no such file") }
        guard !isDirectory.boolValue else { throw ModelFileError(path, "is a folder, not a model file") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw ModelFileError(path, "cannot be read (\(error.localizedDescription))")
        }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String) throws(ModelFileError) {
        let model: Onnx_ModelProto
        do { model = try Onnx_ModelProto(serializedBytes: data) } catch {
            throw ModelFileError(path, "not a readable ONNX file: the protobuf does not parse (\(error)); the file is truncated or damaged")
        }
        guard model.hasGraph, model.hasIrVersion else {
            throw ModelFileError(path, "not an ONNX model: no graph or IR version (a truncated or damaged file, or another protobuf)")
        }
        let versions = model.opsetImport.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }.map(\.version)
        guard let version = versions.first, versions.count == 1 else {
            throw ModelFileError(path, "the file imports \(versions.count) versions of the standard ONNX opset; it needs exactly one")
        }
        guard Self.opsets.contains(Int(version)) else {
            throw ModelFileError(path, "ONNX opset \(version) is outside the opsets ceiling reads (\(Self.opsets.lowerBound) to \(Self.opsets.upperBound)); export at an opset in that range")
        }
        let translation = try GraphTranslation(model.graph, opset: Int(version), path: path)
        self.path = path
        inputShape = translation.input.shape
        outputShape = translation.output.shape
        graph = ["input": translation.input.name, "output": translation.output.name, "nodes": translation.nodes]
        tensors = translation.tensors
        let producer = [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        description = "ONNX file \(URL(fileURLWithPath: path).lastPathComponent)" + (producer.isEmpty ? "" : " written by \(producer)") + ", opset \(version)"
    }

    /// The role a model without a declared one is shown with: a classifier when it outputs a
    /// vector, a generator otherwise.
    public var apparentRole: Model.Role { outputShape.count == 1 ? .classifier : .generator }

    /// The native model file (safetensors bytes) for this network and declaration. The input
    /// shape is the network's unless the declaration gives X's (glue with a resize).
    public func nativeFile(_ declaration: ModelDeclaration, role: Model.Role) -> Data {
        var metadata = declaration.metadata(role: role)
        metadata["ceiling.format"] = "1"
        if metadata["ceiling.input_shape"] == nil {
            metadata["ceiling.input_shape"] = String(decoding: try! JSONSerialization.data(withJSONObject: inputShape), as: UTF8.self)
        }
        metadata["ceiling.graph"] = String(decoding: try! JSONSerialization.data(withJSONObject: graph, options: [.sortedKeys]), as: UTF8.self)
        metadata["ceiling.source"] = declaration.source ?? description
        return SafeTensors.encode(tensors: tensors, metadata: metadata)
    }

    /// The model, loaded from the native file with every check a `.bin` file gets.
    public func model(_ declaration: ModelDeclaration, role: Model.Role) throws(ModelFileError) -> Model {
        if declaration.glue?.resize != nil && declaration.inputShape == nil {
            throw ModelFileError(path, "glue resize needs the shape of image space X: declare input_shape (the network's own input is \(inputShape))")
        }
        let tensors = try SafeTensors(data: nativeFile(declaration, role: role), path: path)
        return try Model(tensors: tensors, path: path)
    }
}
