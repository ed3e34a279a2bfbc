import ArgumentParser
import CeilingEngine
import CeilingJSON
import CeilingScience
import Foundation

/// `ceiling attack --json`: per-sample norms, null where censored.
struct AttackRecord: Encodable {
    let classifier: String, input: String, refinementSteps: Int
    @NonFiniteAsNull var norms: [Double]
    let labels: [Int], adversarialLabels: [Int]
    let censored: Int
    let ceilingVersion: String
}

/// `ceiling attack`: the minimal-L2 unconstrained robustness r_unc of given images, each against
/// the classifier's own prediction, with the attack of `ceiling robustness` (DeepFool, DDN-style
/// refinement, boundary binary search). No box: r_unc has none. For cross-checks against other
/// attack libraries (scripts/crosscheck_foolbox.py).
struct AttackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attack",
        abstract: "Minimal-L2 adversaries (r_unc) of given images against a classifier's own predictions.")

    @Option(help: "Classifier model (.bin or .onnx).") var classifier: String
    @Option(help: "Images (.npy, float32 or float64), shape [N] + the classifier's input shape.") var input: String
    @Option(parsing: .unconditional, help: RefinementStepsOption.help) var refinementSteps: Int = MinimalNormRefinement.standardSteps
    @Option(parsing: .unconditional, help: "Consider only the top-k classes in DeepFool (default: all).") var candidates: Int?
    @Option(help: "Write per-sample norms (null where censored) and labels as JSON to this file.") var json: String?
    @Option(help: "Write the adversarial images x + r (.npy, float32; x itself where censored).") var output: String?

    func validate() throws {
        try RefinementStepsOption.validate(refinementSteps)
        if let candidates, candidates < 2 { throw ValidationError("--candidates must be at least 2") }
    }

    func run() throws {
        if let json { try OutputFiles.checkFile(json, option: "--json") }
        if let output { try OutputFiles.checkFile(output, option: "--output") }
        let (model, x) = try ModelPair.classifier(classifier, images: input)
        let map = model.map
        let labels = map.labels(x)
        let attack = MinimalAdversary(deepFool: DeepFool(candidates: candidates),
                                      refinement: MinimalNormRefinement(steps: refinementSteps))
        let progress = Progress(total: 1)
        progress.update("attacking \(x.batch) images", fraction: 0)
        let result = attack.attack(map: map, x: x, labels: labels)
        progress.finish()

        let distribution = EmpiricalDistribution(result.norms)
        print("r_unc of \(x.batch) images (\(result.censoredCount) censored)")
        // The three levels' intervals hold together at 95%.
        let rows = try [("25%", 0.25), ("median", 0.5), ("75%", 0.75)].map { name, q -> [String] in
            let interval = try distribution.interval(q, confidence: 1 - 0.05 / 3)
            return [name, String(format: "%.6g", distribution.quantile(q)),
                    String(format: "[%.6g, ", interval.lower) + (interval.upper.isFinite ? String(format: "%.6g]", interval.upper) : "inf]")]
        }
        print(TextTable(header: ["quantity", "value", "95% interval (the three together)"], rows: rows).lines().joined(separator: "\n"))
        if let output {
            var adversarial = x
            for i in 0..<x.count { adversarial.data[i] += result.perturbations.data[i] }
            try OutputFiles.write(NPY.encode(adversarial), to: output)
        }
        if let json {
            let record = AttackRecord(classifier: classifier, input: input, refinementSteps: refinementSteps, norms: result.norms,
                                      labels: result.labels, adversarialLabels: result.adversarialLabels,
                                      censored: result.censoredCount, ceilingVersion: CeilingVersion.string)
            try OutputFiles.write(JSONCoding.encoder().encode(record), to: json)
        }
    }
}
