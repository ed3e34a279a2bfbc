import CeilingJSON
import CeilingScience
import Foundation

/// Checks that shard records belong to one study and joins their points, or says in one line
/// which shard does not fit and why: shards of another split, a shard given twice or missing,
/// other settings, other models or input files, ranges that do not tile a stage.
enum ShardMerge {
    /// Merges the shards in `directories` (all of `Study`'s kind) into `out`: checks them,
    /// reloads the recorded inputs, joins the points and writes what the whole command writes.
    static func merge<Study: ShardedStudy>(_ directories: [String], as _: Study.Type, into out: String, force: Bool) throws {
        let ordered = try ordered(try directories.map { ($0, try ShardRecord<Study>.read($0)) })
        let header = ordered[0].record.header
        let inputs = try header.reload()
        let points = try join(ordered, stageSizes: header.stageSizes(inputs))
        let directory = try OutputFiles.prepareResultFolder(out, force: force)
        try header.writeMerged(points, inputs: inputs, seconds: ordered.map { ($0.record.shard, $0.record.seconds) }, into: directory)
    }

    typealias Given<Study: ShardedStudy> = (directory: String, record: ShardRecord<Study>)

    /// The shards in order 1/n ... n/n, after checking the split and the headers.
    static func ordered<Study>(_ shards: [Given<Study>]) throws -> [Given<Study>] {
        guard let first = shards.first else { throw CommandError("no shard given") }
        let n = first.record.shard.count
        for s in shards where s.record.shard.count != n {
            throw CommandError("shard \(s.directory) is shard \(s.record.shard) but \(first.directory) is shard \(first.record.shard): they split the study differently")
        }
        var byIndex = [Int: Given<Study>]()
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

    /// The same version, models, agreements (seed, input files) and settings as the first shard.
    static func checkHeader<Study>(_ s: Given<Study>, against first: Given<Study>) throws {
        let a = first.record.header, b = s.record.header
        func differ(_ what: String, _ x: any Encodable, _ y: any Encodable) throws {
            let changed = Changed(x, y)
            guard changed.fields.isEmpty else {
                throw CommandError("shard \(s.directory) has other \(what) than \(first.directory) (\(changed)): the shards of one study are run with the same options and files")
            }
        }
        try differ("ceiling version", a.ceilingVersion, b.ceilingVersion)
        try differ("models", a.models, b.models)
        for (x, y) in zip(a.agreements, b.agreements) { try differ(x.what, x.value, y.value) }
        try differ("settings", a, b)
        let encoder = JSONCoding.encoder()
        guard try encoder.encode(a) == encoder.encode(b) else {
            throw CommandError("shard \(s.directory) has another header than \(first.directory): the shards of one study are run with the same options and files")
        }
    }

    /// Of two records, the fields that differ, each named by its path in the JSON (so the error
    /// names them: `settings.refinement_steps 3 against 20`).
    struct Changed: CustomStringConvertible {
        /// Path -> (the second's value, the first's), as JSON text.
        let fields: [String: (String, String)]

        init(_ a: any Encodable, _ b: any Encodable) {
            let x = Self.leaves(a), y = Self.leaves(b)
            var fields = [String: (String, String)]()
            for key in Set(x.keys).union(y.keys) where x[key] != y[key] { fields[key] = (y[key] ?? "nothing", x[key] ?? "nothing") }
            self.fields = fields
        }

        var description: String {
            let shown = fields.keys.sorted().prefix(3).map { key in
                let (mine, theirs) = fields[key]!
                return (key.isEmpty ? "" : key + " ") + "\(mine.prefix(80)) against \(theirs.prefix(80))"
            }
            return shown.joined(separator: "; ") + (fields.count > 3 ? "; and \(fields.count - 3) more" : "")
        }

        /// Every scalar of the value's JSON by its path (`a.b[2].c`).
        static func leaves(_ value: any Encodable) -> [String: String] {
            let data = (try? JSONCoding.encoder().encode(value)) ?? Data()
            var leaves = [String: String]()
            func add(_ node: Any, _ path: String) {
                if let object = node as? [String: Any] {
                    for (key, value) in object { add(value, path.isEmpty ? key : path + "." + key) }
                } else if let array = node as? [Any] {
                    for (index, value) in array.enumerated() { add(value, path + "[\(index)]") }
                } else {
                    leaves[path] = node is NSNull ? "null" : "\(node)"
                }
            }
            add((try? JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed)) ?? NSNull(), "")
            return leaves
        }
    }

    /// The points of shards in order, after checking that each stage's ranges tile 0..<size.
    static func join<Study>(_ shards: [Given<Study>], stageSizes: [Int]) throws -> Study.Points {
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
