import CeilingEngine

/// Known adversarial points that seed the decision-based search on f~, one per clean point:
/// typically the r_in point g(z + r) (in the image of g, so its latent code is known) and the
/// r_unc point x + v of f. Any list of sets can be passed; each set is checked against f~ first,
/// since a point that fools f need not fool f~.
public struct AdversarialCandidates: Sendable {
    /// A short name for reports ("r_in", "r_unc(f)", ...): the result says which set each final
    /// point descends from.
    public let name: String
    /// [N] + image shape: row n is a candidate for clean point n.
    public let points: Tensor
    /// [N] + latent shape when the points are g(latents) (they then serve as warm starts of the
    /// inversion at the candidate, which then starts exactly on the point).
    public let latents: Tensor?
    /// Per point, whether the row holds a candidate at all (false where the attack that produced
    /// it found nothing).
    public let available: [Bool]

    /// - Parameter available: nil when every row holds a candidate.
    public init(name: String, points: Tensor, latents: Tensor? = nil, available: [Bool]? = nil) {
        self.name = name
        self.points = points
        self.latents = latents
        self.available = available ?? Array(repeating: true, count: points.shape.isEmpty ? 0 : points.batch)
    }

    /// Candidates from an attack result on the images: x + perturbation, where the attack succeeded.
    public init(name: String, points x: Tensor, perturbations: Tensor, success: [Bool]) {
        let sum = Tensor(shape: x.shape) { out in
            for i in 0..<x.count { out[i] = x.data[i] + perturbations.data[i] }
        }
        self.init(name: name, points: sum, latents: nil, available: success)
    }

    /// Checks the set against N clean points of the given image and latent shapes.
    func validate(count: Int, imageShape: [Int], latentShape: [Int]) throws(ProjectionError) {
        guard points.shape.count >= 1, points.sampleShape == imageShape else {
            throw .shapeMismatch("candidates '\(name)' of shape \(describe(shape: points.shape)) do not match the images [N] + \(describe(shape: imageShape))")
        }
        guard points.batch == count, available.count == count else {
            throw .countMismatch("candidates '\(name)' have \(points.batch) rows (\(available.count) flags) for \(count) points")
        }
        if let latents {
            guard latents.shape.count >= 1, latents.sampleShape == latentShape, latents.batch == count else {
                throw .shapeMismatch("latents of candidates '\(name)' of shape \(describe(shape: latents.shape)) do not match [\(count)] + \(describe(shape: latentShape))")
            }
        }
    }
}
