/// The local suprema at a range of a study's modulus anchors: one shard's share of the modulus
/// (DESIGN §10). Anchor k and its directions come from the k-th stream of the seed, so the
/// shares of any split, appended in order, are the samples of one whole run.
public struct ModulusPoints: ShardPoints, Equatable {
    public var anchors: Range<Int>
    public var samples: SupremumSamples

    public init(anchors: Range<Int>, samples: SupremumSamples) {
        self.anchors = anchors
        self.samples = samples
    }

    public var ranges: [(stage: String, range: Range<Int>)] { [("modulus anchors", anchors)] }

    public func appending(_ next: ModulusPoints) -> ModulusPoints {
        ModulusPoints(anchors: anchors.lowerBound..<next.anchors.upperBound, samples: samples.appending(next.samples))
    }
}
