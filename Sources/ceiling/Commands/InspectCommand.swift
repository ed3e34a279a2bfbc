import ArgumentParser
import CeilingEngine

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a model's role, layers with output shapes, parameter count and glue.")

    @Argument(help: "A ceiling model file (.bin) or an ONNX file (.onnx).")
    var model: String

    func run() throws {
        let loaded = try ModelFiles.load(model)
        print(ModelSummary(loaded).text)
        if ModelFiles.isONNX(model), try ModelFiles.declaration(of: model).role == nil {
            print("  (no role declared: shown as a \(loaded.role.rawValue) by its output shape; declare it in \(ModelFiles.declarationPath(of: model)) or convert with --role)")
        }
    }
}
