import Foundation
import Testing

/// `ceiling certify` as a user runs it: a table per point and a JSON file with one array of radii
/// per bound, null where a bound does not cover the network (with the reason).
@Suite("ceiling certify")
struct CertifyCommandTests {
    @Test func tableAndJSON() throws {
        let folder = try CommandRunner.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try BadInputTests.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 32, 32), }", in: folder, name: "x.npy")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: input))
        handle.seekToEndOfFile()
        var values = (0..<(2 * 3072)).map { i in Float(i % 7) / 7 - 0.5 }
        handle.write(Data(bytes: &values, count: values.count * 4))
        try handle.close()
        let json = folder.appendingPathComponent("bounds.json").path
        let outcome = try CommandRunner.run(["certify", "--classifier", "generators/lenet.bin", "--input", input,
                                             "--bounds", "global,hein,peck,crown", "--json", json])
        #expect(outcome.status == 0, "\(outcome.stderr.prefix(500))")
        #expect(outcome.stdout.contains("best sound bound per point"))
        let record = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let bounds = try #require(record["bounds"] as? [[String: Any]])
        #expect(bounds.map { $0["kind"] as? String } == ["global", "hein", "peck", "crown"])
        for bound in bounds {
            if bound["kind"] as? String == "hein" {
                #expect(bound["radii"] is NSNull && (bound["reason"] as? String)?.contains("one hidden layer") == true)
            } else {
                let radii = try #require(bound["radii"] as? [Double])
                #expect(radii.count == 2 && radii.allSatisfy { $0 > 0 })
            }
        }
        #expect((record["best"] as? [Double])?.count == 2)
    }
}
