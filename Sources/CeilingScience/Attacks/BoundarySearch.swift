import CeilingEngine

/// Binary search along each segment from x to x + r for the first point whose label differs
/// from the clean one, which removes the overshoot of the attacks. All samples are searched
/// together; the upper end (always adversarial) is returned.
public struct BoundarySearch: Sendable {
    public var steps: Int = 20
    public init(steps: Int = 20) { self.steps = steps }

    /// Scales in (0, 1] such that x + t_n r_n is still adversarial, as small as the search finds.
    /// `isAdversarial` gets a batch of points and returns, per point, whether its label differs.
    public func scales(count: Int, isAdversarial: ([Double]) -> [Bool]) -> [Double] {
        var low = [Double](repeating: 0, count: count), high = [Double](repeating: 1, count: count)
        for _ in 0..<steps {
            let middle = zip(low, high).map { ($0 + $1) / 2 }
            let adversarial = isAdversarial(middle)
            for n in 0..<count {
                if adversarial[n] { high[n] = middle[n] } else { low[n] = middle[n] }
            }
        }
        return high
    }
}
