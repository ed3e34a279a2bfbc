/// Everything that can be wrong with the inputs of a bound. Each case describes itself in one
/// line that names the offending value, so a command line can print it as is.
public enum BoundError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer than two classes: a classifier with one class has no adversarial examples.
    case tooFewClasses(Int)
    /// The number of class measures or counts differs from the number of classes.
    case classCountMismatch(expected: Int, got: Int)
    /// A class measure is negative, above 1 or not finite.
    case invalidMeasure(index: Int, value: Double)
    /// The class measures do not sum to 1 (within `ClassMeasures.sumTolerance`).
    case measuresDoNotSumToOne(sum: Double)
    /// A class count is negative.
    case invalidCount(index: Int, value: Int)
    /// All class counts are zero.
    case noSamples
    /// The latent dimension d is below 1.
    case invalidLatentDimension(Int)
    /// A percentile level q outside the open interval (0, 1).
    case invalidPercentile(Double)
    /// A confidence level outside the open interval (0, 1).
    case invalidConfidence(Double)
    /// A Lipschitz constant that is not finite and positive.
    case invalidLipschitz(Double)
    /// A modulus-of-continuity curve that is malformed; the text says how.
    case invalidModulus(String)
    /// Theorem 4 bounds an expectation and needs a modulus that holds for every z; a sampled one
    /// fails with probability epsilon > 0.
    case probabilisticModulus(epsilon: Double)
    /// A radius outside the range on which a sampled modulus is known.
    case beyondModulusRange(radius: Double, maxRadius: Double)
    /// Theorem 3's disagreement probability delta is outside [0, 1/2].
    case invalidDelta(Double)
    /// Theorem 3 needs p_i + delta <= 1/2 for every class.
    case transferPreconditionViolated(index: Int, measure: Double, delta: Double)
    /// A Wasserstein slack that is negative or not finite.
    case invalidWassersteinSlack(Double)
    /// An expected image norm E||g(z)|| that is not finite and positive.
    case invalidExpectedImageNorm(Double)
    /// eq. (4) and Theorem 4's closed form need K >= 5 equiprobable classes.
    case needsFiveEquiprobableClasses(Int)
    /// A numerical routine failed (GSL returned NaN); the text names it.
    case numericalFailure(String)

    public var description: String {
        switch self {
        case .tooFewClasses(let k):
            return "the number of classes must be at least 2 (got \(k))"
        case .classCountMismatch(let expected, let got):
            return "expected \(expected) class values (one per class), got \(got)"
        case .invalidMeasure(let index, let value):
            return "class measure p\(index + 1) = \(value) is not a probability in [0, 1]"
        case .measuresDoNotSumToOne(let sum):
            return "class measures must sum to 1 (within \(ClassMeasures.sumTolerance)); they sum to \(sum)"
        case .invalidCount(let index, let value):
            return "class count n\(index + 1) = \(value) is negative"
        case .noSamples:
            return "class counts are all zero: at least one sample is needed"
        case .invalidLatentDimension(let d):
            return "the latent dimension must be at least 1 (got \(d))"
        case .invalidPercentile(let q):
            return "percentile level \(q) is not in the open interval (0, 1)"
        case .invalidConfidence(let c):
            return "confidence \(c) is not in the open interval (0, 1)"
        case .invalidLipschitz(let l):
            return "the Lipschitz constant must be finite and positive (got \(l))"
        case .invalidModulus(let why):
            return "invalid modulus of continuity: \(why)"
        case .probabilisticModulus(let epsilon):
            return "Theorem 4 needs a modulus that holds for every z; this one fails with probability epsilon = \(epsilon)"
        case .beyondModulusRange(let radius, let maxRadius):
            return "radius \(radius) is beyond the largest radius \(maxRadius) at which the modulus is known"
        case .invalidDelta(let delta):
            return "delta = \(delta) must be in [0, 1/2]"
        case .transferPreconditionViolated(let index, let measure, let delta):
            return "Theorem 3 needs p_i + delta <= 1/2 for every class; p\(index + 1) + delta = \(measure) + \(delta) = \(measure + delta)"
        case .invalidWassersteinSlack(let slack):
            return "the Wasserstein slack must be finite and non-negative (got \(slack))"
        case .invalidExpectedImageNorm(let norm):
            return "the expected image norm E||g(z)|| must be finite and positive (got \(norm))"
        case .needsFiveEquiprobableClasses(let k):
            return "this closed form needs K >= 5 equiprobable classes (got K = \(k))"
        case .numericalFailure(let what):
            return "numerical failure: \(what)"
        }
    }
}
