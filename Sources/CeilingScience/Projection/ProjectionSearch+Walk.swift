import CeilingEngine

/// Per-point step and probe scales of the boundary walk, adapted between iterations.
struct ProjectionWalkScales {
    /// Multiplies `probeRadius`: halved when every probe lands on the clean side (the adversarial
    /// region is thin at that scale), doubled when every probe is adversarial (the boundary is
    /// farther than the probes reach along the tangent directions); kept in [1/16, 4].
    var probe: [Double]
    /// Multiplies the step fractions: halved when no step was adversarial, reset on success.
    var step: [Double]
    /// The sum of the unit normal estimates of the iterations so far, per point (empty before
    /// the first).
    var normal: [[Double]]

    init(count: Int) {
        probe = Array(repeating: 1, count: count)
        step = Array(repeating: 1, count: count)
        normal = Array(repeating: [], count: count)
    }
}

extension ProjectionSearch {
    /// One iteration of the boundary walk for every point with an adversarial point b at
    /// distance r = ||b - x||.
    ///
    /// 1. Probe f~ at b + delta u_k, k = 1...B, delta = probeRadius * r, with u_k unit vectors in
    ///    the tangent space of the generator at z*(b) (u = J w / ||J w||, w uniform on the latent
    ///    sphere) or uniform on the image sphere. With phi_k = +1 where the probe is adversarial and
    ///    -1 where not, the boundary normal pointing into the adversarial side is estimated by
    ///    n = sum_k (phi_k - mean phi) u_k (HopSkipJump's baseline-corrected sign estimate); the
    ///    unit estimates of successive iterations are summed (`ProjectionWalkScales.normal`).
    /// 2. Step from b into the adversarial side along the estimate, q = b + xi n, with
    ///    xi = fraction * r for each step fraction (tried together).
    /// 3. From every step that is adversarial, binary-search back toward x within the distance of b
    ///    (`segmentSearch`'s limits); keep the nearest boundary point found if it is nearer than b.
    ///
    /// The walk's points rest on the cheap queries alone: the final verification checks them with
    /// the full inversion, each iteration's point in turn and then the pre-walk one, and reports
    /// the nearest confirmed (`ProjectionSearch.verify`). Confirming every iteration's point
    /// instead cost up to three full inversions per point and iteration, and on the bundled DCGAN
    /// and ResNet (32 points) three in four of those points failed at depth 1, so the walk stopped
    /// where the cheap queries were slightly off; for 43% more passes it found no more (each way
    /// came out nearer at about a fifth of the points).
    ///
    /// On a flat boundary at distance h from x, a long step along an estimate at angle theta from
    /// the true normal puts the new boundary point at about h / cos(theta) from x: the error is of
    /// second order in the estimate's (jumping straight to the foot of the perpendicular on the
    /// estimated plane would be of first order, through the component of b - x along the
    /// boundary), which is why HopSkipJump steps this way; with a poor estimate a shorter step
    /// keeps more of b's progress, hence several lengths. Failed steps shorten the next ones;
    /// probes that all agree rescale the next probes (`ProjectionWalkScales`).
    ///
    /// With B probes in a k-dimensional tangent space the sign estimate's cosine with the true
    /// normal is about sqrt(B / (B + 1.6 k)): a decision-based walk needs many queries in high
    /// dimension, and on a DCGAN (k = 100) each iteration gains less than on the small test
    /// problems. The tangent probes J w / ||J w|| are isotropic in the tangent space only when J's
    /// singular values are equal; otherwise the estimate leans toward J's leading directions. It
    /// still points into the adversarial side on average, and every reported point is verified,
    /// so the walk stays sound but slows down (an orthonormal tangent basis, d more
    /// Jacobian-vector products per point, would remove the bias).
    func walk(iteration: Int, points x: Tensor, cleanLatents zx: Tensor, labels y: [Int],
              state: inout ProjectionSearchState, scales: inout ProjectionWalkScales, oracle: inout ProjectionOracle) throws(ProjectionError) {
        let generator = projection.generator
        let active = (0..<x.batch).filter { state.distances[$0].isFinite && state.distances[$0] > 0 }
        guard !active.isEmpty else { return }
        let a = active.count, probes = settings.probes, imageSize = generator.outputSize
        let b = ProjectionRows.pick(state.boundary, active), zb = ProjectionRows.pick(state.latents, active)
        let za = ProjectionRows.pick(zx, active)
        let r = active.map { state.distances[$0] }

        // 1. Probe directions, copy-major: row k * a + i belongs to active point i.
        var sampler = LatentSampler(seed: ProjectionRows.seed(settings.seed ^ 0x7A9E_17C3_5B0D_4F21, UInt64(iteration)))
        var directions = settings.tangentProbes
            ? generator.linearize(zb).jvp(sampler.latents(probes * a, shape: generator.inputShape))
            : sampler.sphereDirections(probes * a, shape: generator.outputShape)
        let lengths = sampleNorms(directions)
        // A tangent direction can vanish (every unit of a ReLU layer off); such rows probe
        // isotropically instead.
        let degenerate = lengths.contains { !($0 > 0 && $0.isFinite) }
        let fallback = degenerate ? sampler.sphereDirections(probes * a, shape: generator.outputShape) : directions
        for row in 0..<(probes * a) {
            let base = row * imageSize
            if lengths[row] > 0, lengths[row].isFinite {
                let inverse = Float(1 / lengths[row])
                for i in 0..<imageSize { directions.data[base + i] *= inverse }
            } else {
                for i in 0..<imageSize { directions.data[base + i] = fallback.data[base + i] }
            }
        }
        let probePoints = Tensor(shape: [probes * a] + generator.outputShape) { out in
            for row in 0..<(probes * a) {
                let i = row % a
                let delta = Float(settings.probeRadius * scales.probe[active[i]] * r[i])
                for j in 0..<imageSize { out[row * imageSize + j] = b.data[i * imageSize + j] + delta * directions.data[row * imageSize + j] }
            }
        }
        guard let probeAnswer = try oracle.ask(probePoints, warmStarts: [za.repeated(probes), zb.repeated(probes)], full: false) else { return }

        // 2. Normal estimates, and steps from b along them.
        var stepping = [Int](), normals = [[Double]]()
        for i in 0..<a {
            let p = active[i]
            let phi = (0..<probes).map { probeAnswer.labels[$0 * a + i] != y[p] ? 1.0 : -1.0 }
            let mean = phi.reduce(0, +) / Double(probes)
            if abs(mean) == 1 {
                scales.probe[p] = mean > 0 ? min(scales.probe[p] * 2, 4) : max(scales.probe[p] / 2, 1.0 / 16)
                continue
            }
            var normal = [Double](repeating: 0, count: imageSize)
            for k in 0..<probes {
                let weight = phi[k] - mean, base = (k * a + i) * imageSize
                for j in 0..<imageSize { normal[j] += weight * Double(directions.data[base + j]) }
            }
            let length = normal.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard length > 0 else { continue }
            // Accumulate with the earlier estimates: the normal moves little between neighbouring
            // boundary points, and the sum's error shrinks like 1 / sqrt(probes so far).
            var sum = normal.map { $0 / length }
            if scales.normal[p].count == imageSize { for j in 0..<imageSize { sum[j] += scales.normal[p][j] } }
            scales.normal[p] = sum
            let total = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard total > 0 else { continue }
            normals.append(sum.map { $0 / total })
            stepping.append(i)
        }
        guard !stepping.isEmpty else { return }

        // Proposals b + xi n, xi = fraction * r, copy-major over the step fractions.
        let s = stepping.count, fractions = settings.stepFractions
        let proposals = Tensor(shape: [fractions.count * s] + generator.outputShape) { out in
            for (f, fraction) in fractions.enumerated() {
                for (j, i) in stepping.enumerated() {
                    let xi = fraction * scales.step[active[i]] * r[i]
                    let row = f * s + j
                    for e in 0..<imageSize { out[row * imageSize + e] = Float(Double(b.data[i * imageSize + e]) + xi * normals[j][e]) }
                }
            }
        }
        let steppingPoints = stepping.map { active[$0] }
        let warm = [ProjectionRows.pick(za, stepping).repeated(fractions.count), ProjectionRows.pick(zb, stepping).repeated(fractions.count)]
        guard let stepAnswer = try oracle.ask(proposals, warmStarts: warm, full: false) else { return }

        // 3. Every adversarial step, back toward x.
        var chosenRows = [Int](), owners = [Int]()
        for (j, p) in steppingPoints.enumerated() {
            let adversarial = fractions.indices.filter { stepAnswer.labels[$0 * s + j] != y[p] }
            guard !adversarial.isEmpty else {
                scales.step[p] = max(scales.step[p] / 2, 1.0 / 64)
                continue
            }
            scales.step[p] = 1
            for f in adversarial {
                chosenRows.append(f * s + j)
                owners.append(p)
            }
        }
        guard !owners.isEmpty else { return }
        let origins = ProjectionRows.pick(x, owners), targets = ProjectionRows.pick(proposals, chosenRows)
        // Only boundary points nearer than the current one count: search within its distance.
        let limits = zip(owners, ProjectionRows.distances(targets, origins)).map { p, length in state.distances[p] / length }
        let outcome = try segmentSearch(
            origins: origins, originLatents: ProjectionRows.pick(zx, owners), labels: owners.map { y[$0] },
            targets: targets, targetLatents: ProjectionRows.pick(stepAnswer.inversion.latents, chosenRows),
            targetLabels: chosenRows.map { stepAnswer.labels[$0] }, limits: limits, oracle: &oracle)
        if let outcome { state.improve(owners, with: outcome) }
    }
}
