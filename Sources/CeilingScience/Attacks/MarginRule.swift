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

    /// Pushes every perturbation whose point changes the label but misses the margin along itself,
    /// by the smallest scale that clears it: the first of `pushes` that does, then a bisection
    /// between it and the scale before (12 halvings), so a push costs no more distance than the
    /// margin needs. Returns the perturbations and the ruled labels at their points; `logitsAt`
    /// maps a batch of perturbations to the logits at the perturbed points. A point no scale
    /// clears keeps its perturbation and its clean label (it is not an adversary).
    public static func push(_ perturbations: Tensor, clean: [Int], logitsAt: (Tensor) -> Tensor) -> (perturbations: Tensor, labels: [Int]) {
        let logits = logitsAt(perturbations)
        var ruled = labels(logits: logits, clean: clean)
        let pending = shortOfMargin(logits: logits, clean: clean).enumerated().filter(\.element).map(\.offset)
        guard !pending.isEmpty else { return (perturbations, ruled) }
        // Bracket [low, high] per pending sample: low fails, high clears (nil: none cleared yet).
        var low = [Float](repeating: 1, count: pending.count), high = [Float?](repeating: nil, count: pending.count)
        let size = perturbations.sampleSize
        // The ruled labels of the pending samples `rows` with their perturbations scaled (the
        // whole batch is evaluated: `logitsAt` takes perturbations of every sample).
        func trial(_ scales: [Float], _ rows: [Int]) -> [Int] {
            var batch = perturbations
            for (row, scale) in zip(rows, scales) {
                let n = pending[row]
                for i in (n * size)..<((n + 1) * size) { batch.data[i] *= scale }
            }
            let all = labels(logits: logitsAt(batch), clean: clean)
            return rows.map { all[pending[$0]] }
        }
        for factor in pushes {
            let open = pending.indices.filter { high[$0] == nil }
            guard !open.isEmpty else { break }
            for (row, label) in zip(open, trial(open.map { _ in factor }, open)) {
                if label != clean[pending[row]] { high[row] = factor } else { low[row] = factor }
            }
        }
        let cleared = pending.indices.filter { high[$0] != nil }
        for _ in 0..<12 where !cleared.isEmpty {
            let middles = cleared.map { (low[$0] + high[$0]!) / 2 }
            for (k, label) in trial(middles, cleared).enumerated() {
                if label != clean[pending[cleared[k]]] { high[cleared[k]] = middles[k] } else { low[cleared[k]] = middles[k] }
            }
        }
        var current = perturbations
        let finals = trial(cleared.map { high[$0]! }, cleared)
        for (k, row) in cleared.enumerated() where finals[k] != clean[pending[row]] {
            let n = pending[row]
            for i in (n * size)..<((n + 1) * size) { current.data[i] = perturbations.data[i] * high[row]! }
            ruled[n] = finals[k]
        }
        return (current, ruled)
    }
}

extension DifferentiableMap {
    /// Labels at `x` under the margin rule against the clean labels: a point short of the
    /// margin keeps its clean label (it does not count as adversarial).
    public func adversarialLabels(_ x: Tensor, clean: [Int]) -> [Int] { MarginRule.labels(logits: self(x), clean: clean) }
}
