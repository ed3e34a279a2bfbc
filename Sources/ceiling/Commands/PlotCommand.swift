import ArgumentParser
import Foundation

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Redraw the plots and CSV tables of an output directory from its results.json.")

    @Argument(help: "An output directory written by `ceiling`.") var directory: String

    func run() throws {
        let url = URL(fileURLWithPath: directory)
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("results.json").path) else {
            throw ValidationError("\(directory) has no results.json")
        }
        let results = try ResultsWriter.read(url)
        let written = try ResultsWriter(directory: url).writeTables(results) + PlotWriter(directory: url).writeAll(results)
        print("wrote " + written.map { "\(directory)/\($0)" }.joined(separator: ", "))
    }
}
