import Testing
import CeilingEngine
@testable import CeilingScience

@Suite("Projection: decision-based r_unc of f~ and Theorem 2")
struct ProjectionSearchTests {
    /// A random hyperplane classifier on R^m and N generated points.
    struct Setup {
        let w: [Float]
        let bias: Float
        let f: GraphMap
        let z: Tensor

        init(m: Int, latent d: Int? = nil, count: Int, seed: UInt64) {
            var rng = SeededGenerator(seed: seed)
            w = (0..<m).map { _ in Float(rng.gaussian()) }
            bias = 0.3
            f = ProjectionFixtures.linearClassifier(w, bias: bias)
            var sampler = LatentSampler(seed: seed + 1)
            z = sampler.latents(count, shape: [d ?? m])
        }

        /// Signed unit normal from each x toward the hyperplane, along u.
        func toward(_ x: Tensor, along u: [Float]) -> [(sign: Double, unit: [Float])] {
            let m = w.count
            let norm = u.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            return (0..<x.batch).map { n in
                var s = Double(bias)
                for i in 0..<m { s += Double(w[i]) * Double(x.data[n * m + i]) }
                return (s > 0 ? -1 : 1, u.map { Float(Double($0) / norm) })
            }
        }
    }

    /// Identity (or invertible linear) generator: f~ = f, and r_in = r_unc(f) = the distance to the
    /// hyperplane. Starting from a far candidate (its segment from x crosses the boundary at 1.53
    /// times the distance), the walk must get close to it: within 12% after 4 iterations, within 6%
    /// with a larger budget; and Theorem 2 holds at every point. (The invertible generator's tangent
    /// probes A w / ||A w|| are not isotropic, which biases the normal estimate: within 20%.)
    @Test(arguments: [(ProjectionSearchSettings(walkIterations: 4), 1.12, false), (ProjectionSearchSettings(walkIterations: 10, probes: 24), 1.06, false),
                      (ProjectionSearchSettings(walkIterations: 4), 1.2, true)])
    func exactGeneratorReachesTheHyperplaneDistance(settings: ProjectionSearchSettings, tolerance: Double, invertible: Bool) throws {
        let m = 6, count = 8
        let setup = Setup(m: m, count: count, seed: 21)
        let g = ProjectionFixtures.linearGenerator(invertible ? ProjectionFixtures.invertible(m, seed: 2) : ProjectionFixtures.identity(m), latent: m, image: m)
        let x = g(setup.z)
        let distance = ProjectionFixtures.hyperplaneDistances(x, w: setup.w, bias: setup.bias, normal: setup.w)
        // A unit vector orthogonal to w.
        var u = [Float](repeating: 0, count: m)
        u[0] = setup.w[1]; u[1] = -setup.w[0]
        let uNorm = (u[0] * u[0] + u[1] * u[1]).squareRoot()
        u = u.map { $0 / uNorm }
        let normals = setup.toward(x, along: setup.w)
        var far = x
        for n in 0..<count {
            for i in 0..<m {
                far.data[n * m + i] += Float(1.3 * distance[n] * normals[n].sign) * normals[n].unit[i] + Float(1.5 * distance[n]) * u[i]
            }
        }
        let search = try ProjectionSearch(projection: ProjectionClassifier(generator: g, classifier: setup.f), settings: settings)
        let result = try search.run(points: x, latents: setup.z, candidates: [AdversarialCandidates(name: "far", points: far)])
        let r = result.robustness
        #expect(r.success.allSatisfy { $0 })
        #expect(r.labels == setup.f.labels(x))
        #expect(r.reconstructionErrors.allSatisfy { $0 < 1e-5 })
        for n in 0..<count {
            // Never below the true distance (up to the inversion's precision).
            #expect(r.norms[n] >= distance[n] * (1 - 1e-3))
            #expect(r.norms[n] <= distance[n] * tolerance, "point \(n): \(r.norms[n]) vs \(distance[n])")
        }
        #expect(r.queries <= r.maximumQueriesPerPoint * count)
        let check = try TheoremTwoCheck.check(r, inDistribution: distance)
        #expect(check.holds && check.checked == count)
        #expect(check.minimumRatio! > 0.99)
    }

