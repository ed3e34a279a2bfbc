import CeilingEngine

/// Per point x, the smallest norm of one perturbation that changes the labels of both f and h,
/// as well as the attacks can find it (an upper estimate of the true joint minimum, which is at
/// least max(r_unc(f), r_unc(h))).
///
/// Three candidates, the per-sample minimum kept, each verified by fresh forward passes of both:
/// 1. f's minimal adversary (`MinimalAdversary`) tried on h: along its direction, the smallest
///    scale that fools both (`RaySearch`);
/// 2. h's minimal adversary on f, the same way;
/// 3. a joint attack: `JointDeepFool` on the two linearised constraints, then `JointRefinement`
///    (DDN on max(m_f, m_h)), then a binary search along the direction to the joint boundary.
/// Points with no candidate are censored (+infinity).
public struct TransferAttack: Sendable {
    public var single = MinimalAdversary()
    public var jointDeepFool = JointDeepFool()
    public var jointRefinement = JointRefinement()
    public var ray = RaySearch()
    public var boundary = BoundarySearch()

    public init(single: MinimalAdversary = MinimalAdversary(), jointDeepFool: JointDeepFool = JointDeepFool(),
                jointRefinement: JointRefinement = JointRefinement(), ray: RaySearch = RaySearch(),
                boundary: BoundarySearch = BoundarySearch()) {
        self.single = single
        self.jointDeepFool = jointDeepFool
        self.jointRefinement = jointRefinement
        self.ray = ray
        self.boundary = boundary
    }

    public func attack(pair: ClassifierPair, x: Tensor, progress: (String) -> Void = { _ in }) -> TransferAdversaries {
        let labels = pair.labels(x)
        progress("minimal adversary of f")
        let ownF = single.attack(map: pair.f, x: x, labels: labels.f)
        progress("minimal adversary of h")
        let ownH = single.attack(map: pair.h, x: x, labels: labels.h)
        let transfersF = zip(pair.fooled(at: x, by: ownF.perturbations, labels: labels).h, ownF.success).map { $0 && $1 }
        let transfersH = zip(pair.fooled(at: x, by: ownH.perturbations, labels: labels).f, ownH.success).map { $0 && $1 }

        progress("f's adversaries on h")
        let fromF = ray.search(pair: pair, x: x, labels: labels, directions: ownF.perturbations, searched: ownF.success)
        progress("h's adversaries on f")
        let fromH = ray.search(pair: pair, x: x, labels: labels, directions: ownH.perturbations, searched: ownH.success)

        progress("joint attack")
        // Each stage is shrunk to the joint boundary along its own direction before the next
        // starts from it; the per-sample minimum over the stages is kept.
        var joint = tighten(pair: pair, x: x, labels: labels,
                            result: pair.verify(x: x, labels: labels, perturbations: jointDeepFool.perturbations(pair: pair, x: x, labels: labels)))
        if jointRefinement.schedule.steps > 0 {
            // Start from the best joint adversary found so far (DeepFool or a single direction).
            var seed = joint
            seed.keepBetter(fromF)
            seed.keepBetter(fromH)
            let refined = jointRefinement.refine(pair: pair, x: x, labels: labels, start: seed.perturbations)
            joint.keepBetter(tighten(pair: pair, x: x, labels: labels,
                                     result: pair.verify(x: x, labels: labels, perturbations: refined.perturbations)))
        }

        var best = joint
        best.keepBetter(fromF)
        best.keepBetter(fromH)
        return TransferAdversaries(labelsF: labels.f, labelsH: labels.h, ownF: ownF, ownH: ownH,
                                   transfersF: transfersF, transfersH: transfersH,
                                   fromF: fromF, fromH: fromH, joint: joint, best: best)
    }

    /// Shrinks each joint adversary to the joint boundary along its own direction.
    func tighten(pair: ClassifierPair, x: Tensor, labels: (f: [Int], h: [Int]), result: AttackResult) -> AttackResult {
        let found = (0..<result.count).filter { result.success[$0] }
        guard !found.isEmpty else { return result }
        let points = gather(x, found), directions = gather(result.perturbations, found)
        let sub = (found.map { labels.f[$0] }, found.map { labels.h[$0] })
        let scales = boundary.scales(count: found.count) { t in
            pair.foolsBoth(at: points, by: scaledSamples(directions, t), labels: sub)
        }
        var shrunk = result.perturbations
        scatter(scaledSamples(directions, scales), into: &shrunk, at: found)
        var tightened = pair.verify(x: x, labels: labels, perturbations: shrunk)
        tightened.keepBetter(result)
        return tightened
    }
}

/// What `TransferAttack` found, per point.
public struct TransferAdversaries: Sendable {
    /// Clean labels of f and h.
    public let labelsF: [Int], labelsH: [Int]
    /// Each classifier's own minimal adversary (r_unc(f), r_unc(h)).
    public let ownF: AttackResult, ownH: AttackResult
    /// Whether f's own minimal adversary, as found, also changes h's label (and vice versa).
    public let transfersF: [Bool], transfersH: [Bool]
    /// Smallest joint adversaries along f's (h's) own adversary direction.
    public let fromF: AttackResult, fromH: AttackResult
    /// The joint attack's adversaries.
    public let joint: AttackResult
    /// The per-sample minimum over the three: the joint minimal norm as measured.
    public let best: AttackResult

    public var count: Int { labelsF.count }
}
