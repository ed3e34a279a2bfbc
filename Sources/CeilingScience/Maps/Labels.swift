import CeilingEngine

/// The predicted class of each row of [N, K] logits (first maximum, as `argmax` picks it).
public func argmaxLabels(_ logits: Tensor) -> [Int] {
    let k = logits.sampleSize
    return (0..<logits.batch).map { n in
        var best = 0
        for j in 1..<k where logits.data[n * k + j] > logits.data[n * k + best] { best = j }
        return best
    }
}

extension DifferentiableMap {
    /// Predicted labels of a map to logits.
    public func labels(_ x: Tensor) -> [Int] { argmaxLabels(self(x)) }
}

/// Euclidean norm of each sample of a batch, in Double.
public func sampleNorms(_ t: Tensor) -> [Double] {
    let size = t.sampleSize
    return (0..<t.batch).map { n in
        var s: Double = 0
        for i in (n * size)..<((n + 1) * size) { s += Double(t.data[i]) * Double(t.data[i]) }
        return s.squareRoot()
    }
}
