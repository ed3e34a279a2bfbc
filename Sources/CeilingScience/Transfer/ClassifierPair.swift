import CeilingEngine

/// Two classifiers f and h on the same image space, as maps to logits, with the one test every
/// transfer measurement rests on: does x + v change the labels of both?
///
/// A perturbation v "fools both" at x when f(x + v) != f(x) and h(x + v) != h(x), each against
/// its own clean label (Theorem 3 asks for a change of each classifier's decision, not for a
/// wrong answer). Every claim of the transfer measurement is checked with fresh forward passes
/// of both networks through `fooled(at:by:)`.
public struct ClassifierPair: Sendable {
    public let f: any DifferentiableMap
    public let h: any DifferentiableMap

    /// - Precondition: both take the same input shape.
    public init(_ f: any DifferentiableMap, _ h: any DifferentiableMap) {
        precondition(f.inputShape == h.inputShape, "classifiers on different image spaces")
        self.f = f
        self.h = h
    }

    /// Clean labels of both classifiers.
    public func labels(_ x: Tensor) -> (f: [Int], h: [Int]) { (f.labels(x), h.labels(x)) }

    /// Per sample: whether x + v changes f's label, and whether it changes h's.
    public func fooled(at x: Tensor, by v: Tensor, labels: (f: [Int], h: [Int])) -> (f: [Bool], h: [Bool]) {
        let moved = shifted(x, by: v)
        let lf = f.adversarialLabels(moved, clean: labels.f), lh = h.adversarialLabels(moved, clean: labels.h)
        return (zip(lf, labels.f).map { $0 != $1 }, zip(lh, labels.h).map { $0 != $1 })
    }

    /// Per sample: whether x + v changes both labels.
    public func foolsBoth(at x: Tensor, by v: Tensor, labels: (f: [Int], h: [Int])) -> [Bool] {
        let (a, b) = fooled(at: x, by: v, labels: labels)
        return zip(a, b).map { $0 && $1 }
    }

    /// Norms of `v` where it fools both under the margin rule (`MarginRule`; fresh forward
    /// passes), +infinity elsewhere; `v` is
    /// zeroed where it does not. The result's `labels` are f's clean labels and its
    /// `adversarialLabels` f's labels at x + v.
    public func verify(x: Tensor, labels: (f: [Int], h: [Int]), perturbations v: Tensor) -> AttackResult {
        let moved = shifted(x, by: v)
        let lf = f.adversarialLabels(moved, clean: labels.f), lh = h.adversarialLabels(moved, clean: labels.h)
        let norms = sampleNorms(v)
        var result = AttackResult.empty(labels: labels.f, shape: x.sampleShape)
        result.perturbations = v
        let size = v.sampleSize
        for n in 0..<labels.f.count {
            let both = lf[n] != labels.f[n] && lh[n] != labels.h[n]
            result.success[n] = both
            result.adversarialLabels[n] = lf[n]
            if both {
                result.norms[n] = norms[n]
            } else {
                for i in 0..<size { result.perturbations.data[n * size + i] = 0 }
            }
        }
        return result
    }
}
