import CeilingEngine

/// The per-point values of a robustness measurement over a range of its points: what the attacks
/// found at each attacked point and the label and image norm of each class-measure sample. A
/// shard of a study computes one range (DESIGN §10); `appending` puts the ranges back together,
/// and `RobustnessStudy.measurement` computes everything else from the whole set. Censored norms
/// are +infinity.
public struct RobustnessPoints: ShardPoints, Equatable {
    /// The class-measure samples covered, and the attacked points.
    public var measureRange: Range<Int>
    public var attackedRange: Range<Int>
    /// Label and ||g(z)|| of each class-measure sample.
    public var measureLabels: [Int]
    public var measureNorms: [Double]
    /// The classifier's label at each attacked point.
    public var labels: [Int]
    /// r_Z as the attack found it (the self-check's extra effort, which needs every point, comes
    /// later); nil when not measured.
    public var latent: [Double]?
    public var inDistribution: [Double]?
    /// Image distance per r_in method, in the attack's order of methods.
    public var inDistributionMethods: [Method]
    public var unconstrained: [Double]?
    /// r_unc of the projection classifier at the attacked points among the study's first
    /// `settings.projection.samples`.
    public var projection: ProjectionRobustness?

    public struct Method: Codable, Sendable, Equatable {
        public let name: String
        public var norms: [Double]
    }

    public var ranges: [(stage: String, range: Range<Int>)] { [("class-measure samples", measureRange), ("attacked points", attackedRange)] }

    /// These points followed by `next` (the ranges that follow these).
    public func appending(_ next: RobustnessPoints) -> RobustnessPoints {
        precondition(measureRange.upperBound == next.measureRange.lowerBound && attackedRange.upperBound == next.attackedRange.lowerBound)
        func join(_ a: [Double]?, _ b: [Double]?) -> [Double]? { a.flatMap { a in b.map { a + $0 } } }
        var joined = self
        joined.measureRange = measureRange.lowerBound..<next.measureRange.upperBound
        joined.attackedRange = attackedRange.lowerBound..<next.attackedRange.upperBound
        joined.measureLabels += next.measureLabels
        joined.measureNorms += next.measureNorms
        joined.labels += next.labels
        joined.latent = join(latent, next.latent)
        joined.inDistribution = join(inDistribution, next.inDistribution)
        // A range without attacked points has no methods to join.
        joined.inDistributionMethods = inDistributionMethods.isEmpty ? next.inDistributionMethods : next.inDistributionMethods.isEmpty ? inDistributionMethods
            : zip(inDistributionMethods, next.inDistributionMethods).map { Method(name: $0.name, norms: $0.norms + $1.norms) }
        joined.unconstrained = join(unconstrained, next.unconstrained)
        joined.projection = switch (projection, next.projection) {
        case let (a?, b?): a.appending(b)
        case let (a, b): a ?? b
        }
        return joined
    }
}

extension ProjectionRobustness {
    /// These points followed by `next`'s: every per-point array joined, the queries added.
    public func appending(_ next: ProjectionRobustness) -> ProjectionRobustness {
        var joined = self
        joined.norms += next.norms
        joined.success += next.success
        joined.labels += next.labels
        joined.classifierLabels += next.classifierLabels
        joined.adversarialLabels += next.adversarialLabels
        joined.reconstructionErrors += next.reconstructionErrors
        joined.adversarialReconstructionErrors += next.adversarialReconstructionErrors
        joined.witnessDistances += next.witnessDistances
        joined.witnessFoolsClassifier += next.witnessFoolsClassifier
        joined.sources += next.sources
        joined.queries += next.queries
        return joined
    }
}
