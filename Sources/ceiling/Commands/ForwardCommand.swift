import ArgumentParser
import CeilingEngine

struct ForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Run a model on a NumPy array, optionally with the input gradient of <u, output>.",
        discussion: "Use it to confirm that an exported model behaves like the PyTorch original.")

    @Argument(help: "A ceiling model file (.bin) or an ONNX file (.onnx).")
    var model: String

    @Option(help: "Input batch (.npy, float32 or float64), shape [N] + the model's input shape.")
    var input: String

    @Option(help: "Where to write the output batch (.npy, float32).")
    var output: String

    @Option(name: .customLong("grad-output"), help: "Cotangent u (.npy), the output's shape.")
    var gradOutput: String?

    @Option(name: .customLong("grad-input"), help: "Where to write the gradient of <u, output> with respect to the input.")
    var gradInput: String?

    /// Samples per pass.
    static let chunk = 256

    /// Samples `rows` of a batch.
    static func rows(_ t: Tensor, _ rows: Range<Int>) -> Tensor {
        Tensor(shape: [rows.count] + t.sampleShape, data: Array(t.data[rows.lowerBound * t.sampleSize..<rows.upperBound * t.sampleSize]))
    }

    func validate() throws {
        guard (gradOutput == nil) == (gradInput == nil) else {
            throw ValidationError("--grad-output and --grad-input go together")
        }
    }

    func run() throws {
        try OutputFiles.checkFile(output, option: "--output")
        if let gradInput { try OutputFiles.checkFile(gradInput, option: "--grad-input") }
        let model = try ModelFiles.load(model)
        let x = try InputArrays.read(input, option: "--input")
        guard x.shape.count == model.inputShape.count + 1, x.sampleShape == model.inputShape, x.batch > 0 else {
            throw ValidationError("\(input) has shape \(describe(shape: x.shape)), but the model takes \(batchShape(model.inputShape))")
        }
        let u = try gradOutput.map { try InputArrays.read($0, option: "--grad-output") }
        let outputShape = [x.batch] + model.outputShape
        if let u, let gradOutput, u.shape != outputShape {
            throw ValidationError("\(gradOutput) has shape \(describe(shape: u.shape)), but the output is \(describe(shape: outputShape))")
        }
        // Chunks of samples bound the activations kept for the backward pass, whatever N is.
        var outputs = [Float](), gradients = [Float]()
        outputs.reserveCapacity(x.batch * model.outputSize)
        let chunk = min(Self.chunk, model.graph.largestBatch)
        for start in stride(from: 0, to: x.batch, by: chunk) {
            let rows = start..<min(start + chunk, x.batch)
            let trace = model.graph.trace(Self.rows(x, rows))
            outputs += trace.value(model.graph.output).data
            if let u { gradients += model.graph.vjp(trace, cotangent: Self.rows(u, rows)).data }
        }
        try OutputFiles.write(NPY.encode(Tensor(shape: outputShape, data: outputs)), to: output)
        if let gradInput, u != nil {
            try OutputFiles.write(NPY.encode(Tensor(shape: x.shape, data: gradients)), to: gradInput)
        }
    }
}
