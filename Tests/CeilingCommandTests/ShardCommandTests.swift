import Foundation
import Testing

/// `ceiling --shard i/n` and `ceiling merge` as a user runs them: two shards of a small
/// estimate merge into the results of the whole run, and the merge refuses shards that do not
/// belong together with one Error: line naming the shard.
@Suite("Shards and merge")
struct ShardCommandTests {
    /// A small estimate: one classifier, two attacked points, one point per chunk.
    static func estimate(_ out: URL, _ extra: [String] = []) -> [String] {
        ["estimate", "--quick", "--samples", "2", "--chunk", "1", "--classifier", "generators/lenet.bin", "--certify", "none",
         "--out", out.path] + extra
    }

    /// results.json without its timings, keys sorted.
    static func withoutTimings(_ folder: URL) throws -> Data {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("results.json"))) as? [String: Any])
        object["stage_seconds"] = nil
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// A copy of shard folder `from` whose shard.json has `edit` applied to its header.
    static func edited(_ from: URL, _ name: String, _ edit: (inout [String: Any]) -> Void) throws -> URL {
        let folder = from.deletingLastPathComponent().appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var record = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: from.appendingPathComponent("shard.json"))) as? [String: Any])
        var header = try #require(record["header"] as? [String: Any])
        edit(&header)
        record["header"] = header
        try JSONSerialization.data(withJSONObject: record).write(to: folder.appendingPathComponent("shard.json"))
        return folder
    }

    /// The merge of `shards` into a new folder in `d` fails with one Error: line saying `text`
    /// and writes nothing.
    static func refused(_ shards: [URL], says text: String, _ name: String, in d: URL) throws {
        let out = d.appendingPathComponent("refused-\(UUID().uuidString)")
        BadInputTests.expectOneError(try CommandRunner.run(["merge"] + shards.map(\.path) + ["--out", out.path]), says: text, name)
        #expect(!FileManager.default.fileExists(atPath: out.path), "\(name): a refused merge wrote \(out.path)")
    }

    @Test func shardsMergeToTheWholeRunAndMismatchesAreRefused() throws {
        let d = try CommandRunner.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        let whole = d.appendingPathComponent("whole"), one = d.appendingPathComponent("s1"), two = d.appendingPathComponent("s2")
        for (out, extra) in [(whole, [String]()), (one, ["--shard", "1/2"]), (two, ["--shard", "2/2", "--threads", "2"])] {
            let run = try CommandRunner.run(Self.estimate(out, extra), timeout: 600)
            try #require(run.status == 0, "\(extra): \(run.stderr.suffix(500))")
        }
        #expect(!FileManager.default.fileExists(atPath: one.appendingPathComponent("results.json").path), "a shard writes only shard.json")

        let merged = d.appendingPathComponent("merged")
        let merge = try CommandRunner.run(["merge", one.path, two.path, "--out", merged.path], timeout: 600)
        try #require(merge.status == 0, "\(merge.stderr.suffix(500))")
        #expect(try Self.withoutTimings(merged) == Self.withoutTimings(whole), "the merged results.json differs from the whole run's")
        for file in ["robustness.csv", "percentiles.csv"] {
            #expect(try Data(contentsOf: merged.appendingPathComponent(file)) == Data(contentsOf: whole.appendingPathComponent(file)), "\(file) differs")
        }

        func refused(_ shards: [URL], says text: String, _ name: String) throws { try Self.refused(shards, says: text, name, in: d) }
        try refused([one], says: "shard 2/2 of 2 missing", "a missing shard")
        try refused([one, one, two], says: "are both shard 1/2", "a duplicated shard")
        let seed = try Self.edited(two, "other-seed") { header in
            header["seed"] = 5
            var settings = header["settings"] as! [String: Any]
            settings["seed"] = 5
            header["settings"] = settings
        }
        try refused([one, seed], says: "shard \(seed.path) has other seed", "other settings (seed)")
        let settings = try Self.edited(two, "other-settings") { header in
            var settings = header["settings"] as! [String: Any]
            settings["refinement_steps"] = 3
            header["settings"] = settings
        }
        try refused([one, settings], says: "has other settings", "other settings")
        let models = try Self.edited(two, "other-models") { header in
            var models = header["models"] as! [[String: Any]]
            models[1]["sha256"] = String(repeating: "0", count: 64)
            header["models"] = models
        }
        try refused([one, models], says: "has other models", "other models")
    }
}