    /// A generator whose image is a 3-dimensional subspace of R^6: the projection keeps P x, so
    /// f~(x) = f(P x) has the hyperplane of normal P w, and r_unc(f~) = r_in(f) = |w.x + b| / ||P w||
    /// at generated points, strictly more than r_unc(f) = |w.x + b| / ||w||. The r_unc point of f
    /// does not fool f~; the r_in point does.
    @Test func tallLinearGeneratorMatchesTheInDistributionRobustness() throws {
        let (d, m, count) = (3, 6, 8)
        let setup = Setup(m: m, latent: d, count: count, seed: 5)
        let g = ProjectionFixtures.linearGenerator(ProjectionFixtures.embedding(latent: d, image: m), latent: d, image: m)
        let latents = setup.z
        let x = g(latents)
        let projectedW = setup.w.enumerated().map { $0.offset < d ? $0.element : 0 }
        let share = projectedW.reduce(0) { $0 + $1 * $1 } / setup.w.reduce(0) { $0 + $1 * $1 }
        #expect(share < 0.9)
        let rIn = ProjectionFixtures.hyperplaneDistances(x, w: setup.w, bias: setup.bias, normal: projectedW)
        let rUncF = ProjectionFixtures.hyperplaneDistances(x, w: setup.w, bias: setup.bias, normal: setup.w)

        let uncNormals = setup.toward(x, along: setup.w), inNormals = setup.toward(x, along: projectedW)
        var uncCandidates = x, inCandidates = x, inLatents = latents
        for n in 0..<count {
            for i in 0..<m {
                uncCandidates.data[n * m + i] += Float(1.02 * rUncF[n] * uncNormals[n].sign) * uncNormals[n].unit[i]
                inCandidates.data[n * m + i] += Float(1.02 * rIn[n] * inNormals[n].sign) * inNormals[n].unit[i]
            }
            for i in 0..<d { inLatents.data[n * d + i] = inCandidates.data[n * m + i] }
        }
        #expect(setup.f.labels(uncCandidates) != setup.f.labels(x))

        let search = try ProjectionSearch(projection: ProjectionClassifier(generator: g, classifier: setup.f))
        let result = try search.run(points: x, latents: latents, candidates: [
            AdversarialCandidates(name: "r_unc(f)", points: uncCandidates),
            AdversarialCandidates(name: "r_in", points: inCandidates, latents: inLatents),
        ])
        let r = result.robustness
        #expect(r.success.allSatisfy { $0 })
        #expect(r.sources.allSatisfy { $0 == "r_in" })
        for n in 0..<count {
            #expect(r.norms[n] >= rIn[n] * (1 - 1e-3))
            #expect(r.norms[n] <= rIn[n] * 1.03, "point \(n): \(r.norms[n]) vs r_in \(rIn[n])")
            #expect(r.norms[n] > rUncF[n] * 1.05)
            // The projection of the adversarial point is an in-distribution adversary near r_in.
            #expect(r.witnessFoolsClassifier[n])
            #expect(r.witnessDistances[n] <= rIn[n] * 1.03)
        }
        let check = try TheoremTwoCheck.check(r, inDistribution: rIn)
        #expect(check.holds)
        #expect(check.minimumRatio! > 0.99)
    }

    @Test func censorsPointsWithoutAnAdversary() throws {
        let m = 4
        let setup = Setup(m: m, count: 3, seed: 9)
        let g = ProjectionFixtures.linearGenerator(ProjectionFixtures.identity(m), latent: m, image: m)
        let x = g(setup.z)
        let search = try ProjectionSearch(projection: ProjectionClassifier(generator: g, classifier: setup.f))
        // The points themselves fool nothing; the second row is marked unavailable.
        let result = try search.run(points: x, candidates: [AdversarialCandidates(name: "none", points: x, available: [true, false, true])])
        #expect(result.robustness.success == [false, false, false])
        #expect(result.robustness.norms.allSatisfy { $0 == .infinity })
        #expect(result.robustness.censoredCount == 3)
        #expect(result.adversarialPoints == x)
        let check = try TheoremTwoCheck.check(result.robustness, inDistribution: [1, .infinity, 2])
        #expect(check.holds && check.checked == 2 && check.skipped == 1)
    }

