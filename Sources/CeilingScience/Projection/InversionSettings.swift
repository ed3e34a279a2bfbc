import Foundation

/// How the generator is inverted: z* = argmin_z ||g(z) - x||^2 by Adam on z and then a polish by
/// adaptive gradient descent (`InversionDescent`), from `restarts` random starts drawn from the
/// prior N(0, I) (plus any warm starts the caller passes).
///
/// Cost: `restarts * (steps + polishSteps + 2) + warm starts * (warmStartSteps + polishSteps + 2)`
/// forward and backward passes of g per image. Defense-GAN used 200 steps x 10 restarts (2,000
/// passes per image). The defaults, 100 Adam steps + 30 polish steps x 2 restarts (264 passes per
/// image), invert 64 images of a DCGAN-32 (nz 100, ngf 64) in well under a minute on two cores.
///
/// Measured on such a generator with random weights, on its own samples g(z) (||x|| ~ 24): Adam
/// alone (learning rate 0.2) leaves an error of 4.2 after 50 steps, 0.23 after 100 and 0.005 after
/// 150; with the polish the error falls to ~1e-5, the precision of single-precision arithmetic,
/// whatever the Adam steps. There even the polish alone converges from a random start: the
/// landscape of a random generator is benign. Trained generators are not (hence Defense-GAN's
/// restarts), so the defaults keep Adam to leave poor basins and two restarts; raise `restarts`
/// first when inversion quality matters more than time.
///
/// The learning rate follows a cosine schedule from `learningRate` down to
/// `learningRate * finalLearningRateFactor`: large early steps to leave the start's basin
/// quickly, small late steps to settle in the minimum (Adam's steps are about the learning rate
/// in every coordinate, so a constant rate leaves a residual jitter of that size in z).
///
/// Warm starts are near the answer by construction (the code a point was generated from, the
/// solution at a neighbouring query), and Adam's first steps jump away from them by the learning
/// rate, so by default they skip Adam (`warmStartSteps` 0) and are only polished; the polish
/// never loses ground from its start.
public struct InversionSettings: Sendable, Equatable, Codable {
    /// Adam steps per random start.
    public var steps: Int
    /// Adam steps per warm start (nil: `steps`, as records written before this setting mean).
    public var warmStartSteps: Int?
    /// Gradient-descent steps with an adaptive step size after Adam (`InversionDescent`): they
    /// settle the minimum far more precisely than Adam's last steps, and alone they refine warm
    /// starts that are already close to the answer.
    public var polishSteps: Int
    /// Random starts drawn from the prior per image (0 is allowed when warm starts are given).
    public var restarts: Int
    /// Adam's initial step size, in latent units.
    public var learningRate: Double
    /// The cosine schedule ends at `learningRate * finalLearningRateFactor`.
    public var finalLearningRateFactor: Double
    /// Rows (image x start pairs) pushed through the generator at once; bounds the memory of a
    /// pass and does not change any result (every row is optimised independently).
    public var rowsPerBatch: Int
    /// Seed of the random starts.
    public var seed: UInt64

    public static let defaultSteps = 100
    public static let defaultPolishSteps = 30
    public static let defaultRestarts = 2
    public static let defaultLearningRate = 0.2

    public init(steps: Int = defaultSteps, warmStartSteps: Int? = 0, polishSteps: Int = defaultPolishSteps, restarts: Int = defaultRestarts,
                learningRate: Double = defaultLearningRate, finalLearningRateFactor: Double = 0.05, rowsPerBatch: Int = 256, seed: UInt64 = 0) {
        self.steps = steps
        self.warmStartSteps = warmStartSteps
        self.polishSteps = polishSteps
        self.restarts = restarts
        self.learningRate = learningRate
        self.finalLearningRateFactor = finalLearningRateFactor
        self.rowsPerBatch = rowsPerBatch
        self.seed = seed
    }

    /// The same settings for the warm starts' rows: `warmStartSteps` Adam steps.
    var forWarmStarts: InversionSettings {
        var settings = self
        settings.steps = warmStartSteps ?? steps
        return settings
    }

    /// The step size at step t of `steps` (cosine from the initial to the final rate).
    func learningRate(at t: Int) -> Double {
        guard steps > 1 else { return learningRate }
        let progress = Double(t) / Double(steps - 1)
        let final = learningRate * finalLearningRateFactor
        return final + (learningRate - final) * 0.5 * (1 + cos(Double.pi * progress))
    }

    /// Throws the first setting that is out of range.
    public func validate() throws(ProjectionError) {
        guard steps >= 0 else { throw .invalidSetting("the number of inversion steps must be at least 0 (got \(steps))") }
        guard (warmStartSteps ?? 0) >= 0 else {
            throw .invalidSetting("the number of warm-start inversion steps must be at least 0 (got \(warmStartSteps ?? 0))")
        }
        guard polishSteps >= 0 else { throw .invalidSetting("the number of polish steps must be at least 0 (got \(polishSteps))") }
        guard restarts >= 0 else { throw .invalidSetting("the number of inversion restarts must be at least 0 (got \(restarts))") }
        guard learningRate.isFinite, learningRate > 0 else {
            throw .invalidSetting("the inversion learning rate must be finite and positive (got \(learningRate))")
        }
        guard finalLearningRateFactor.isFinite, finalLearningRateFactor > 0, finalLearningRateFactor <= 1 else {
            throw .invalidSetting("the final learning-rate factor must be in (0, 1] (got \(finalLearningRateFactor))")
        }
        guard rowsPerBatch >= 1 else { throw .invalidSetting("rows per batch must be at least 1 (got \(rowsPerBatch))") }
    }
}
