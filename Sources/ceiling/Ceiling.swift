import ArgumentParser

struct Ceiling: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ceiling",
        abstract: "Estimate the robustness ceiling of image classification on a generator's distribution.",
        discussion: """
            The bounds follow Fawzi, Fawzi & Fawzi, "Adversarial vulnerability for any classifier" \
            (NeurIPS 2018). Models are ceiling .bin files (docs/model-format.md), written from \
            PyTorch by scripts/export_torch.py, or ONNX files (.onnx).
            """,
        version: CeilingVersion.string,
        subcommands: [EstimateCommand.self, PlotCommand.self, InspectCommand.self, ForwardCommand.self, ConvertCommand.self, BenchCommand.self, ModulusCommand.self, BoundCommand.self, RobustnessCommand.self, TransferCommand.self, MergeCommand.self, AttackCommand.self, CertifyCommand.self, GradientsCommand.self, DimensionCommand.self],
        defaultSubcommand: EstimateCommand.self)
}

enum CeilingVersion {
    static let string = "0.1.0"
}
