import CeilingScience
import Foundation

/// The output folder of an estimate and what goes in it, for a whole run and for the merge of
/// its shards alike: results.json (rewritten after every stage, complete at the end), the CSV
/// tables, the plots and the report on the terminal.
enum EstimateOutput {
    /// Runs `estimate` from `points` (nil: computing every point) into `directory`.
    @discardableResult
    static func run(_ estimate: CeilingEstimate, header: EstimateResults, points: EstimatePoints?, into directory: URL) throws -> EstimateResults {
        var results = header
        let writer = ResultsWriter(directory: directory)
        try writer.write(results)
        let progress = Progress(total: 1)
        try estimate.run(into: &results, points: points, progress: { progress.update($0, fraction: $1) }, checkpoint: { try? writer.write($0) })
        progress.finish()
        results.status = "complete"
        try writer.write(results)
        _ = try writer.writeTables(results)
        let plots = try PlotWriter(directory: directory).writeAll(results)
        print(EstimateReport(results: results).text)
        let out = directory.relativePath
        print("\nwrote \(out)/results.json, \(out)/robustness.csv, \(out)/percentiles.csv and \(plots.count) plots (\(plots.joined(separator: ", ")))")
        return results
    }
}
