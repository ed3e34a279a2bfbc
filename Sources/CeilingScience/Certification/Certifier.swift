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

    /// The bounds at `x` ([N] + the graph's input shape), in chunks of `chunk` points.
    public func certify(_ x: Tensor, chunk: Int = 64) -> Certification {
        precondition(x.sampleShape == network.graph.inputShape && chunk >= 1)
        var prepared = [(kind: CertifiedBoundKind, bound: Result<PreparedBound, CertificationError>, setup: Double)]()
        var peck: (bound: Result<PreparedBound, CertificationError>, setup: Double)?
        for kind in kinds {
            let start = Date()
            let bound: Result<PreparedBound, CertificationError>
            switch kind {
            case .globalLipschitz: bound = Result { () throws(CertificationError) in .global(try GlobalLipschitzMargin(network, seed: seed &+ 1)) }
            case .heinLocal: bound = Result { () throws(CertificationError) in .hein(try HeinLocalBound(network)) }
            case .peckPublished, .peckOperatorNorm:
                // The two variants share one walk through the layers.
                if peck == nil {
                    peck = (Result { () throws(CertificationError) in .peck(try PeckLayerBounds(network, seed: seed &+ 2)) }, 0)
                    peck!.setup = Date().timeIntervalSince(start)
                }
                prepared.append((kind, peck!.bound, peck!.setup))
                continue
            case .linearPropagation: bound = Result { () throws(CertificationError) in .propagation(try LinearBoundPropagation(network)) }
            }
            prepared.append((kind, bound, Date().timeIntervalSince(start)))
        }
        var points = [CertifiedBoundKind: [PointBound]](), seconds = [CertifiedBoundKind: Double]()
        var labels = [Int]()
        var first = 0
        while first < x.batch {
            let part = x.samples(first..<min(first + chunk, x.batch))
            let (partLabels, margins) = network.labelsAndMargins(part)
            labels += partLabels
            var peckPart: (published: [PointBound], operatorNorm: [PointBound], seconds: Double)?
            for entry in prepared {
                guard case .success(let bound) = entry.bound else { continue }
                let start = Date()
                let values: [PointBound]
                switch bound {
                case .global(let b): values = b.bounds(margins: margins, labels: partLabels)
                case .hein(let b): values = b.bounds(x: part, margins: margins, labels: partLabels)
                case .propagation(let b): values = b.bounds(x: part, margins: margins, labels: partLabels)
                case .peck(let b):
                    if peckPart == nil {
                        let both = b.bounds(x: part, margins: margins, labels: partLabels)
                        peckPart = (both.published, both.operatorNorm, Date().timeIntervalSince(start))
                    }
                    values = entry.kind == .peckPublished ? peckPart!.published : peckPart!.operatorNorm
                }
                points[entry.kind, default: []] += values
                seconds[entry.kind, default: 0] += bound.isPeck ? peckPart!.seconds : Date().timeIntervalSince(start)
            }
            first += part.batch
        }
        let count = Double(max(x.batch, 1))
        return Certification(labels: labels, bounds: prepared.map { entry in
            switch entry.bound {
            case .success:
                CertifiedBoundResult(kind: entry.kind, points: points[entry.kind], reason: nil, setupSeconds: entry.setup,
                                     secondsPerPoint: (seconds[entry.kind] ?? 0) / count)
            case .failure(let error):
                CertifiedBoundResult(kind: entry.kind, points: nil, reason: error.description, setupSeconds: entry.setup, secondsPerPoint: 0)
            }
        })
    }
}

/// A bound ready to run on points (its per-network work done).
enum PreparedBound: Sendable {
    case global(GlobalLipschitzMargin)
    case hein(HeinLocalBound)
    case peck(PeckLayerBounds)
    case propagation(LinearBoundPropagation)

    var isPeck: Bool { if case .peck = self { true } else { false } }
}
