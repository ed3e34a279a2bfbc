import CeilingEngine

/// Row (sample) arithmetic on batches for the projection search: picking rows, writing them back,
/// points along segments, exact distances.
enum ProjectionRows {
    /// Rows `indices` of `t`, in that order.
    static func pick(_ t: Tensor, _ indices: [Int]) -> Tensor {
        let size = t.sampleSize
        return Tensor(shape: [indices.count] + t.sampleShape) { out in
            t.data.withUnsafeBufferPointer { source in
                for (j, n) in indices.enumerated() {
                    for i in 0..<size { out[j * size + i] = source[n * size + i] }
                }
            }
        }
    }

    /// Writes row j of `source` into row `indices[j]` of `target`.
    static func put(_ source: Tensor, into target: inout Tensor, at indices: [Int]) {
        let size = target.sampleSize
        target.data.withUnsafeMutableBufferPointer { out in
            source.data.withUnsafeBufferPointer { s in
                for (j, n) in indices.enumerated() {
                    for i in 0..<size { out[n * size + i] = s[j * size + i] }
                }
            }
        }
    }

    /// Row i: a_i + t_i (b_i - a_i).
    static func along(_ a: Tensor, _ b: Tensor, _ t: [Double]) -> Tensor {
        let size = a.sampleSize
        return Tensor(shape: a.shape) { out in
            a.data.withUnsafeBufferPointer { x in
                b.data.withUnsafeBufferPointer { y in
                    for n in 0..<a.batch {
                        let f = Float(t[n])
                        for i in (n * size)..<((n + 1) * size) { out[i] = x[i] + f * (y[i] - x[i]) }
                    }
                }
            }
        }
    }

    /// ||a_i - b_i|| per row, in Double.
    static func distances(_ a: Tensor, _ b: Tensor) -> [Double] {
        let size = a.sampleSize
        return a.data.withUnsafeBufferPointer { x in
            b.data.withUnsafeBufferPointer { y in
                (0..<a.batch).map { n in
                    var s = 0.0
                    for i in (n * size)..<((n + 1) * size) {
                        let d = Double(x[i]) - Double(y[i])
                        s += d * d
                    }
                    return s.squareRoot()
                }
            }
        }
    }

    /// A fresh seed from a base seed and a counter (one SplitMix64 step), so that every query
    /// batch of a search has its own reproducible stream.
    static func seed(_ base: UInt64, _ counter: UInt64) -> UInt64 {
        var generator = SeededGenerator(seed: base ^ (counter &* 0xD1B5_4A32_D192_ED03))
        return generator.next()
    }
}

/// The search's access to f~: every call is one batched inversion, counted, with its own seed.
struct ProjectionOracle {
    let projection: ProjectionClassifier
    /// The cheaper inversion for the search's queries.
    let queryInversion: GeneratorInversion
    let seed: UInt64
    private(set) var batches: UInt64 = 0
    /// Queries so far (one per image classified).
    private(set) var queries = 0

    init(projection: ProjectionClassifier, queryInversion: GeneratorInversion, seed: UInt64) {
        self.projection = projection
        self.queryInversion = queryInversion
        self.seed = seed
    }

    /// f~ at `images`, with the full inversion (`full`) or the query inversion.
    mutating func ask(_ images: Tensor, warmStarts: [Tensor], full: Bool) throws(ProjectionError) -> ProjectedLabels? {
        guard images.batch > 0 else { return nil }
        batches += 1
        queries += images.batch
        return try projection.classify(images, warmStarts: warmStarts, seed: ProjectionRows.seed(seed, batches),
                                       using: full ? projection.inversion : queryInversion)
    }
}
