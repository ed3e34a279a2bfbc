import CeilingEngine

extension RobustnessStudy {
    /// Shard `shard` of the class-measure samples and attacked points, in `chunks`, with the
    /// certified lower bounds of `certifier` at the attacked points (nil when none is asked for,
    /// or the shard has no attacked point). Shards split only between chunks, and the bounds are
    /// computed chunk by chunk as the attacks are, so any split gives the points of one whole
    /// run with the same chunks.
    public func points(_ shard: Shard, chunks: StageChunks, certifier: Certifier?,
                       progress: (String, Double) -> Void = { _, _ in }) throws -> (points: RobustnessPoints, certification: Certification?) {
        let attacked = shard.range(settings.samples, chunk: chunks.points)
        let (points, _) = try points(measure: shard.range(settings.measureSamples, chunk: chunks.measure), attacked: attacked,
                                     chunks: (chunks.measure, chunks.points)) { stage, fraction in
            progress(stage, 0.95 * fraction)
        }
        guard let certifier, !attacked.isEmpty else { return (points, nil) }
        progress("certified lower bounds", 0.95)
        let images = stride(from: attacked.lowerBound, to: attacked.upperBound, by: chunks.points).map { first in
            generator(latents(first..<min(first + chunks.points, attacked.upperBound)))
        }
        let x = Tensor(shape: [attacked.count] + generator.outputShape, data: images.flatMap(\.data))
        return (points, certifier.certify(x, chunk: chunks.points))
    }
}
