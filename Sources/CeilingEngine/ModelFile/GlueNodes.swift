/// A classifier's glue as the first nodes of its graph, with the constants checked as the
/// engine will use them, in Float32.
extension Glue {
    /// The glue as graph nodes, in the order the format fixes: range map, normalisation, resize.
    func nodes(path: String) throws(ModelFileError) -> [(name: String, operation: any NetworkOperation, inputs: [Int])] {
        var nodes = [(name: String, operation: any NetworkOperation, inputs: [Int])]()
        func append(_ name: String, _ op: any NetworkOperation) { nodes.append((name, op, [nodes.count])) }
        if let range {
            let (scale, shift) = try Self.rangeMap(range, path: path)
            append("glue.range", ChannelAffine(kind: "affine", scale: [scale], shift: [shift]))
        }
        if let n = normalize {
            let mean = n.mean.map(Float.init), std = n.std.map(Float.init)
            guard !mean.isEmpty, mean.count == std.count, std.allSatisfy({ $0 > 0 }), mean.allSatisfy(\.isFinite), std.allSatisfy(\.isFinite) else {
                throw ModelFileError(path, "glue normalize needs non-empty mean and std of one length, std positive, both within Float32's range")
            }
            append("glue.normalize", try ChannelAffine.normalize(mean: mean, std: std).finite(in: "glue normalize", path: path))
        }
        if let size = resize {
            guard size.count == 2 else { throw ModelFileError(path, "glue resize must be [height, width]") }
            append("glue.resize", ResizeBilinear(size: (size[0], size[1])))
        }
        return nodes
    }

    /// The range map's Float32 scale and shift: both finite, and the scale non-zero (a map that
    /// sends every image to one point, or that underflows to one, is a broken file).
    private static func rangeMap(_ range: Range, path: String) throws(ModelFileError) -> (Float, Float) {
        guard range.from.count == 2, range.to.count == 2, range.from[1] != range.from[0], range.to[1] != range.to[0] else {
            throw ModelFileError(path, "glue range needs 'from' and 'to' pairs with distinct ends")
        }
        let scale = (range.to[1] - range.to[0]) / (range.from[1] - range.from[0])
        let shift = range.to[0] - scale * range.from[0]
        guard Float(scale).isFinite, Float(scale) != 0, Float(shift).isFinite else {
            throw ModelFileError(path, "glue range from \(range.from) to \(range.to) is the map \(scale) * x + \(shift), which Float32 cannot hold (finite, scale non-zero)")
        }
        return (Float(scale), Float(shift))
    }
}
