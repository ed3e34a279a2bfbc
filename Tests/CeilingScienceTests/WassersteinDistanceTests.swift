import Testing
import CeilingEngine
@testable import CeilingScience

@Suite("Wasserstein: empirical W1")
struct WassersteinDistanceTests {
    static func images(_ n: Int, seed: UInt64, shape: [Int] = [3, 8, 8], scale: Float = 1) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        var t = rng.gaussianTensor([n] + shape)
        for i in 0..<t.count { t.data[i] *= scale }
        return t
    }

    @Test func distancesMatchDirectComputation() {
        let a = Self.images(7, seed: 1), b = Self.images(5, seed: 2)
        let matrix = PairwiseDistances.matrix(a, b)
        let m = a.sampleSize
        for i in 0..<7 {
            for j in 0..<5 {
                var s = 0.0
                for e in 0..<m { let d = Double(a.data[i * m + e]) - Double(b.data[j * m + e]); s += d * d }
                #expect(abs(matrix[i * 5 + j] - s.squareRoot()) < 1e-5 * s.squareRoot())
            }
        }
    }

    @Test func aSetIsAtDistanceZeroFromItself() throws {
        let a = Self.images(50, seed: 3)
        let transport = try EmpiricalWasserstein.transport(a, a)
        #expect(transport.distance == 0)
        #expect(transport.assignment == Array(0..<50))
    }

    @Test(arguments: [0.1, 1.0, 7.5])
    func aShiftedSetIsAtTheShiftsNorm(length: Double) throws {
        // W1(mu, mu + v) = ||v||: the identity pairing costs ||v|| and no coupling does better,
        // since W1 >= ||E[Y] - E[X]|| = ||v|| (Jensen).
        let a = Self.images(60, seed: 4)
        var rng = SeededGenerator(seed: 5)
        let direction = rng.gaussianTensor([a.sampleSize])
        let scale = length / direction.dot(direction).squareRoot()
        var b = a
        for n in 0..<a.batch { for i in 0..<a.sampleSize { b.data[n * a.sampleSize + i] += Float(scale) * direction.data[i] } }
        let transport = try EmpiricalWasserstein.transport(a, b)
        #expect(abs(transport.distance - length) < 1e-5 * max(length, 1))
    }

    @Test func oneDimensionalSetsPairInSortedOrder() throws {
        // On the line, the optimal coupling matches order statistics.
        var rng = SeededGenerator(seed: 6)
        let a = (0..<100).map { _ in Float(rng.gaussian()) }, b = (0..<100).map { _ in Float(rng.gaussian() * 2 + 1) }
        let expected = zip(a.sorted(), b.sorted()).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / 100
        let transport = try EmpiricalWasserstein.transport(Tensor(shape: [100, 1], data: a), Tensor(shape: [100, 1], data: b))
        #expect(abs(transport.distance - expected) < 1e-9)
    }

    @Test func setsMustMatch() {
        #expect(throws: WassersteinError.self) { try EmpiricalWasserstein.transport(Self.images(3, seed: 1), Self.images(4, seed: 1)) }
        #expect(throws: WassersteinError.self) {
            try EmpiricalWasserstein.transport(Self.images(3, seed: 1), Self.images(3, seed: 1, shape: [3, 4, 4]))
        }
    }
}
