import CeilingEngine

/// Theorem 2's projection classifier, f~(x) = f(g(z*(x))) with z*(x) = argmin_z ||g(z) - x||:
/// classify the nearest generated image instead of x itself.
///
/// f~ agrees with f on the image of g (where the projection is the point itself), so it has the
/// same risk and the same in-distribution robustness; and for x = g(z) every perturbation v with
/// ||v|| < r_in(x) / 2 leaves its label unchanged, because the projection of x + v is within
/// ||v|| of x + v (x itself is a candidate), hence within 2 ||v|| < r_in of x. So
/// r_unc(f~)(x) >= r_in(f)(x) / 2 (Theorem 2).
///
/// In practice z* comes from a numerical inversion (`GeneratorInversion`): f~ as computed is the
/// classifier of the best code found, and the theorem holds for it only as far as the inversion
/// finds the true nearest point. A computed f~ also depends on the inversion's seed (through its
/// random starts); every call takes the seed explicitly so results are reproducible.
public struct ProjectionClassifier: Sendable {
    public let inversion: GeneratorInversion
    /// f, as a map from images to logits.
    public let classifier: any DifferentiableMap

    /// - Throws: `ProjectionError.shapeMismatch` when the classifier's input is not the
    ///   generator's output (the image space X is the generator's output space; glue belongs to
    ///   the classifier), `.invalidSetting` for inversion settings out of range.
    public init(generator: any DifferentiableMap, classifier: any DifferentiableMap,
                settings: InversionSettings = InversionSettings()) throws(ProjectionError) {
        guard classifier.inputShape == generator.outputShape else {
            throw .shapeMismatch("the classifier's input \(describe(shape: classifier.inputShape)) is not the generator's output \(describe(shape: generator.outputShape))")
        }
        inversion = try GeneratorInversion(generator: generator, settings: settings)
        self.classifier = classifier
    }

    public var generator: any DifferentiableMap { inversion.generator }

    /// f~ at a batch of images, with the inversion it rests on.
    /// - Parameters:
    ///   - warmStarts: extra inversion starts per image (see `GeneratorInversion.invert`).
    ///   - seed: the seed of the inversion's random starts; the settings' seed when nil.
    /// - Throws: as `GeneratorInversion.invert`.
    public func classify(_ images: Tensor, warmStarts: [Tensor] = [], seed: UInt64? = nil) throws(ProjectionError) -> ProjectedLabels {
        try classify(images, warmStarts: warmStarts, seed: seed, using: inversion)
    }

    /// The same with other inversion settings (the decision search queries with cheaper ones).
    func classify(_ images: Tensor, warmStarts: [Tensor], seed: UInt64?, using inversion: GeneratorInversion) throws(ProjectionError) -> ProjectedLabels {
        let result = try inversion.invert(images, warmStarts: warmStarts, seed: seed)
        return ProjectedLabels(labels: classifier.labels(result.reconstructions), inversion: result)
    }
}

/// Labels of f~ and the inversion they come from.
public struct ProjectedLabels: Sendable {
    /// f~(x) = f(g(z*(x))) per image.
    public let labels: [Int]
    public let inversion: Inversion
}
