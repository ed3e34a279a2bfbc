import CeilingJSON
import CeilingScience
import Foundation

/// What one shard writes (shard.json): which command's study it belongs to (`kind`), the
/// study's header (version, seed, settings, models with their SHA-256), which shard it is, its
/// per-point values and how long they took. `ceiling merge` checks that shards belong together
/// and computes the results from their points.
struct ShardRecord<Study: ShardedStudy>: Codable {
    /// Names the file's kind for a reader that finds it alone.
    var format = ShardFile.formatName
    var kind = Study.kind
    let shard: Shard
    let header: Study
    let points: Study.Points
    let seconds: Double

    /// Computes shard `shard` of `header`'s study with `compute`, writes its record into
    /// `directory` (atomically: an interrupted shard leaves none) and says what it covers.
    static func write(_ header: Study, shard: Shard, into directory: URL, compute: () throws -> Study.Points) throws {
        let start = Date()
        let points = try compute()
        let record = ShardRecord(shard: shard, header: header, points: points, seconds: Date().timeIntervalSince(start))
        let path = directory.appendingPathComponent(ShardFile.name).relativePath
        try OutputFiles.write(try JSONCoding.encoder().encode(record), to: path)
        print("shard \(shard): " + points.ranges.map { "\($0.stage) \($0.range.lowerBound)..<\($0.range.upperBound)" }.joined(separator: ", "))
        print("wrote \(path) in \(String(format: "%.1f", record.seconds)) s; join the shards with `ceiling merge SHARD_DIR... --out DIR`")
    }

    /// The record in `directory` (already known to be of this kind), with one-line errors.
    static func read(_ directory: String) throws -> ShardRecord {
        let path = ShardFile.path(in: directory)
        do {
            return try JSONCoding.decoder().decode(ShardRecord.self, from: try ShardFile.data(in: directory))
        } catch let error as DecodingError {
            throw CommandError("\(path) is not a \(Study.kind) shard record of this version of ceiling (\(DecodingErrors.describe(error)))")
        }
    }
}

/// The file every shard writes, whatever its command: its name, and its kind read alone.
enum ShardFile {
    static let name = "shard.json"
    static let formatName = "ceiling shard"

    static func path(in directory: String) -> String { (directory as NSString).appendingPathComponent(name) }

    static func data(in directory: String) throws -> Data {
        let path = path(in: directory)
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CommandError("\(directory) holds no shard record (cannot read \(path): \(OutputFiles.reason(error))); was its shard run to the end?")
        }
    }

    /// The command whose shard `directory` holds.
    static func kind(in directory: String) throws -> String {
        struct Probe: Decodable { let format: String; let kind: String }
        let path = path(in: directory)
        let probe: Probe
        do { probe = try JSONCoding.decoder().decode(Probe.self, from: try data(in: directory)) } catch let error as DecodingError {
            throw CommandError("\(path) is not a shard record of this version of ceiling (\(DecodingErrors.describe(error)))")
        }
        guard probe.format == formatName else { throw CommandError("\(path) is a \(probe.format), not a \(formatName)") }
        return probe.kind
    }
}
