import ArgumentParser
import CeilingScience

/// `--refinement-steps`, shared by `ceiling attack`, `robustness` and `transfer`: the DDN-style
/// refinement's steps, by default the estimate's own, so that a command's numbers agree with the
/// table of the whole run.
enum RefinementStepsOption {
    static let help: ArgumentHelp = "Steps of the DDN-style refinement after DeepFool (in transfer, of the joint one too); the default is the whole estimate's."

    static func validate(_ steps: Int) throws {
        guard (0...100_000).contains(steps) else { throw ValidationError("--refinement-steps must be between 0 and 100000") }
    }
}
