import CeilingEngine

/// Per-sample outcome of a minimal-norm attack. A sample with no verified adversary is censored:
/// its norm is +infinity, it is counted and shown, never dropped.
public struct AttackResult: Sendable {
    /// Norm of the perturbation in the attack's metric (+infinity when censored).
    public var norms: [Double]
    /// The perturbation found, [N] + input shape (zero where censored).
    public var perturbations: Tensor
    /// Whether a fresh forward pass confirmed the label change.
    public var success: [Bool]
    /// Labels at the clean points.
    public let labels: [Int]
    /// Labels at the adversarial points (the clean label where censored).
    public var adversarialLabels: [Int]

    public var count: Int { norms.count }
    public var censoredCount: Int { success.filter { !$0 }.count }

    /// A result with nothing found yet.
    public static func empty(labels: [Int], shape: [Int]) -> AttackResult {
        AttackResult(norms: Array(repeating: .infinity, count: labels.count),
                     perturbations: Tensor(zeros: [labels.count] + shape), success: Array(repeating: false, count: labels.count),
                     labels: labels, adversarialLabels: labels)
    }

    /// Samples `indices` of the result, in that order.
    public func rows(_ indices: [Int]) -> AttackResult {
        AttackResult(norms: indices.map { norms[$0] }, perturbations: gather(perturbations, indices), success: indices.map { success[$0] },
                     labels: indices.map { labels[$0] }, adversarialLabels: indices.map { adversarialLabels[$0] })
    }

    /// These samples followed by `next`'s.
    public func appending(_ next: AttackResult) -> AttackResult {
        AttackResult(norms: norms + next.norms, perturbations: Tensor(shape: [count + next.count] + perturbations.sampleShape,
                                                                      data: perturbations.data + next.perturbations.data),
                     success: success + next.success, labels: labels + next.labels, adversarialLabels: adversarialLabels + next.adversarialLabels)
    }

    /// Takes sample `n` of `other` where it is a verified adversary of smaller norm.
    public mutating func keepBetter(_ other: AttackResult) {
        precondition(other.count == count)
        for n in 0..<count where other.success[n] {
            keepIfSmaller(n, norm: other.norms[n], label: other.adversarialLabels[n], from: other.perturbations, row: n)
        }
    }

    /// Makes row `row` of `candidates` sample `n`'s adversary when its norm is smaller than the
    /// one held (the caller has checked that it changes the label).
    mutating func keepIfSmaller(_ n: Int, norm: Double, label: Int, from candidates: Tensor, row: Int) {
        guard norm < norms[n] else { return }
        let size = perturbations.sampleSize
        norms[n] = norm
        success[n] = true
        adversarialLabels[n] = label
        for i in 0..<size { perturbations.data[n * size + i] = candidates.data[row * size + i] }
    }
}

/// Adds `scale * perturbation` to a batch: x + s * r.
func shifted(_ x: Tensor, by r: Tensor, scale: Float = 1) -> Tensor {
    Tensor(shape: x.shape) { out in
        for i in 0..<x.count { out[i] = x.data[i] + scale * r.data[i] }
    }
}

/// Rows `rows` of `x`, each moved by `factor` times its own row of the running total `total`
/// (indexed by the original row): the current iterate of the DeepFool-style attacks.
func displaced(_ x: Tensor, rows: [Int], by total: [Double], factor: Double) -> Tensor {
    var point = gather(x, rows)
    let size = x.sampleSize
    for (j, s) in rows.enumerated() {
        for i in 0..<size { point.data[j * size + i] += Float(factor * total[s * size + i]) }
    }
    return point
}

/// Multiplies each sample of `r` by its own factor.
func scaledSamples(_ r: Tensor, _ factors: [Double]) -> Tensor {
    let size = r.sampleSize
    return Tensor(shape: r.shape) { out in
        for n in 0..<r.batch {
            let f = Float(factors[n])
            for i in (n * size)..<((n + 1) * size) { out[i] = f * r.data[i] }
        }
    }
}

/// Samples `indices` of a batch, in that order.
func gather(_ t: Tensor, _ indices: [Int]) -> Tensor {
    let size = t.sampleSize
    var data = [Float]()
    data.reserveCapacity(indices.count * size)
    for n in indices { data.append(contentsOf: t.data[(n * size)..<((n + 1) * size)]) }
    return Tensor(shape: [indices.count] + t.sampleShape, data: data)
}

/// Writes the samples of `source` into `target` at `indices`.
func scatter(_ source: Tensor, into target: inout Tensor, at indices: [Int]) {
    let size = target.sampleSize
    for (j, n) in indices.enumerated() {
        for i in 0..<size { target.data[n * size + i] = source.data[j * size + i] }
    }
}
