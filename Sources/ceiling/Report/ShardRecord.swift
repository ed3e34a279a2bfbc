import CeilingJSON
import CeilingScience
import Foundation

/// What one shard of an estimate writes (shard.json): the run's header (version, seed,
/// settings, models and real data with their SHA-256, as results.json records them), which
/// shard it is, its per-point values and how long they took. `ceiling merge` checks that
/// shards belong together and computes the results from their points.
struct ShardRecord: Codable {
    /// Names the file's kind for a reader that finds it alone.
    var format = ShardRecord.formatName
    let shard: Shard
    /// The header of the results, before any stage ran.
    let header: EstimateResults
    let points: EstimatePoints
    let seconds: Double

    static let formatName = "ceiling estimate shard"
    static let fileName = "shard.json"

    func json() throws -> Data { try JSONCoding.encoder().encode(self) }

    /// The record in `directory`, with one-line errors naming the folder.
    static func read(_ directory: String) throws -> ShardRecord {
        let path = (directory as NSString).appendingPathComponent(fileName)
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CommandError("\(directory) holds no shard record (cannot read \(path): \(OutputFiles.reason(error))); was its shard run to the end?")
        }
        do {
            let record = try JSONCoding.decoder().decode(ShardRecord.self, from: data)
            guard record.format == formatName else { throw CommandError("\(path) is a \(record.format), not a \(formatName)") }
            return record
        } catch let error as DecodingError {
            throw CommandError("\(path) is not a shard record of this version of ceiling (\(DecodingErrors.describe(error)))")
        }
    }
}
