import Testing
import CeilingEngine
@testable import CeilingScience

@Suite("Wasserstein: exact assignment")
struct WassersteinAssignmentTests {
    /// Every permutation of 0..<n (Heap's algorithm).
    static func permutations(_ n: Int) -> [[Int]] {
        var result = [[Int]](), a = Array(0..<n), c = [Int](repeating: 0, count: n)
        result.append(a)
        var i = 0
        while i < n {
            if c[i] < i {
                a.swapAt(i % 2 == 0 ? 0 : c[i], i)
                result.append(a)
                c[i] += 1
                i = 0
            } else {
                c[i] = 0
                i += 1
            }
        }
        return result
    }

    @Test(arguments: 1...7)
    func matchesBruteForce(n: Int) {
        let all = Self.permutations(n)
        #expect(all.count == (1...max(n, 1)).reduce(1, *))
        var rng = SeededGenerator(seed: UInt64(n))
        for trial in 0..<20 {
            // Random costs, with ties (integers) in half of the trials.
            let costs = (0..<(n * n)).map { _ in trial % 2 == 0 ? rng.uniformOpen() : Double(Int(rng.uniformOpen() * 4)) }
            let assignment = LinearAssignment.solve(costs: costs, size: n)
            #expect(Set(assignment) == Set(0..<n))
            let best = all.map { LinearAssignment.cost($0, costs: costs, size: n) }.min()!
            #expect(abs(LinearAssignment.cost(assignment, costs: costs, size: n) - best) < 1e-12)
        }
    }

    @Test func emptyProblem() {
        #expect(LinearAssignment.solve(costs: [], size: 0) == [])
    }

    /// No pair of rows can swap columns and save (a necessary condition of optimality), on a
    /// distance matrix too large for brute force.
    @Test func noImprovingSwapOnPointClouds() {
        let n = 80, dim = 5
        var rng = SeededGenerator(seed: 3)
        let a = (0..<(n * dim)).map { _ in rng.gaussian() }, b = (0..<(n * dim)).map { _ in rng.gaussian() + 0.5 }
        var costs = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                var s = 0.0
                for e in 0..<dim { s += (a[i * dim + e] - b[j * dim + e]) * (a[i * dim + e] - b[j * dim + e]) }
                costs[i * n + j] = s.squareRoot()
            }
        }
        let sigma = LinearAssignment.solve(costs: costs, size: n)
        #expect(Set(sigma).count == n)
        for i in 0..<n {
            for j in (i + 1)..<n {
                let now = costs[i * n + sigma[i]] + costs[j * n + sigma[j]]
                let swapped = costs[i * n + sigma[j]] + costs[j * n + sigma[i]]
                #expect(now <= swapped + 1e-12)
            }
        }
        // And it beats the identity and a shuffle.
        let cost = LinearAssignment.cost(sigma, costs: costs, size: n)
        #expect(cost <= LinearAssignment.cost(Array(0..<n), costs: costs, size: n))
        #expect(cost <= LinearAssignment.cost(Array(0..<n).reversed(), costs: costs, size: n))
    }
}
