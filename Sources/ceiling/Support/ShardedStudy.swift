import CeilingScience
import Foundation

/// A command's study as its shard records keep it (the header of shard.json): everything that
/// fixes its numbers (version, models with their SHA-256, seed and settings), and how `ceiling
/// merge` turns the joined points of all shards into exactly what the whole command writes.
protocol ShardedStudy: Codable {
    associatedtype Points: ShardPoints
    /// The study's input models (and data), loaded from the recorded paths.
    associatedtype Inputs

    /// The command, as shard records and the merge's errors name it.
    static var kind: String { get }
    /// The files a merge of such shards writes (what the whole command writes).
    static var mergedFiles: [String] { get }
    var ceilingVersion: String { get }
    var models: [EstimateResults.ModelRecord] { get }
    /// What shards must share besides the version and the models, each named for the merge's
    /// error; the rest of the header is compared after these.
    var agreements: [(what: String, value: any Encodable)] { get }

    /// The recorded inputs, refused when a file differs from the one the shards used.
    func reload() throws -> Inputs
    /// The number of points of each stage, in the order of `Points.ranges`.
    func stageSizes(_ inputs: Inputs) -> [Int]
    /// Writes into `directory` what the whole command writes, and prints its report, from the
    /// points of all shards; `seconds` holds each shard's time.
    func writeMerged(_ points: Points, inputs: Inputs, seconds: [(shard: Shard, seconds: Double)], into directory: URL) throws
}

/// A study whose whole run writes one JSON file (`--json`) beside its report: the merge writes
/// that file, named `mergedFiles[0]`, into its folder.
protocol JSONFileStudy: ShardedStudy {
    /// The per-point values of shard `shard` (`.whole` for a whole run).
    func points(_ inputs: Inputs, _ shard: Shard, progress: (String, Double) -> Void) throws -> Points
    /// The report from all the points and, with `json`, the record written there.
    func write(_ points: Points, inputs: Inputs, json: String?) throws
}

extension JSONFileStudy {
    /// The command: with `--shard`, that shard's points into its record; otherwise every point,
    /// then the report and `json`.
    func run(_ inputs: Inputs, sharding: ShardOptions, json: String?) throws {
        let progress = Progress(total: 1)
        if let (shard, directory) = try sharding.prepared() {
            return try ShardRecord.write(self, shard: shard, into: directory) {
                defer { progress.finish() }
                return try points(inputs, shard) { progress.update("shard \(shard): \($0)", fraction: $1) }
            }
        }
        let all = try points(inputs, .whole) { progress.update($0, fraction: $1) }
        progress.finish()
        try write(all, inputs: inputs, json: json)
    }

    func writeMerged(_ points: Points, inputs: Inputs, seconds: [(shard: Shard, seconds: Double)], into directory: URL) throws {
        let json = directory.appendingPathComponent(Self.mergedFiles[0]).relativePath
        try write(points, inputs: inputs, json: json)
        print("wrote \(json)")
    }
}
