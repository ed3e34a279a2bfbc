import Foundation
import Testing

/// `--shard i/n` of `ceiling robustness`, `modulus` and `transfer` and their merge, as a user
/// runs them on small fixtures: shards 1/3, 2/3, 3/3 (on 2, 1 and 2 threads) merge into the
/// files and the report of the whole run (on 1 thread), and the merge refuses, with one Error:
/// line naming the shard, shards that do not belong together.
@Suite("Shards of robustness, modulus and transfer")
struct CommandShardTests {
    static let fixtures = "Tests/CeilingEngineTests/Fixtures/"

    /// Runs `arguments` whole (1 thread, writing the files `files` name into `d`/whole) and as
    /// shards 1/3, 2/3, 3/3 (2, 1 and 2 threads), merges the shards (2 threads), and checks the
    /// merged files byte for byte and the report line for line (timings aside) against the
    /// whole run's. Returns the shard folders.
    static func shardsMatchWholeRun(_ arguments: [String], files: [(option: String, merged: String)], in d: URL) throws -> [URL] {
        let whole = d.appendingPathComponent("whole")
        try FileManager.default.createDirectory(at: whole, withIntermediateDirectories: true)
        let wholeRun = try CommandRunner.run(arguments + ["--threads", "1"] + files.flatMap { [$0.option, whole.appendingPathComponent($0.merged).path] })
        try #require(wholeRun.status == 0, "whole run: \(wholeRun.stderr.suffix(500))")
        let shards = try (1...3).map { i in
            let folder = d.appendingPathComponent("shard-\(i)")
            let run = try CommandRunner.run(arguments + ["--threads", "\(1 + i % 2)", "--shard", "\(i)/3", "--out", folder.path])
            try #require(run.status == 0, "shard \(i)/3: \(run.stderr.suffix(500))")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["shard.json"], "shard \(i)/3 writes only shard.json")
            return folder
        }
        let merged = d.appendingPathComponent("merged")
        let merge = try CommandRunner.run(["merge"] + shards.map(\.path) + ["--out", merged.path, "--threads", "2"])
        try #require(merge.status == 0, "merge: \(merge.stderr.suffix(500))")
        for file in files {
            #expect(try Data(contentsOf: merged.appendingPathComponent(file.merged)) == Data(contentsOf: whole.appendingPathComponent(file.merged)),
                    "the merged \(file.merged) differs from the whole run's")
        }
        let report = try report(wholeRun.stdout)
        #expect(report.count > 10, "the whole run printed no report: \(wholeRun.stdout.prefix(300))")
        #expect(try Self.report(merge.stdout) == report, "the merge's report differs from the whole run's")
        return shards
    }

    /// A report's lines without what may differ between runs: the times (and the widths of the
    /// table columns that hold them) and the lines saying which files were written.
    static func report(_ stdout: String) throws -> [String] {
        let time = try Regex(#"[0-9.]+(e[-+]?[0-9]+)? m?s\b"#), rule = try Regex("-{2,}")
        return stdout.split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("wrote ") && !$0.hasPrefix("merged ") && !$0.hasPrefix("time: ") }
            .map { $0.replacing(time, with: "T").replacing(rule, with: "--").split(separator: " ").joined(separator: " ") }
    }

    static func run(_ arguments: [String]) throws {
        let outcome = try CommandRunner.run(arguments)
        try #require(outcome.status == 0, "\(arguments.prefix(1)): \(outcome.stderr.suffix(500))")
    }

    @Test func robustnessShardsMergeToTheWholeRun() throws {
        let d = try CommandRunner.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        func robustness(steps: Int = 10) -> [String] {
            ["robustness", "--generator", Self.fixtures + "mlp_generator.bin", "--classifier", Self.fixtures + "lenet5_tanh.bin", "--samples", "6",
             "--measure-samples", "100", "--chunk", "2", "--refinement-steps", "\(steps)", "--certify", "global"]
        }
        let shards = try Self.shardsMatchWholeRun(robustness(), files: [("--json", "robustness.json")], in: d)

        try ShardCommandTests.refused([shards[0], shards[2]], says: "shard 2/3 of 3 missing", "a missing shard", in: d)
        try ShardCommandTests.refused([shards[0], shards[1], shards[1], shards[2]], says: "are both shard 2/3", "a duplicated shard", in: d)
        let steps = d.appendingPathComponent("other-steps")
        try Self.run(robustness(steps: 5) + ["--shard", "3/3", "--out", steps.path])
        try ShardCommandTests.refused([shards[0], shards[1], steps], says: "shard \(steps.path) has other settings than \(shards[0].path) (settings.refinement_steps 5 against 10)",
                                      "other settings", in: d)

        BadInputTests.expectOneError(try CommandRunner.run(robustness() + ["--shard", "1/3"]), says: "--shard needs --out", "--shard without --out")
        BadInputTests.expectOneError(try CommandRunner.run(robustness() + ["--shard", "1/3", "--out", d.appendingPathComponent("x").path, "--json", "x.json"]),
                                     says: "--json is written by `ceiling merge`", "--json with --shard")
    }

    @Test func modulusShardsMergeToTheWholeRun() throws {
        let d = try CommandRunner.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        // A copy of the generator, changed after the shards ran.
        let generator = d.appendingPathComponent("generator.bin")
        try FileManager.default.copyItem(at: CommandRunner.root.appendingPathComponent(Self.fixtures + "dcgan32_four_stage.bin"), to: generator)
        func modulus(_ generator: String) -> [String] {
            ["modulus", "--generator", generator, "--anchors", "9", "--directions", "2", "--steps", "2", "--radii", "0.1,0.5,2", "--chunk", "2", "--quiet"]
        }
        let shards = try Self.shardsMatchWholeRun(modulus(generator.path), files: [("--json", "modulus.json"), ("--certified-json", "modulus-certified.json")], in: d)

        let other = d.appendingPathComponent("other-generator")
        try Self.run(modulus(Self.fixtures + "mlp_generator.bin") + ["--shard", "2/3", "--out", other.path])
        try ShardCommandTests.refused([shards[0], other, shards[2]], says: "shard \(other.path) has other models", "other models", in: d)
        try FileManager.default.removeItem(at: generator)
        try FileManager.default.copyItem(at: CommandRunner.root.appendingPathComponent(Self.fixtures + "dcgan32_one_by_one.bin"), to: generator)
        try ShardCommandTests.refused(shards, says: "\(generator.path) has changed since the shards were computed", "a changed model file", in: d)
    }

    @Test func transferShardsMergeToTheWholeRun() throws {
        let d = try CommandRunner.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        let generator = Self.fixtures + "dcgan32_four_stage.bin"
        let omega = d.appendingPathComponent("omega.json")
        try Data(#"{"kind": "sampled", "radii": [0.5, 1, 2, 4], "omega": [0.8, 1.5, 2.9, 5.5], "epsilon": 0.05, "confidence": 0.95}"#.utf8).write(to: omega)
        func transfer(_ f: String, _ h: String) -> [String] {
            ["transfer", "--generator", generator, "--classifier", f, "--classifier", h, "--samples", "6", "--measure-samples", "100",
             "--chunk", "2", "--refinement-steps", "10", "--modulus", omega.path]
        }
        let shards = try Self.shardsMatchWholeRun(transfer("generators/lenet.bin", "generators/lenet_pgd.bin"), files: [("--json", "transfer.json")], in: d)

        let swapped = d.appendingPathComponent("swapped")
        try Self.run(transfer("generators/lenet_pgd.bin", "generators/lenet.bin") + ["--shard", "3/3", "--out", swapped.path])
        try ShardCommandTests.refused([shards[0], shards[1], swapped], says: "shard \(swapped.path) has other models", "other models", in: d)
        let modulus = d.appendingPathComponent("modulus-shard")
        try Self.run(["modulus", "--generator", generator, "--anchors", "3", "--directions", "1", "--steps", "0", "--radii", "0.5,1", "--quiet",
                      "--shard", "3/3", "--out", modulus.path])
        try ShardCommandTests.refused([shards[0], shards[1], modulus], says: "shard \(modulus.path) is a modulus shard but \(shards[0].path) is a transfer shard",
                                      "mixed kinds", in: d)
        try Data(#"{"kind": "sampled", "radii": [0.5, 1, 2, 4], "omega": [0.9, 1.5, 2.9, 5.5], "epsilon": 0.05, "confidence": 0.95}"#.utf8).write(to: omega)
        try ShardCommandTests.refused(shards, says: "\(omega.path) has changed since the shards were computed", "a changed modulus file", in: d)
    }
}
