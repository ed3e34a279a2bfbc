import CeilingEngine

/// The rule every returned adversary satisfies, so that it changes the label in another engine
/// too (PyTorch recomputes the logits with other rounding): the new top logit beats the clean
/// class's logit by at least `relative` x max(1, max_j |f_j|) at the returned point.
///
/// A binary search left to itself ends a hair across the boundary (margins of 1e-6 and less),
/// where float32 rounding in another framework can flip the label back. Attacks therefore count
/// a point as adversarial only when it clears the margin, and a point that changes the label but
/// misses it is pushed a little further along its own perturbation (`push`). The norm reported
/// is always that of the point returned.
public enum MarginRule {
    /// The margin relative to the logit scale: 1e-4, about 50 times the largest relative
    /// difference measured between the engine's logits and PyTorch's.
    public static let relative: Float = 1e-4

    /// The scales tried, in order, on a perturbation that changes the label without the margin.
    static let pushes: [Float] = [1.0001, 1.0003, 1.001, 1.003, 1.01, 1.03, 1.1]

    /// The margin required of a point with these logits: `relative` x max(1, max_j |f_j|).
    public static func required(_ row: ArraySlice<Float>) -> Float {
        relative * max(1, row.map(abs).max() ?? 0)
    }

    /// Per row of logits: its label when it clears the margin against `clean[n]`, else `clean[n]`.
    public static func labels(logits: Tensor, clean: [Int]) -> [Int] {
        let k = logits.sampleSize
        let top = argmaxLabels(logits)
        return (0..<logits.batch).map { n in
            let c = clean[n], j = top[n]
            guard j != c else { return c }
            let row = logits.data[(n * k)..<((n + 1) * k)]
            return row[n * k + j] - row[n * k + c] >= required(row) ? j : c
        }
    }

    /// Raw labels and ruled labels of `logits` for comparison: a sample whose raw label changed
    /// but whose ruled label did not is short of the margin.
    static func shortOfMargin(logits: Tensor, clean: [Int]) -> [Bool] {
        zip(argmaxLabels(logits), labels(logits: logits, clean: clean)).enumerated().map { n, pair in
            pair.0 != clean[n] && pair.1 == clean[n]
        }
    }

    /// Pushes every perturbation whose point changes the label but misses the margin along itself
    /// (the scales of `pushes`, the first that clears it); returns the perturbations and the
    /// ruled labels at their points. `logitsAt` maps a batch of perturbations to the logits at
    /// the perturbed points.
    public static func push(_ perturbations: Tensor, clean: [Int], logitsAt: (Tensor) -> Tensor) -> (perturbations: Tensor, labels: [Int]) {
        var current = perturbations
        var logits = logitsAt(current)
        var ruled = labels(logits: logits, clean: clean)
        var pending = shortOfMargin(logits: logits, clean: clean)
        let size = perturbations.sampleSize
        for factor in pushes where pending.contains(true) {
            var trial = current
            for n in 0..<clean.count where pending[n] {
                for i in (n * size)..<((n + 1) * size) { trial.data[i] = perturbations.data[i] * factor }
            }
            logits = logitsAt(trial)
            let trialLabels = labels(logits: logits, clean: clean)
            for n in 0..<clean.count where pending[n] && trialLabels[n] != clean[n] {
                for i in (n * size)..<((n + 1) * size) { current.data[i] = trial.data[i] }
                ruled[n] = trialLabels[n]
                pending[n] = false
            }
        }
        return (current, ruled)
    }
}

extension DifferentiableMap {
    /// Labels at `x` under the margin rule against the clean labels: a point short of the
    /// margin keeps its clean label (it does not count as adversarial).
    public func adversarialLabels(_ x: Tensor, clean: [Int]) -> [Int] { MarginRule.labels(logits: self(x), clean: clean) }
}
