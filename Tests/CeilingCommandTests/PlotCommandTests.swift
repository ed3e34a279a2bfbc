import Foundation
import Testing

/// `ceiling plot DIR` rebuilds the CSV tables from results.json: the certified lower bounds
/// appear per point in robustness.csv and as "certified" and "sandwich" rows in percentiles.csv.
@Suite("ceiling plot")
struct PlotCommandTests {
    @Test func tablesFromResults() throws {
        let folder = try CommandRunner.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = CommandRunner.root.appendingPathComponent("results/results.json")
        try FileManager.default.copyItem(at: source, to: folder.appendingPathComponent("results.json"))
        let outcome = try CommandRunner.run(["plot", folder.path])
        #expect(outcome.status == 0, "\(outcome.stderr.prefix(500))")

        let record = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: source)) as? [String: Any])
        let classifiers = try #require(record["classifiers"] as? [[String: Any]])
        let perPoint = try String(contentsOf: folder.appendingPathComponent("robustness.csv"), encoding: .utf8).split(separator: "\n")
        let levels = try String(contentsOf: folder.appendingPathComponent("percentiles.csv"), encoding: .utf8).split(separator: "\n")
            .map { $0.split(separator: ",").map(String.init) }
        for classifier in classifiers {
            let name = try #require(classifier["name"] as? String)
            let certified = try #require(classifier["certified"] as? [String: Any])
            let best = try #require(certified["best"] as? [Double])
            let rows = perPoint.filter { $0.hasPrefix("\(name),certified,") }.map { $0.split(separator: ",") }
            #expect(rows.count == best.count)
            // Foundation's JSON parser may round the last bit differently from Double(String).
            func close(_ a: Double?, _ b: Double?) -> Bool { a != nil && b != nil && abs(a! - b!) <= 1e-14 * max(abs(b!), 1e-300) }
            for (row, value) in zip(rows, best) { #expect(close(Double(row[4]), value)) }
            let sandwich = try #require(certified["sandwich"] as? [[String: Any]])
            let sandwichRows = levels.filter { $0[0] == name && $0[1] == "unc" && $0.last == "sandwich" }
            #expect(sandwichRows.count == sandwich.count)
            for (row, interval) in zip(sandwichRows, sandwich) { #expect(close(Double(row[6]), interval["lower"] as? Double)) }
            #expect(levels.contains { $0[0] == name && $0[1] == "certified" && $0.last == "certified" })
        }
    }
}
