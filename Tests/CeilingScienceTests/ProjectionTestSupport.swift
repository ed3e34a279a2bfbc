import CeilingEngine
@testable import CeilingScience

/// Small generators and classifiers with closed-form projections and distances.
enum ProjectionFixtures {
    /// g(z) = A z for an m x d matrix A (row-major), as a map.
    static func linearGenerator(_ a: [Float], latent d: Int, image m: Int) -> GraphMap {
        var b = GraphBuilder(inputShape: [d])
        b.add("g", Linear(weight: a, bias: nil, inFeatures: d, outFeatures: m))
        return GraphMap(try! b.build())
    }

    static func identity(_ d: Int) -> [Float] {
        (0..<(d * d)).map { $0 / d == $0 % d ? 1 : 0 }
    }

    /// A well-conditioned random square matrix I + 0.3 G / sqrt(d).
    static func invertible(_ d: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<(d * d)).map { ($0 / d == $0 % d ? 1 : 0) + Float(0.3 * rng.gaussian() / Double(d).squareRoot()) }
    }

    /// The m x d matrix whose columns are the first d standard basis vectors (the image of g is the
    /// first d coordinates; the projection keeps them and zeroes the rest).
    static func embedding(latent d: Int, image m: Int) -> [Float] {
        (0..<(m * d)).map { ($0 / d) == ($0 % d) ? 1 : 0 }
    }

    /// Logits [0, w.x + b]: class 1 where w.x + b > 0.
    static func linearClassifier(_ w: [Float], bias: Float) -> GraphMap {
        var b = GraphBuilder(inputShape: [w.count])
        b.add("f", Linear(weight: [Float](repeating: 0, count: w.count) + w, bias: [0, bias], inFeatures: w.count, outFeatures: 2))
        return GraphMap(try! b.build())
    }

    /// A small random MLP m -> 16 -> 16 -> 3.
    static func mlp(_ m: Int, seed: UInt64) -> GraphMap {
        var rng = SeededGenerator(seed: seed)
        func weights(_ n: Int, _ fanIn: Int) -> [Float] { (0..<n).map { _ in Float(rng.gaussian() * (2 / Double(fanIn)).squareRoot()) } }
        var b = GraphBuilder(inputShape: [m])
        b.add("l1", Linear(weight: weights(16 * m, m), bias: weights(16, 4), inFeatures: m, outFeatures: 16))
        b.add("a1", Activation(.relu))
        b.add("l2", Linear(weight: weights(256, 16), bias: weights(16, 4), inFeatures: 16, outFeatures: 16))
        b.add("a2", Activation(.tanh))
        b.add("l3", Linear(weight: weights(48, 16), bias: weights(3, 4), inFeatures: 16, outFeatures: 3))
        return GraphMap(try! b.build())
    }

    /// |w.x + b| / ||u|| per row: the distance to the hyperplane w.x + b = 0 measured along u's
    /// direction of steepest change (u = w for the plain hyperplane, u = P w for the projected one).
    static func hyperplaneDistances(_ x: Tensor, w: [Float], bias: Float, normal u: [Float]) -> [Double] {
        let m = w.count
        let norm = u.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        return (0..<x.batch).map { n in
            var s = Double(bias)
            for i in 0..<m { s += Double(w[i]) * Double(x.data[n * m + i]) }
            return abs(s) / norm
        }
    }
}
