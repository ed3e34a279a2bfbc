import CeilingEngine

/// Logits and the input gradients of chosen logits for a batch, from one forward pass and one
/// backward pass carrying all the requested classes at once.
struct ClassGradients {
    /// [N, K] logits.
    let logits: Tensor
    /// `classes[n]` lists the classes whose gradients were taken for sample n.
    let classes: [[Int]]
    /// [C * N] + input shape: gradient of logit `classes[n][j]` at sample n is sample j * N + n.
    let gradients: Tensor

    init(map: any DifferentiableMap, at x: Tensor, classes: [[Int]]) {
        let n = x.batch
        let linear = map.linearize(x)
        let k = linear.value.sampleSize
        let perSample = classes[0].count
        precondition(classes.allSatisfy { $0.count == perSample })
        var cotangent = Tensor(zeros: [perSample * n, k])
        for sample in 0..<n {
            for (j, c) in classes[sample].enumerated() { cotangent.data[(j * n + sample) * k + c] = 1 }
        }
        logits = linear.value
        self.classes = classes
        gradients = linear.vjp(cotangent)
    }

    func logit(_ n: Int, _ c: Int) -> Double { Double(logits.data[n * logits.sampleSize + c]) }

    /// The gradient of `classes[n][j]` at sample n.
    func gradient(_ n: Int, _ j: Int) -> ArraySlice<Float> {
        let size = gradients.sampleSize, row = j * logits.batch + n
        return gradients.data[(row * size)..<((row + 1) * size)]
    }
}

/// Indices of the `k` largest values of `row`, largest first.
func topClasses(_ row: ArraySlice<Float>, _ k: Int) -> [Int] {
    let base = row.startIndex
    return row.indices.sorted { row[$0] > row[$1] }.prefix(k).map { $0 - base }
}

/// DeepFool's candidate classes per sample: its label first, then the other classes among the
/// top `limit` clean logits (nil: every class).
func candidateClasses(logits: Tensor, labels: [Int], limit: Int?) -> [[Int]] {
    let k = logits.sampleSize
    let count = min(limit ?? k, k)
    return labels.enumerated().map { s, c in
        [c] + topClasses(logits.data[(s * k)..<((s + 1) * k)], count).filter { $0 != c }.prefix(count - 1)
    }
}
