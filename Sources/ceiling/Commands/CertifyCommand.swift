import ArgumentParser
import CeilingEngine
import CeilingJSON
import CeilingScience
import Foundation

/// `ceiling certify --json`: one array of per-point radii per bound (null throughout where the
/// bound cannot be computed, with the reason), the best sound bound per point and the cost.
struct CertifyRecord: Encodable {
    struct Bound: Encodable {
        let kind: String, title: String, sound: Bool
        @ExplicitNull var radii: [Double]?
        @ExplicitNull var margins: [Double]?
        @ExplicitNull var constants: [Double]?
        @ExplicitNull var reason: String?
        let secondsPerPoint: Double, setupSeconds: Double
    }
    let classifier: String, input: String
    let labels: [Int]
    let bounds: [Bound]
    let best: [Double]
    let ceilingVersion: String
}

/// `ceiling certify`: certified lower bounds on r_unc (DESIGN §8) of given images, each against
/// the classifier's own prediction: no perturbation of smaller L2 norm changes the label.
struct CertifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certify",
        abstract: "Certified lower bounds on r_unc of given images (global Lipschitz margin, Hein-Andriushchenko, Peck et al., linear bound propagation).",
        discussion: """
            Bounds (--bounds, comma-separated, or all): global = min_j m_j / (||w_c - w_j|| L) with \
            L the certified Lipschitz constant of the layers before the last; hein = Hein & \
            Andriushchenko's local bound (one hidden layer); peck-published = Peck et al.'s \
            layer-wise bounds as published (not a proof: checked against adversaries); peck = the \
            same with each layer's operator norm; crown = linear bound propagation over an L2 ball \
            with bisection on the radius (the slowest).
            """)

    @Option(help: "Classifier model (.bin or .onnx).") var classifier: String
    @Option(help: "Images (.npy, float32 or float64), shape [N] + the classifier's input shape.") var input: String
    @Option(help: "Bounds to compute: global, hein, peck-published, peck, crown (comma-separated), or all.") var bounds: String = "all"
    @Option(parsing: .unconditional, help: "Seed of the power iterations.") var seed: UInt64 = 0
    @Option(help: "Write the per-point bounds as JSON to this file.") var json: String?

    func run() throws {
        let kinds: [CertifiedBoundKind]
        do { kinds = try CertifiedBoundKind.list(bounds) } catch { throw ValidationError("--bounds: \(error.description)") }
        guard !kinds.isEmpty else { throw ValidationError("--bounds: name at least one bound") }
        if let json { try OutputFiles.checkFile(json, option: "--json") }
        let (model, x) = try ModelPair.classifier(classifier, images: input)
        let progress = Progress(total: 1)
        progress.update("certifying \(x.batch) images", fraction: 0)
        let certification = Certifier(graph: model.graph, logits: model.logits, kinds: kinds, seed: seed).certify(x)
        progress.finish()

        print("certified lower bounds on r_unc of \(x.batch) images (image units; each holds for its point: no smaller perturbation changes the label)")
        let computed = certification.bounds.filter { $0.points != nil }
        let rows = certification.labels.indices.map { n -> [String] in
            ["\(n)", "\(certification.labels[n])", fmt(computed.first?.points?[n].margin)]
                + computed.map { fmt($0.points![n].radius) } + [fmt(certification.best[n])]
        }
        let header = ["point", "label", "margin"] + computed.map(\.kind.rawValue) + ["best sound"]
        print(TextTable(header: header, rows: rows, alignments: header.indices.map { $0 < 2 ? .left : .right }).lines().joined(separator: "\n"))
        print("")
        print(CertifiedReport.lines(certification, check: nil, levels: [0.25, 0.5], indent: "").joined(separator: "\n"))
        if let json {
            let record = CertifyRecord(
                classifier: classifier, input: input, labels: certification.labels,
                bounds: certification.bounds.map { result in
                    CertifyRecord.Bound(kind: result.kind.rawValue, title: result.kind.title, sound: result.kind.isSound,
                                        radii: result.radii, margins: result.points?.map(\.margin),
                                        constants: result.points?.map(\.constant), reason: result.reason,
                                        secondsPerPoint: result.secondsPerPoint, setupSeconds: result.setupSeconds)
                },
                best: certification.best, ceilingVersion: CeilingVersion.string)
            try OutputFiles.write(JSONCoding.encoder().encode(record), to: json)
        }
    }
}
