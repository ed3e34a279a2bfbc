import ArgumentParser
import CeilingScience

/// `--in-passes`, shared by the estimate and `ceiling robustness`: the r_in attack's
/// metric-refinement passes (`RobustnessSettings.inDistributionPasses`).
enum InPassesOption {
    static let help: ArgumentHelp = "Metric-refinement passes of the r_in attack (default \(InDistributionAttack.standardPasses)): each further pass costs a fifth to a quarter of the r_in stage and shrinks r_in at almost every point."

    static func validate(_ passes: Int?) throws {
        guard let passes else { return }
        guard (1...64).contains(passes) else { throw ValidationError("--in-passes must be between 1 and 64") }
    }
}
