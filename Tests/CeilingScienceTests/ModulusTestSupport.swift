import CeilingEngine
import Foundation
@testable import CeilingScience

/// The generator of the paper's Figure 1: d = 1, g(z) = (cos 2 pi z, sin 2 pi z), whose modulus
/// is known in closed form: omega(s) = 2 |sin(pi min(s, 1/2))|.
struct CircleMap: NetworkOperation {
    let kind = "circle"

    func outputShape(for inputShapes: [[Int]]) throws(ShapeError) -> [Int] {
        guard inputShapes == [[1]] else { throw ShapeError("circle takes [N, 1]") }
        return [2]
    }

    func forward(_ inputs: [Tensor]) -> Tensor {
        let z = inputs[0]
        var out = [Float]()
        for n in 0..<z.batch {
            let angle = 2 * Double.pi * Double(z.data[n])
            out += [Float(cos(angle)), Float(sin(angle))]
        }
        return Tensor(shape: [z.batch, 2], data: out)
    }

    /// d/dz (cos, sin)(2 pi z) = 2 pi (-sin, cos), read at forward sample b % N.
    func vjp(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] {
        let n = output.batch
        let data = (0..<cotangent.batch).map { b -> Float in
            let (c, s) = (output.data[2 * (b % n)], output.data[2 * (b % n) + 1])
            return Float(2 * Double.pi) * (-s * cotangent.data[2 * b] + c * cotangent.data[2 * b + 1])
        }
        return [Tensor(shape: [cotangent.batch, 1], data: data)]
    }

    func jvp(_ tangents: [Tensor], inputs: [Tensor], output: Tensor) -> Tensor {
        let t = tangents[0], n = output.batch
        var out = [Float]()
        for b in 0..<t.batch {
            let (c, s) = (output.data[2 * (b % n)], output.data[2 * (b % n) + 1])
            out += [Float(2 * Double.pi) * -s * t.data[b], Float(2 * Double.pi) * c * t.data[b]]
        }
        return Tensor(shape: [t.batch, 2], data: out)
    }

    static var graph: Graph {
        var b = GraphBuilder(inputShape: [1])
        b.add("circle", CircleMap())
        return try! b.build()
    }
}

/// A random m x n matrix (row-major) with N(0, 1/m) entries, and g(z) = A z as a graph.
struct LinearGenerator {
    let rows: Int, columns: Int
    let matrix: [Float]

    init(rows: Int, columns: Int, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        self.rows = rows
        self.columns = columns
        matrix = (0..<(rows * columns)).map { _ in Float(rng.gaussian() / Double(rows).squareRoot()) }
    }

    /// A bias is included: the modulus must not see it.
    var graph: Graph {
        var b = GraphBuilder(inputShape: [columns])
        b.add("A", Linear(weight: matrix, bias: (0..<rows).map { Float($0) * 0.01 }, inFeatures: columns, outFeatures: rows))
        return try! b.build()
    }

    /// sigma_max(A), independently of the code under test: the largest eigenvalue of A^T A by
    /// the cyclic Jacobi method in Double.
    var largestSingularValue: Double {
        var gram = [[Double]](repeating: [Double](repeating: 0, count: columns), count: columns)
        for i in 0..<columns {
            for j in 0..<columns {
                gram[i][j] = (0..<rows).reduce(0.0) { $0 + Double(matrix[$1 * columns + i]) * Double(matrix[$1 * columns + j]) }
            }
        }
        return jacobiEigenvalues(gram).max()!.squareRoot()
    }
}

/// Eigenvalues of a symmetric matrix by cyclic Jacobi rotations.
func jacobiEigenvalues(_ input: [[Double]]) -> [Double] {
    var a = input
    let n = a.count
    for _ in 0..<100 {
        var off = 0.0
        for p in 0..<n { for q in 0..<n where p != q { off += a[p][q] * a[p][q] } }
        if off < 1e-26 { break }
        for p in 0..<(n - 1) {
            for q in (p + 1)..<n where a[p][q] != 0 {
                let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<n {
                    let (akp, akq) = (a[k][p], a[k][q])
                    a[k][p] = c * akp - s * akq
                    a[k][q] = s * akp + c * akq
                }
                for k in 0..<n {
                    let (apk, aqk) = (a[p][k], a[q][k])
                    a[p][k] = c * apk - s * aqk
                    a[q][k] = s * apk + c * aqk
                }
            }
        }
    }
    return (0..<n).map { a[$0][$0] }
}

/// The dense matrix of a graph of linear operations (column j = the map applied to e_j), for
/// operator norms computed independently of power iteration.
func denseMatrix(of graph: Graph) -> (rows: Int, columns: Int, values: [[Double]]) {
    let n = graph.inputShape.reduce(1, *)
    let m = graph.shape(of: graph.output).reduce(1, *)
    var basis = [Float](repeating: 0, count: n * n)
    for j in 0..<n { basis[j * n + j] = 1 }
    let trace = graph.trace(Tensor(zeros: [1] + graph.inputShape))
    let columns = graph.jvp(trace, tangent: Tensor(shape: [n] + graph.inputShape, data: basis))
    var a = [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
    for j in 0..<n { for i in 0..<m { a[i][j] = Double(columns.data[j * m + i]) } }
    return (m, n, a)
}

/// sigma_max of a dense matrix by Jacobi on A^T A.
func largestSingularValue(_ a: [[Double]], columns n: Int) -> Double {
    var gram = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for row in a {
        for i in 0..<n where row[i] != 0 { for j in 0..<n { gram[i][j] += row[i] * row[j] } }
    }
    return jacobiEigenvalues(gram).max()!.squareRoot()
}

/// Small settings that keep a test to a fraction of a second.
func quickSettings(radii: [Double], anchors: Int = 8, directions: Int = 4, steps: Int = 10, seed: UInt64 = 1) -> ModulusSettings {
    ModulusSettings(radii: radii, anchors: anchors, directions: directions, ascentStarts: 1, ascentSteps: steps,
                    epsilon: 0.5, confidence: 0.9, simultaneous: true, seed: seed)
}
