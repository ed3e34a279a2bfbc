import ArgumentParser
import CeilingEngine
import CeilingONNX
import Foundation

/// `ceiling convert`: an ONNX file to a ceiling model file, with what ONNX cannot say (role,
/// prior, glue, class names) from options or the declaration beside the model.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert an ONNX model (.onnx) to a ceiling model file (.bin).",
        discussion: """
            Options override the declaration file MODEL.onnx.json beside the model, a JSON object \
            with any of role, prior, glue, classes, source and input_shape written as in a model \
            file's metadata (docs/model-format.md). Every command also reads .onnx files directly, \
            with that declaration.
            """)

    @Argument(help: "The ONNX file.") var model: String
    @Option(help: "Where to write the ceiling model file (.bin).") var out: String
    @Option(help: "generator or classifier (default: declared, else classifier for a vector output).") var role: String?
    @Option(help: "A declaration file (default: MODEL.onnx.json beside the model, if it exists).") var declaration: String?
    @Option(parsing: .upToNextOption, help: "Class names, one per logit.") var classes: [String] = []
    // LO,HI in one argument: a separate "-1" would read as an option.
    @Option(name: .customLong("range-from"), parsing: .unconditional, help: "Glue: the image space's range, LO,HI (e.g. -1,1).") var rangeFromText: String?
    @Option(name: .customLong("range-to"), parsing: .unconditional, help: "Glue: the range the network was trained on, LO,HI (e.g. 0,1).") var rangeToText: String?
    @Option(parsing: .upToNextOption, help: "Glue: per-channel mean of the network's normalisation.") var mean: [Double] = []
    @Option(parsing: .upToNextOption, help: "Glue: per-channel std of the network's normalisation.") var std: [Double] = []
    @Option(parsing: .upToNextOption, help: "Glue: bilinear resize to H W (needs --input-shape).") var resize: [Int] = []
    @Option(name: .customLong("input-shape"), parsing: .upToNextOption, help: "The shape of image space X, C H W (with --resize).") var inputShape: [Int] = []
    @Option(help: "Free text recorded as the model's source.") var source: String?

    var rangeFrom: [Double] { Self.pair(rangeFromText) }
    var rangeTo: [Double] { Self.pair(rangeToText) }

    /// The numbers of "LO,HI"; an empty list when absent or not two numbers (validate refuses it).
    static func pair(_ text: String?) -> [Double] {
        guard let text else { return [] }
        let values = text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        return values.count == 2 ? values : [.nan]
    }

    func validate() throws {
        if let role, Model.Role(rawValue: role) == nil { throw ValidationError("--role must be generator or classifier, got '\(role)'") }
        guard rangeFrom.isEmpty == rangeTo.isEmpty, rangeFrom.isEmpty || (rangeFrom.count == 2 && rangeTo.count == 2) else {
            throw ValidationError("--range-from and --range-to go together, each two numbers LO,HI (e.g. --range-from -1,1 --range-to 0,1)")
        }
        guard mean.count == std.count else { throw ValidationError("--mean and --std go together, one number per channel each") }
        guard resize.isEmpty || resize.count == 2 else { throw ValidationError("--resize takes two sizes, H W") }
    }

    func run() throws {
        guard ModelFiles.isONNX(model) else { throw ValidationError("\(model) is not an .onnx file; ceiling convert reads ONNX models") }
        try OutputFiles.checkFile(out, option: "--out")
        let onnx = try ONNXModel(contentsOf: model)
        var declared = try declaration.map { try ModelDeclaration(contentsOf: $0) } ?? ModelFiles.declaration(of: model)
        if let role { declared.role = Model.Role(rawValue: role) }
        if !classes.isEmpty { declared.classes = classes }
        if let source { declared.source = source }
        if !inputShape.isEmpty { declared.inputShape = inputShape }
        if !rangeFrom.isEmpty || !mean.isEmpty || !resize.isEmpty {
            let glue = declared.glue
            declared.glue = Glue(range: rangeFrom.isEmpty ? glue?.range : Glue.Range(from: rangeFrom, to: rangeTo),
                                 normalize: mean.isEmpty ? glue?.normalize : Glue.Normalization(mean: mean, std: std),
                                 resize: resize.isEmpty ? glue?.resize : resize)
        }
        let resolvedRole = declared.role ?? onnx.apparentRole
        // Loading the converted file checks it as any .bin is checked before it is written.
        let converted = try onnx.model(declared, role: resolvedRole)
        try OutputFiles.write(onnx.nativeFile(declared, role: resolvedRole), to: out)
        print("\(out): \(resolvedRole.rawValue)\(declared.role == nil ? " (by its output shape; pass --role to choose)" : ""), "
              + "\(converted.graph.nodes.count) layers, \(converted.parameterCount.formatted()) parameters, "
              + "input \(batchShape(converted.inputShape)), output \(batchShape(converted.outputShape))")
    }
}
