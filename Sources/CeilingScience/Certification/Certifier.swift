import CeilingEngine
import Foundation

/// One certified bound at every point: the radii (nil everywhere when the bound does not cover
/// the network, with the reason), what each radius rests on, and what it cost.
public struct CertifiedBoundResult: Codable, Sendable {
    public let kind: CertifiedBoundKind
    public let points: [PointBound]?
    /// Why the bound cannot be computed for this network.
    public let reason: String?
    /// Time spent once per network (operator norms, row norms), in seconds.
    public let setupSeconds: Double
    /// Time per point, in seconds.
    public let secondsPerPoint: Double

    public var radii: [Double]? { points?.map(\.radius) }
}

/// The certified bounds of one classifier at a batch of points, and the best sound one per point.
public struct Certification: Codable, Sendable {
    public let labels: [Int]
    public let bounds: [CertifiedBoundResult]

    public func result(_ kind: CertifiedBoundKind) -> CertifiedBoundResult? { bounds.first { $0.kind == kind } }

    /// The largest sound bound per point (0 where none could be computed: no robustness is
    /// negative).
    public var best: [Double] {
        labels.indices.map { n in
            bounds.filter(\.kind.isSound).compactMap { $0.points?[n].radius }.max() ?? 0
        }
    }

    /// Whether any sound bound was computed.
    public var hasSoundBound: Bool { bounds.contains { $0.kind.isSound && $0.points != nil } }
}

/// Computes the requested certified lower bounds on r_unc (DESIGN §8) of a classifier, given as
/// its graph and the value holding its logits; points are in image space X (the graph's input,
/// glue included). The label of a point is the classifier's own (arg-max of the logits).
public struct Certifier: Sendable {
    public let kinds: [CertifiedBoundKind]
    let network: CertifiedNetwork
    let seed: UInt64

    public init(graph: Graph, logits: Int, kinds: [CertifiedBoundKind], seed: UInt64 = 0) {
        network = CertifiedNetwork(graph: graph, logits: logits)
        self.kinds = kinds
        self.seed = seed
    }

    /// The bounds at `x` ([N] + the graph's input shape, N within `Graph.largestBatch`).
    public func certify(_ x: Tensor) -> Certification {
        let logits = network.graph.evaluate(x, at: network.logits)
        let labels = argmaxLabels(logits)
        let margins = logitMargins(logits, labels: labels)
        let points = Double(max(labels.count, 1))
        var results = [CertifiedBoundResult]()
        // Peck et al.'s two variants share one walk through the layers.
        var peck: (published: [PointBound], operatorNorm: [PointBound], setup: Double, perPoint: Double)?
        var peckFailure: String?
        for kind in kinds {
            let setupStart = Date()
            do throws(CertificationError) {
                let values: [PointBound]
                var setup = 0.0, perPoint = 0.0
                switch kind {
                case .globalLipschitz:
                    let bound = try GlobalLipschitzMargin(network, seed: seed &+ 1)
                    setup = Date().timeIntervalSince(setupStart)
                    let start = Date()
                    values = bound.bounds(margins: margins, labels: labels)
                    perPoint = Date().timeIntervalSince(start) / points
                case .heinLocal:
                    let bound = try HeinLocalBound(network)
                    setup = Date().timeIntervalSince(setupStart)
                    let start = Date()
                    values = bound.bounds(x: x, margins: margins, labels: labels)
                    perPoint = Date().timeIntervalSince(start) / points
                case .peckPublished, .peckOperatorNorm:
                    if peck == nil && peckFailure == nil {
                        do throws(CertificationError) {
                            let bound = try PeckLayerBounds(network, seed: seed &+ 2)
                            let setupTime = Date().timeIntervalSince(setupStart)
                            let start = Date()
                            let both = bound.bounds(x: x, margins: margins, labels: labels)
                            peck = (both.published, both.operatorNorm, setupTime, Date().timeIntervalSince(start) / points)
                        } catch {
                            peckFailure = error.description
                        }
                    }
                    if let peckFailure { throw CertificationError.notApplicable(peckFailure) }
                    values = kind == .peckPublished ? peck!.published : peck!.operatorNorm
                    (setup, perPoint) = (peck!.setup, peck!.perPoint)
                case .linearPropagation:
                    let bound = try LinearBoundPropagation(network)
                    setup = Date().timeIntervalSince(setupStart)
                    let start = Date()
                    values = bound.bounds(x: x, margins: margins, labels: labels)
                    perPoint = Date().timeIntervalSince(start) / points
                }
                results.append(CertifiedBoundResult(kind: kind, points: values, reason: nil, setupSeconds: setup, secondsPerPoint: perPoint))
            } catch {
                results.append(CertifiedBoundResult(kind: kind, points: nil, reason: error.description,
                                                    setupSeconds: Date().timeIntervalSince(setupStart), secondsPerPoint: 0))
            }
        }
        return Certification(labels: labels, bounds: results)
    }
}
