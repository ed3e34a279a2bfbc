import CeilingEngine

/// DeepFool on the combined constraint "f's label changes and h's label changes".
///
/// At the current point each classifier contributes one linearised half-space in the step r:
/// for a classifier whose label c still holds, the nearest linearised boundary among its
/// candidate classes (k minimising |f_k - f_c| / ||w_k||, w_k = grad(f_k - f_c)) gives
/// w_k . r >= f_c - f_k; for one already fooled, the current top class k keeps it fooled with the
/// same inequality (its right-hand side is then negative, so r = 0 satisfies it). The step is the
/// minimal-norm point of the intersection of the two half-spaces,
///
///     min ||r||  s.t.  w_1 . r >= b_1,  w_2 . r >= b_2,
///
/// solved exactly (`HalfSpacePair`): one constraint active (r = b_i w_i / ||w_i||^2) or both
/// (r = a w_1 + b w_2 from the 2 x 2 Gram system, a, b >= 0). For two affine classifiers with two
/// classes each, one step lands on the exact joint minimum; as in DeepFool, the steps are summed
/// and the total scaled by 1 + overshoot. The right-hand sides get the margin `MarginRule`
/// requires, so the steps aim where both labels change with that margin (and a step is never
/// zero while a label still holds); a classifier counts as fooled only with the margin.
public struct JointDeepFool: Sendable {
    /// Overshoot, iteration cap and top-k candidate classes (of each classifier): DeepFool's.
    public var schedule: DeepFool

    public init(overshoot: Double = 0.02, maxIterations: Int = 50, candidates: Int? = nil) {
        schedule = DeepFool(overshoot: overshoot, maxIterations: maxIterations, candidates: candidates)
    }

    /// Perturbations of `x` meant to change both labels; success is not yet verified.
    public func perturbations(pair: ClassifierPair, x: Tensor, labels: (f: [Int], h: [Int])) -> Tensor {
        let n = x.batch, size = x.sampleSize
        let classesF = candidateClasses(logits: pair.f(x), labels: labels.f, limit: schedule.candidates)
        let classesH = candidateClasses(logits: pair.h(x), labels: labels.h, limit: schedule.candidates)
        var total = [Double](repeating: 0, count: n * size)
        var active = Array(0..<n)
        let factor = 1 + schedule.overshoot
        for _ in 0..<schedule.maxIterations where !active.isEmpty {
            let point = displaced(x, rows: active, by: total, factor: factor)
            let gf = ClassGradients(map: pair.f, at: point, classes: active.map { classesF[$0] })
            let gh = ClassGradients(map: pair.h, at: point, classes: active.map { classesH[$0] })
            var stillActive = [Int]()
            for (j, s) in active.enumerated() {
                guard let cf = constraint(gf, j, label: labels.f[s]), let ch = constraint(gh, j, label: labels.h[s]),
                      !(cf.fooled && ch.fooled),
                      let step = HalfSpacePair(cf.w, cf.b + cf.margin, ch.w, ch.b + ch.margin).minimalPoint else { continue }
                for i in 0..<size { total[s * size + i] += step[i] }
                stillActive.append(s)
            }
            active = stillActive
        }
        return Tensor(shape: x.shape, data: total.map { Float(factor * $0) })
    }

    /// The label first, then the top other classes of the clean logits.
    /// The linearised half-space w . r >= b of one classifier at sample j, the margin the rule
    /// requires there, and whether its label has already changed with that margin; nil when
    /// every candidate gradient difference vanishes.
    private func constraint(_ g: ClassGradients, _ j: Int, label c: Int) -> (w: [Double], b: Double, margin: Double, fooled: Bool)? {
        let row = g.logits.samples(j..<(j + 1))
        let current = argmaxLabels(row)[0]
        let margin = Double(MarginRule.required(row.data[...]))
        let fooled = MarginRule.labels(logits: row, clean: [c])[0] != c
        let gc = g.gradient(j, 0)
        let size = gc.count
        var best: (ratio: Double, w: [Double], b: Double)? = nil
        // Once fooled, keep the class that fools it (when it is among the candidates).
        let keep = current != c && g.classes[j].contains(current)
        for other in 1..<g.classes[j].count {
            let k = g.classes[j][other]
            if keep && k != current { continue }
            let gk = g.gradient(j, other)
            var w = [Double](repeating: 0, count: size), norm2 = 0.0
            for i in 0..<size {
                w[i] = Double(gk[gk.startIndex + i]) - Double(gc[gc.startIndex + i])
                norm2 += w[i] * w[i]
            }
            guard norm2 > 0 else { continue }
            let b = g.logit(j, c) - g.logit(j, k)
            let ratio = abs(b) / norm2.squareRoot()
            if best == nil || ratio < best!.ratio { best = (ratio, w, b) }
        }
        guard let best else { return nil }
        return (best.w, best.b, margin, fooled)
    }
}

/// The point of least norm in {r : w1 . r >= b1} ∩ {r : w2 . r >= b2}.
///
/// By the KKT conditions the minimiser is 0 (both b <= 0), the projection onto one boundary
/// (r = b_i w_i / ||w_i||^2, feasible for the other), or lies on both boundaries with
/// r = a w1 + b w2, [[w1.w1, w1.w2], [w1.w2, w2.w2]] (a, b) = (b1, b2), a, b >= 0. The feasible
/// candidate of least norm is returned; nil when the intersection is empty (opposite normals).
struct HalfSpacePair {
    let w1: [Double], b1: Double, w2: [Double], b2: Double

    init(_ w1: [Double], _ b1: Double, _ w2: [Double], _ b2: Double) {
        self.w1 = w1; self.b1 = b1; self.w2 = w2; self.b2 = b2
    }

    var minimalPoint: [Double]? {
        let g11 = dot(w1, w1), g22 = dot(w2, w2), g12 = dot(w1, w2)
        let size = w1.count
        if b1 <= 0 && b2 <= 0 { return [Double](repeating: 0, count: size) }
        var candidates = [[Double]]()
        func feasible(_ r: [Double]) -> Bool {
            dot(w1, r) >= b1 - 1e-9 * max(1, abs(b1)) && dot(w2, r) >= b2 - 1e-9 * max(1, abs(b2))
        }
        if g11 > 0, b1 > 0 {
            let r = w1.map { $0 * b1 / g11 }
            if feasible(r) { candidates.append(r) }
        }
        if g22 > 0, b2 > 0 {
            let r = w2.map { $0 * b2 / g22 }
            if feasible(r) { candidates.append(r) }
        }
        let det = g11 * g22 - g12 * g12
        if det > 1e-12 * g11 * g22 {
            let a = (b1 * g22 - b2 * g12) / det, b = (b2 * g11 - b1 * g12) / det
            if a >= 0, b >= 0 { candidates.append((0..<size).map { a * w1[$0] + b * w2[$0] }) }
        }
        return candidates.min { dot($0, $0) < dot($1, $1) }
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }
}
