import CeilingScience
import Foundation

/// Writes results atomically, so a reader or an interrupted run never leaves half a file.
struct ResultsWriter {
    let directory: URL

    func write(_ results: EstimateResults) throws {
        try OutputFiles.write(results.json(), to: directory.appendingPathComponent("results.json").path)
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
        try OutputFiles.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: directory.appendingPathComponent("robustness.csv").path)
    }

    /// One row per classifier, notion and level: the percentile with its interval (normalised,
    /// then in image or latent units); "inf" for an open upper end.
    func writePercentilesCSV(_ results: EstimateResults) throws {
        var lines = ["classifier,notion,level,points,censored,percentile,lower,upper,lower_raw,upper_raw,confidence,kind"]
        func text(_ x: Double?) -> String { x.map { String($0) } ?? "inf" }
        for c in results.classifiers {
            for n in c.notions {
                for interval in n.intervals ?? [] {
                    let estimate = n.percentiles[String(interval.level)] ?? nil
                    lines.append([c.name, n.notion, String(interval.level), String(n.norms.count), String(n.censored), text(estimate),
                                  String(interval.lower), text(interval.upper), String(interval.lowerRaw), text(interval.upperRaw),
                                  String(interval.confidence), interval.kind].joined(separator: ","))
                }
            }
        }
        try OutputFiles.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: directory.appendingPathComponent("percentiles.csv").path)
    }

    static func read(_ directory: URL) throws -> EstimateResults {
        let path = directory.appendingPathComponent("results.json").path
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw CommandError("cannot read \(path): \(OutputFiles.reason(error))") }
        do {
            return try EstimateResults.decode(json: data)
        } catch let error as DecodingError {
            throw CommandError("\(path) is not a results file of this version of ceiling (\(DecodingErrors.describe(error)))")
        }
    }
}
