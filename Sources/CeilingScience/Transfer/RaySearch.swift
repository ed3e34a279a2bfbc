import CeilingEngine

/// Along each ray x + s v (s >= 0, v a given direction such as one classifier's own minimal
/// adversary), the smallest scale at which both classifiers change their labels.
///
/// The scales 1, growth, growth^2, ... up to `reach` are tried in turn (the own adversary first,
/// then larger multiples: "scaled along its direction up to eta"); the first that fools both
/// brackets the joint boundary with its predecessor (0 before 1), and a binary search narrows the
/// bracket. The ray need not cross the joint boundary only once, so the answer is an adversary on
/// the ray, verified, not the least one on it. Rays that fool both nowhere up to `reach` are
/// censored.
public struct RaySearch: Sendable {
    /// Ratio of successive scales.
    public var growth: Double = 1.1
    /// The largest scale tried, as a multiple of v.
    public var reach: Double = 10
    public var boundary = BoundarySearch()

    public init(growth: Double = 1.1, reach: Double = 10, boundary: BoundarySearch = BoundarySearch()) {
        precondition(growth > 1 && reach >= 1)
        self.growth = growth
        self.reach = reach
        self.boundary = boundary
    }

    /// The scales tried: 1, growth, ..., up to reach.
    var scales: [Double] {
        var s = [1.0]
        while s.last! * growth <= reach * (1 + 1e-12) { s.append(s.last! * growth) }
        return s
    }

    /// Verified perturbations s_n v_n fooling both, for the samples in `searched` (others and
    /// failures censored).
    public func search(pair: ClassifierPair, x: Tensor, labels: (f: [Int], h: [Int]), directions v: Tensor, searched: [Bool]) -> AttackResult {
        let n = x.batch
        var low = [Double](repeating: 0, count: n), high = [Double](repeating: .nan, count: n)
        var open = (0..<n).filter { searched[$0] }
        for s in scales where !open.isEmpty {
            let both = bothFooled(pair, x, labels, v, open, Array(repeating: s, count: open.count))
            var still = [Int]()
            for (j, m) in open.enumerated() {
                if both[j] { high[m] = s } else { low[m] = s; still.append(m) }
            }
            open = still
        }
        let found = (0..<n).filter { !high[$0].isNaN }
        var scale = [Double](repeating: 0, count: n)
        if !found.isEmpty {
            let t = boundary.scales(count: found.count) { fractions in
                let s = zip(found, fractions).map { m, u in low[m] + u * (high[m] - low[m]) }
                return bothFooled(pair, x, labels, v, found, s)
            }
            for (j, m) in found.enumerated() { scale[m] = low[m] + t[j] * (high[m] - low[m]) }
        }
        return pair.verify(x: x, labels: labels, perturbations: scaledSamples(v, scale))
    }

    private func bothFooled(_ pair: ClassifierPair, _ x: Tensor, _ labels: (f: [Int], h: [Int]), _ v: Tensor,
                            _ indices: [Int], _ s: [Double]) -> [Bool] {
        pair.foolsBoth(at: gather(x, indices), by: scaledSamples(gather(v, indices), s),
                       labels: (indices.map { labels.f[$0] }, indices.map { labels.h[$0] }))
    }
}
