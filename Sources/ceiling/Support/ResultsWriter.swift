import CeilingScience
import Foundation

/// Writes results atomically, so a reader or an interrupted run never leaves half a file.
struct ResultsWriter {
    let directory: URL

    func write(_ results: EstimateResults) throws {
        try results.json().write(to: directory.appendingPathComponent("results.json"), options: .atomic)
    }

    /// One row per classifier, notion and sample: the per-sample measurements.
    func writeCSV(_ results: EstimateResults) throws {
        var lines = ["classifier,notion,sample,norm,normalised"]
        for c in results.classifiers {
            for n in c.notions {
                for (i, (raw, normalised)) in zip(n.norms, n.normalised).enumerated() {
                    lines.append("\(c.name),\(n.notion),\(i),\(raw.map { String($0) } ?? "censored"),\(normalised.map { String($0) } ?? "censored")")
                }
            }
        }
        try (lines.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("robustness.csv"), atomically: true, encoding: .utf8)
    }

    static func read(_ directory: URL) throws -> EstimateResults {
        try EstimateResults.decode(json: Data(contentsOf: directory.appendingPathComponent("results.json")))
    }
}
