import CeilingJSON
import CeilingScience
import Foundation

/// Checks that shard records belong to one study and joins their points, or says in one line
/// which shard does not fit and why: shards of another split, a shard given twice or missing,
/// other settings, other models or real data, ranges that do not tile a stage.
enum ShardMerge {
    typealias Shard = (directory: String, record: ShardRecord)

    /// The shards in order 1/n ... n/n, after checking the split and the headers.
    static func ordered(_ shards: [Shard]) throws -> [Shard] {
        guard let first = shards.first else { throw CommandError("no shard given") }
        let n = first.record.shard.count
        for s in shards where s.record.shard.count != n {
            throw CommandError("shard \(s.directory) is shard \(s.record.shard) but \(first.directory) is shard \(first.record.shard): they split the study differently")
        }
        var byIndex = [Int: Shard]()
        for s in shards {
            if let other = byIndex[s.record.shard.index] {
                throw CommandError("\(other.directory) and \(s.directory) are both shard \(s.record.shard): give each shard once")
            }
            byIndex[s.record.shard.index] = s
        }
        let missing = (1...n).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            throw CommandError("shard\(missing.count > 1 ? "s" : "") \(missing.map { "\($0)/\(n)" }.joined(separator: ", ")) of \(n) missing (given: \(shards.map(\.directory).joined(separator: ", "))); rerun the missing shard with --shard and the same options")
        }
        for s in shards { try checkHeader(s, against: first) }
        return (1...n).map { byIndex[$0]! }
    }

    /// The same version, seed, settings, models and real data as the first shard.
    static func checkHeader(_ s: Shard, against first: Shard) throws {
        let a = first.record.header, b = s.record.header
        func differ(_ what: String, _ x: some Encodable, _ y: some Encodable) throws {
            let encoder = JSONCoding.encoder()
            let (u, v) = (try encoder.encode(x), try encoder.encode(y))
            guard u == v else {
                throw CommandError("shard \(s.directory) has other \(what) than \(first.directory) (\(String(decoding: v, as: UTF8.self).prefix(200)) against \(String(decoding: u, as: UTF8.self).prefix(200))): the shards of one study are run with the same options and files")
            }
        }
        try differ("ceiling version", a.ceilingVersion, b.ceilingVersion)
        try differ("models", a.models, b.models)
        try differ("real data", a.realData, b.realData)
        try differ("seed", a.seed, b.seed)
        let changed = Changed(a.settings, b.settings)
        try differ("settings", changed.left, changed.right)
        try differ("header", a, b)
    }

    /// Of two settings, the fields that differ (so the error names them).
    struct Changed {
        let left: [String: String], right: [String: String]
        init(_ a: EstimateSettings, _ b: EstimateSettings) {
            func fields(_ s: EstimateSettings) -> [String: String] {
                let data = (try? JSONCoding.encoder().encode(s)) ?? Data()
                let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
                return object.mapValues { "\($0)" }
            }
            let x = fields(a), y = fields(b)
            let keys = Set(x.keys).union(y.keys).filter { x[$0] != y[$0] }
            left = x.filter { keys.contains($0.key) }
            right = y.filter { keys.contains($0.key) }
        }
    }

    /// The points of shards in order, after checking that each stage's ranges tile 0..<size.
    static func join(_ shards: [Shard], stageSizes: [Int]) throws -> EstimatePoints {
        var ends = [Int](repeating: 0, count: stageSizes.count)
        for s in shards {
            let ranges = s.record.points.ranges
            guard ranges.count == stageSizes.count else {
                throw CommandError("shard \(s.directory) has \(ranges.count) stages of points where the study has \(stageSizes.count)")
            }
            for (k, entry) in ranges.enumerated() where entry.range.lowerBound != ends[k] {
                throw CommandError("shard \(s.directory) covers \(entry.stage) \(entry.range.lowerBound)..<\(entry.range.upperBound), but the shards before it end at \(ends[k]): the ranges do not tile 0..<\(stageSizes[k])")
            }
            ends = ranges.map(\.range.upperBound)
        }
        for (k, size) in stageSizes.enumerated() where ends[k] != size {
            throw CommandError("the shards cover \(shards[0].record.points.ranges[k].stage) 0..<\(ends[k]) of 0..<\(size)")
        }
        let points = shards.map(\.record.points)
        return points.dropFirst().reduce(points[0]) { $0.appending($1) }
    }
}
