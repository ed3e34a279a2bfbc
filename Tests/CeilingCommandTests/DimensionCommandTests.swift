import Foundation
import Testing

/// `ceiling dimension` on a small run: the table, both plots and the JSON are written, and the
/// JSON's figures are the same with 1 and 2 threads.
@Suite("ceiling dimension")
struct DimensionCommandTests {
    static func run(threads: Int, in folder: URL) throws -> (outcome: CommandRunner.Outcome, experiment: NSDictionary) {
        let json = folder.appendingPathComponent("d\(threads).json")
        let outcome = try CommandRunner.run(["dimension", "--widths", "32,64", "--nets", "3", "--inputs", "2", "--architectures", "lenet,resnet",
                                             "--seed", "3", "--threads", "\(threads)", "--out", folder.appendingPathComponent("plots").path, "--json", json.path])
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any]
        return (outcome, try #require(record?["experiment"] as? NSDictionary))
    }

    @Test func writesTablePlotsAndJSONIndependentOfThreads() throws {
        let folder = try CommandRunner.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (one, experiment) = try Self.run(threads: 1, in: folder)
        #expect(one.status == 0, "\(one.stderr.prefix(500))")
        #expect(one.stdout.contains("Fitted exponent") && one.stdout.contains("lenet") && one.stdout.contains("average"))
        for name in ["dimension_l1.svg", "dimension_l2.svg"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("plots/\(name)").path))
        }
        let series = try #require(experiment["series"] as? [[String: Any]])
        #expect(series.count == 4)
        let (_, again) = try Self.run(threads: 2, in: folder)
        #expect(experiment == again, "1 and 2 threads differ")
    }
}