    @Test func sameSeedSameSearch() throws {
        let g = GraphMap(ReferenceNetworks.dcgan32(latent: 8, width: 2, seed: 3))
        var rng = SeededGenerator(seed: 4)
        let w = (0..<(3 * 32 * 32)).map { _ in Float(rng.gaussian()) }
        var sampler = LatentSampler(seed: 5)
        let z = sampler.latents(24, shape: [8])
        let images = g(z)
        // A hyperplane through the median score, so that both classes occur.
        let scores = (0..<24).map { n in (0..<w.count).reduce(0.0) { $0 + Double(w[$1]) * Double(images.data[n * w.count + $1]) } }
        var b = GraphBuilder(inputShape: [3, 32, 32])
        b.add("flatten", Reshape.flatten())
        b.add("f", Linear(weight: [Float](repeating: 0, count: w.count) + w, bias: [0, -Float(scores.sorted()[12])], inFeatures: w.count, outFeatures: 2))
        let f = GraphMap(try b.build())
        let labels = f.labels(images)
        // Points of class 0; candidates: generated points of class 1.
        let zeros = labels.indices.filter { labels[$0] == 0 }.prefix(2), ones = labels.indices.filter { labels[$0] == 1 }.prefix(2)
        try #require(zeros.count == 2 && ones.count == 2)
        let settings = ProjectionSearchSettings(binarySteps: 4, walkIterations: 1, probes: 4,
                                                queryInversion: InversionSettings(steps: 0, polishSteps: 5, restarts: 0), seed: 3)
        let projection = try ProjectionClassifier(generator: g, classifier: f, settings: InversionSettings(steps: 10, polishSteps: 5, restarts: 1))
        let search = try ProjectionSearch(projection: projection, settings: settings)
        func run() throws -> ProjectionSearchResult {
            try search.run(points: ProjectionRows.pick(images, Array(zeros)), latents: ProjectionRows.pick(z, Array(zeros)),
                           candidates: [AdversarialCandidates(name: "other", points: ProjectionRows.pick(images, Array(ones)),
                                                              latents: ProjectionRows.pick(z, Array(ones)))])
        }
        let first = try run(), second = try run()
        #expect(first.robustness == second.robustness)
        #expect(first.adversarialPoints == second.adversarialPoints)
        #expect(first.robustness.success.allSatisfy { $0 })
    }

    @Test func theoremTwoViolationsAreExplained() throws {
        func robustness(norm: Double, witness: Double, fools: Bool, error: Double) -> ProjectionRobustness {
            ProjectionRobustness(norms: [norm], success: [true], labels: [0], classifierLabels: [0], adversarialLabels: [1],
                                 reconstructionErrors: [error], adversarialReconstructionErrors: [0.1], witnessDistances: [witness],
                                 witnessFoolsClassifier: [fools], sources: ["r_in"], queries: 10, maximumQueriesPerPoint: 10)
        }
        let fine = try TheoremTwoCheck.check(robustness(norm: 0.6, witness: 1, fools: true, error: 0), inDistribution: [1])
        #expect(fine.holds && fine.minimumRatio == 0.6)
        let missed = try TheoremTwoCheck.check(robustness(norm: 0.3, witness: 0.6, fools: true, error: 0), inDistribution: [1])
        #expect(missed.violations.map(\.cause) == [.inDistributionMissed])
        let atPoint = try TheoremTwoCheck.check(robustness(norm: 0.3, witness: 1.2, fools: true, error: 0.05), inDistribution: [1])
        #expect(atPoint.violations.map(\.cause) == [.inexactProjectionOfPoint])
        #expect(atPoint.violations[0].reconstructionError == 0.05)
        let atAdversary = try TheoremTwoCheck.check(robustness(norm: 0.3, witness: 1.2, fools: false, error: 0), inDistribution: [1])
        #expect(atAdversary.violations.map(\.cause) == [.inexactProjectionOfAdversary])
        #expect(!atAdversary.notes.isEmpty)
        #expect(throws: ProjectionError.self) { try TheoremTwoCheck.check(robustness(norm: 1, witness: 1, fools: true, error: 0), inDistribution: [1, 2]) }
    }

    @Test func settingsAreValidated() throws {
        let g = ProjectionFixtures.linearGenerator(ProjectionFixtures.identity(2), latent: 2, image: 2)
        let projection = try ProjectionClassifier(generator: g, classifier: ProjectionFixtures.linearClassifier([1, 0], bias: 0))
        #expect(throws: ProjectionError.self) { try ProjectionSearch(projection: projection, settings: ProjectionSearchSettings(binarySteps: 0)) }
        #expect(throws: ProjectionError.self) { try ProjectionSearch(projection: projection, settings: ProjectionSearchSettings(probeRadius: 1.5)) }
        #expect(throws: ProjectionError.self) { try ProjectionSearch(projection: projection, settings: ProjectionSearchSettings(stepFractions: [])) }
        #expect(ProjectionSearchSettings().maximumQueriesPerPoint(candidateSets: 2) == 148)
        let search = try ProjectionSearch(projection: projection)
        #expect(throws: ProjectionError.self) {
            try search.run(points: Tensor(zeros: [2, 2]), candidates: [AdversarialCandidates(name: "c", points: Tensor(zeros: [3, 2]))])
        }
    }
}
