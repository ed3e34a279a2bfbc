import Foundation

/// Gauss–Legendre quadrature on [-1, 1].
///
/// An n-node rule integrates polynomials of degree 2n - 1 exactly; for an entire integrand on a
/// short interval its error falls off like (interval / 2)^(2n) / (2n)!, so 16 nodes are at
/// rounding level for the short Gaussian intervals of `Gaussian.intervalProbability`.
///
/// The nodes are the roots of the Legendre polynomial P_n, found by Newton's method from the
/// Chebyshev-like starting points cos(pi (k - 1/4) / (n + 1/2)); P_n and its derivative come from
/// the three-term recurrence (j + 1) P_{j+1} = (2j + 1) x P_j - j P_{j-1} and
/// (1 - x^2) P_n' = n (P_{n-1} - x P_n). The weight of a node x is 2 / ((1 - x^2) P_n'(x)^2).
enum GaussLegendre {
    /// The 16-node rule as (node, weight) pairs, computed once.
    static let rule16: [(Double, Double)] = rule(nodes: 16)

    /// The n-node rule as (node, weight) pairs, nodes in decreasing order.
    static func rule(nodes n: Int) -> [(Double, Double)] {
        var pairs: [(Double, Double)] = []
        pairs.reserveCapacity(n)
        for k in 1...n {
            var x = cos(Double.pi * (Double(k) - 0.25) / (Double(n) + 0.5))
            for _ in 0..<100 {
                let (value, derivative) = legendre(n, at: x)
                let step = value / derivative
                x -= step
                if abs(step) <= 1e-16 { break }
            }
            let derivative = legendre(n, at: x).derivative
            pairs.append((x, 2 / ((1 - x * x) * derivative * derivative)))
        }
        return pairs
    }

    /// P_n(x) and P_n'(x) for n >= 1 and |x| < 1.
    static func legendre(_ n: Int, at x: Double) -> (value: Double, derivative: Double) {
        var previous = 1.0
        var current = x
        for j in 1..<n {
            let next = (Double(2 * j + 1) * x * current - Double(j) * previous) / Double(j + 1)
            previous = current
            current = next
        }
        return (current, Double(n) * (previous - x * current) / (1 - x * x))
    }
}
