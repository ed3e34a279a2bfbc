import ArgumentParser
import CeilingEngine

struct ForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Run a model on a NumPy array, optionally with the input gradient of <u, output>.",
        discussion: "Use it to confirm that an exported model behaves like the PyTorch original.")

    @Argument(help: "A ceiling model file (.bin).")
    var model: String

    @Option(help: "Input batch (.npy, float32 or float64), shape [N] + the model's input shape.")
    var input: String

    @Option(help: "Where to write the output batch (.npy, float32).")
    var output: String

    @Option(name: .customLong("grad-output"), help: "Cotangent u (.npy), the output's shape.")
    var gradOutput: String?

    @Option(name: .customLong("grad-input"), help: "Where to write the gradient of <u, output> with respect to the input.")
    var gradInput: String?

    func validate() throws {
        guard (gradOutput == nil) == (gradInput == nil) else {
            throw ValidationError("--grad-output and --grad-input go together")
        }
    }

    func run() throws {
        try OutputFiles.checkFile(output, option: "--output")
        if let gradInput { try OutputFiles.checkFile(gradInput, option: "--grad-input") }
        let model = try Model.load(model)
        let x = try InputArrays.read(input, option: "--input")
        guard x.shape.count == model.inputShape.count + 1, x.sampleShape == model.inputShape, x.batch > 0 else {
            throw ValidationError("\(input) has shape \(describe(shape: x.shape)), but the model takes \(batchShape(model.inputShape))")
        }
        let trace = model.graph.trace(x)
        let y = trace.value(model.graph.output)
        try OutputFiles.write(NPY.encode(y), to: output)
        if let gradOutput, let gradInput {
            let u = try InputArrays.read(gradOutput, option: "--grad-output")
            guard u.shape == y.shape else {
                throw ValidationError("\(gradOutput) has shape \(describe(shape: u.shape)), but the output is \(describe(shape: y.shape))")
            }
            try OutputFiles.write(NPY.encode(model.graph.vjp(trace, cotangent: u)), to: gradInput)
        }
    }
}
