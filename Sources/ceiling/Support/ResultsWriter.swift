import CeilingScience
import Foundation

/// Writes results atomically, so a reader or an interrupted run never leaves half a file.
struct ResultsWriter {
    let directory: URL

    func write(_ results: EstimateResults) throws {
        try OutputFiles.write(results.json(), to: directory.appendingPathComponent("results.json").path)
    }

    /// Both CSV tables (derived from `results` alone); returns their file names.
    func writeTables(_ results: EstimateResults) throws -> [String] {
        try writeCSV(results)
        try writePercentilesCSV(results)
        return ["robustness.csv", "percentiles.csv"]
    }

    /// One row per classifier, notion and sample: the per-sample measurements, and the best
    /// certified lower bound per sample as the notion "certified".
    private func writeCSV(_ results: EstimateResults) throws {
        var lines = ["classifier,notion,sample,norm,normalised"]
        for c in results.classifiers {
            for n in c.notions {
                for (i, (raw, normalised)) in zip(n.norms, n.normalised).enumerated() {
                    lines.append("\(c.name),\(n.notion),\(i),\(raw.map { String($0) } ?? "censored"),\(normalised.map { String($0) } ?? "censored")")
                }
            }
            // The best certified lower bound on r_unc at the same points, in the same units.
            if let certified = c.certified, let scale = results.expectedImageNorm {
                for (i, normalised) in certified.best.enumerated() {
                    lines.append("\(c.name),certified,\(i),\(normalised * scale),\(normalised)")
                }
            }
        }
        try OutputFiles.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: directory.appendingPathComponent("robustness.csv").path)
    }

    /// One row per classifier, notion and level: the percentile with its interval (normalised,
    /// then in image or latent units); "inf" for an open upper end. Certified bounds add the
    /// notion "certified" and r_unc rows of kind "sandwich".
    private func writePercentilesCSV(_ results: EstimateResults) throws {
        var lines = ["classifier,notion,level,points,censored,percentile,lower,upper,lower_raw,upper_raw,confidence,kind"]
        func text(_ x: Double?) -> String { x.map { String($0) } ?? "inf" }
        func row(_ classifier: String, _ notion: String, _ points: Int, _ censored: Int, _ estimate: Double?, _ interval: EstimateResults.IntervalRecord) {
            lines.append([classifier, notion, String(interval.level), String(points), String(censored), text(estimate),
                          String(interval.lower), text(interval.upper), String(interval.lowerRaw), text(interval.upperRaw),
                          String(interval.confidence), interval.kind].joined(separator: ","))
        }
        for c in results.classifiers {
            for n in c.notions {
                for interval in n.intervals ?? [] {
                    row(c.name, n.notion, n.norms.count, n.censored, n.percentiles[String(interval.level)] ?? nil, interval)
                }
            }
            // The certified rows: the best bound's percentile (kind "certified") and the sandwich
            // statement about the true r_unc quantile (kind "sandwich", beside r_unc's estimate).
            if let certified = c.certified {
                for interval in certified.intervals {
                    row(c.name, "certified", certified.best.count, 0, certified.percentiles[String(interval.level)], interval)
                }
                if let unc = c.notions.first(where: { $0.notion == "unc" }) {
                    for interval in certified.sandwich {
                        row(c.name, "unc", unc.norms.count, unc.censored, unc.percentiles[String(interval.level)] ?? nil, interval)
                    }
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
