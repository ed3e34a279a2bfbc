import ArgumentParser
import CeilingEngine

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a model's role, layers with output shapes, parameter count and glue.")

    @Argument(help: "A ceiling model file (.bin).")
    var model: String

    func run() throws {
        let model = try Model.load(model)
        print(ModelSummary(model).text)
    }
}
