import CeilingEngine
import CeilingONNX
import Foundation

/// Loads a model file as every command takes it: a ceiling `.bin`, or an `.onnx` file whose
/// role, prior, glue and class names come from the declaration beside it (`MODEL.onnx.json`,
/// the format of `ModelDeclaration`), from the command's need, or from its output's shape.
enum ModelFiles {
    static func isONNX(_ path: String) -> Bool { path.lowercased().hasSuffix(".onnx") }

    /// Model files a folder listing may hold.
    static func isModel(_ path: String) -> Bool { path.hasSuffix(".bin") || isONNX(path) }

    /// The declaration file of an ONNX model: the model's name with `.json` appended.
    static func declarationPath(of path: String) -> String { path + ".json" }

    /// The declaration beside an ONNX model, or an empty one when there is none.
    static func declaration(of path: String) throws -> ModelDeclaration {
        let file = declarationPath(of: path)
        return FileManager.default.fileExists(atPath: file) ? try ModelDeclaration(contentsOf: file) : ModelDeclaration()
    }

    /// The model at `path`; `role` is the one the command needs, used for an ONNX file that
    /// declares none (a declared role that differs is reported by the caller's role check).
    static func load(_ path: String, as role: Model.Role? = nil) throws -> Model {
        guard isONNX(path) else { return try Model.load(path) }
        let onnx = try ONNXModel(contentsOf: path)
        let declaration = try declaration(of: path)
        return try onnx.model(declaration, role: declaration.role ?? role ?? onnx.apparentRole)
    }
}
