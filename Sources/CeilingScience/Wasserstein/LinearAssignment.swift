/// The linear assignment problem: for an n x n cost matrix C, the permutation sigma minimising
/// sum_i C[i, sigma(i)]. With C the distances between two sets of n points this is the exact
/// optimal transport between their empirical measures, whose cost / n is the empirical W1 (the
/// optimum of the transport linear programme between uniform measures on n points is attained at
/// a permutation, by Birkhoff's theorem).
///
/// Solved by shortest augmenting paths with dual potentials (the Hungarian method in its
/// Jonker–Volgenant form): rows are added one at a time; for each, a Dijkstra-like scan over
/// the columns with reduced costs C[i, j] - u[i] - v[j] >= 0 finds the cheapest augmenting path,
/// the potentials are updated so reduced costs stay non-negative and are zero on the matching,
/// and the path is flipped. O(n^3) in the worst case, far less on typical distance matrices; the
/// inner scan runs over raw buffers. Everything is in Double.
public enum LinearAssignment {
    /// The optimal assignment: `result[i]` is the column matched to row i.
    /// - Precondition: `costs.count == n * n`, every cost finite.
    public static func solve(costs: [Double], size n: Int) -> [Int] {
        precondition(costs.count == n * n, "an n x n cost matrix needs \(n * n) values, got \(costs.count)")
        precondition(costs.allSatisfy(\.isFinite), "assignment costs must be finite")
        guard n > 0 else { return [] }
        // 1-based columns as in the textbook formulation; column 0 is a virtual start.
        var u = [Double](repeating: 0, count: n + 1)
        var v = [Double](repeating: 0, count: n + 1)
        var rowOfColumn = [Int](repeating: 0, count: n + 1)   // 0: free; else row + 1
        var way = [Int](repeating: 0, count: n + 1)
        var minimum = [Double](repeating: 0, count: n + 1)
        var used = [Bool](repeating: false, count: n + 1)

        costs.withUnsafeBufferPointer { c in
            u.withUnsafeMutableBufferPointer { u in
                v.withUnsafeMutableBufferPointer { v in
                    rowOfColumn.withUnsafeMutableBufferPointer { p in
                        way.withUnsafeMutableBufferPointer { way in
                            minimum.withUnsafeMutableBufferPointer { minv in
                                used.withUnsafeMutableBufferPointer { used in
                                    for row in 1...n {
                                        p[0] = row
                                        var j0 = 0
                                        for j in 0...n { minv[j] = .infinity; used[j] = false }
                                        repeat {
                                            used[j0] = true
                                            let i0 = p[j0]
                                            let base = (i0 - 1) * n - 1   // c[base + j] = C[i0 - 1, j - 1]
                                            let ui0 = u[i0]
                                            var delta = Double.infinity
                                            var j1 = 0
                                            for j in 1...n where !used[j] {
                                                let reduced = c[base + j] - ui0 - v[j]
                                                if reduced < minv[j] { minv[j] = reduced; way[j] = j0 }
                                                if minv[j] < delta { delta = minv[j]; j1 = j }
                                            }
                                            for j in 0...n {
                                                if used[j] { u[p[j]] += delta; v[j] -= delta } else { minv[j] -= delta }
                                            }
                                            j0 = j1
                                        } while p[j0] != 0
                                        repeat {
                                            let j1 = way[j0]
                                            p[j0] = p[j1]
                                            j0 = j1
                                        } while j0 != 0
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var assignment = [Int](repeating: 0, count: n)
        for j in 1...n where rowOfColumn[j] > 0 { assignment[rowOfColumn[j] - 1] = j - 1 }
        return assignment
    }

    /// sum_i C[i, assignment[i]].
    public static func cost(_ assignment: [Int], costs: [Double], size n: Int) -> Double {
        assignment.enumerated().reduce(0) { $0 + costs[$1.offset * n + $1.element] }
    }
}
