extension EstimateResults {
    /// `ceiling gradients` at a classifier's attacked points (DESIGN §9): the loss-gradient norms
    /// that the input-dimension law speaks of, and the first-order robustness prediction to set
    /// beside the measured r_unc of the same points. Medians and percentiles over the points are
    /// empirical (no interval); robustness is normalised by E||g(z)|| like r_unc.
    public struct GradientRecord: Codable, Sendable {
        public let points: Int
        public let dimension: Int
        public let medianL1: Double
        public let medianL2: Double
        /// The median first-order prediction min_j m_j / ||grad (f_c - f_j)||_2, normalised.
        public let medianFirstOrder: Double?
        /// level -> normalised percentile of the first-order prediction (nil: infinite).
        public let firstOrderPercentiles: [String: Double?]

        public init(_ gradients: InputGradients, normaliser: Double, levels: [Double]) {
            let firstOrder = EmpiricalDistribution(gradients.firstOrderRobustness.map { $0 / normaliser })
            let finite = { (v: Double) in v.isFinite ? Optional(v) : nil }
            points = gradients.l1.count
            dimension = gradients.dimension
            medianL1 = EmpiricalDistribution(gradients.l1).quantile(0.5)
            medianL2 = EmpiricalDistribution(gradients.l2).quantile(0.5)
            medianFirstOrder = finite(firstOrder.quantile(0.5))
            firstOrderPercentiles = Dictionary(uniqueKeysWithValues: levels.map { (String($0), finite(firstOrder.quantile($0))) })
        }
    }
}
