/// How the Wasserstein slack delta of Theorem 4 is estimated.
///
/// `count` n = 1000 by default: the exact assignment costs O(n^3) in the worst case, and the
/// estimate's sampling bias shrinks only slowly with n in high dimension (see `WassersteinSlack`),
/// so thousands more images buy little. Measured at n = 1000 on 3 x 32 x 32 images, two busy
/// cores: distance matrix 0.08 s (one GEMM), assignment 0.25 s (0.10 s on uniform random costs),
/// generating the 1000 images with a DCGAN-32 0.9 s; 1.3 s in all with the sampling floor.
///
/// When the file holds fewer real images than n, all of them are used with as many generated
/// images, and the result says so (an error would refuse a usable, if noisier, estimate); when it
/// holds more, a seeded random subset of n is used (files are often sorted by class, so the first
/// n would not be a sample of mu).
public struct WassersteinSettings: Sendable, Equatable, Codable {
    /// Images per set, n.
    public var count: Int
    /// Also measure the sampling floor: W1 between two independent halves of the generated
    /// images, pure sampling bias (costs about 1/8 of the main assignment).
    public var samplingFloor: Bool
    /// Generated images per generator pass (memory only; no effect on the result).
    public var rowsPerBatch: Int
    /// Seed of the latent codes and of the real-image subset.
    public var seed: UInt64

    public static let defaultCount = 1000

    public init(count: Int = defaultCount, samplingFloor: Bool = true, rowsPerBatch: Int = 256, seed: UInt64 = 0) {
        self.count = count
        self.samplingFloor = samplingFloor
        self.rowsPerBatch = rowsPerBatch
        self.seed = seed
    }

    /// Throws the first setting out of range.
    public func validate() throws(WassersteinError) {
        guard count >= 1 else { throw .invalidSetting("the number of images must be at least 1 (got \(count))") }
        guard rowsPerBatch >= 1 else { throw .invalidSetting("rows per batch must be at least 1 (got \(rowsPerBatch))") }
    }
}
