import CeilingBounds

/// `ceiling bound --k-dependence`: the q-percentile of eq. (2) against the number of
/// equiprobable classes K (Figure 2 of Fawzi et al.), as a table or a record.
struct KDependenceReport {
    let latentDimension: Int?
    let levels: [Double]
    let classCounts: [Int]
    /// E||z|| for the given latent dimension.
    let expectedNorm: Double?
    /// curves[l][i]: level l, class count i.
    let curves: [[KDependence.Point]]

    init(latentDimension: Int?, levels: [Double], classCounts: [Int]) throws {
        self.latentDimension = latentDimension
        self.levels = levels
        self.classCounts = classCounts
        expectedNorm = try latentDimension.map { try LatentGaussian.expectedNorm(dimension: $0) }
        curves = try levels.map { try KDependence.curve(classCounts: classCounts, level: $0) }
    }

    var record: KDependenceRecord {
        let points = classCounts.indices.map { i in
            KDependenceRecord.Point(classes: classCounts[i], levels: levels.indices.map { l in
                let point = curves[l][i]
                return KDependenceRecord.Level(
                    q: levels[l], t: point.latentRadius,
                    tOverSqrtD: latentDimension.map { point.latentRadius / Double($0).squareRoot() },
                    tOverExpectedLatentNorm: expectedNorm.map { point.latentRadius / $0 }, tEq4: point.equiprobableRadius)
            })
        }
        return KDependenceRecord(latentDimension: latentDimension, points: points)
    }

    var lines: [String] {
        var lines = ["K-dependence (Figure 2): the q-percentile of eq. (2) for K equiprobable classes, omega = identity"]
        lines.append("  t is the bound on the q-percentile of r_Z; divide by sqrt(d) for the figure's r / sqrt(d)"
            + (latentDimension.map { " (d = \($0) given: columns t / sqrt(d) and t / E||z|| below)" } ?? " (give --latent-dim to print it)"))
        var headers = ["K"]
        for q in levels {
            headers.append(levels.count == 1 ? "t" : "t (q = \(fmt(q)))")
            if latentDimension != nil { headers += [levels.count == 1 ? "t / sqrt(d)" : "t / sqrt(d) (q = \(fmt(q)))", "t / E||z||"] }
            headers.append(levels.count == 1 ? "t eq. (4)" : "t eq. (4) (q = \(fmt(q)))")
        }
        let rows = classCounts.indices.map { i -> [String] in
            var row = [String(classCounts[i])]
            for l in levels.indices {
                let point = curves[l][i]
                row.append(fmt(point.latentRadius))
                if let latentDimension, let expectedNorm {
                    row += [fmt(point.latentRadius / Double(latentDimension).squareRoot()), fmt(point.latentRadius / expectedNorm)]
                }
                row.append(fmt(point.equiprobableRadius))
            }
            return row
        }
        lines += TextTable(header: headers, rows: rows, alignments: headers.map { _ in .right }).lines(indent: "  ")
        lines.append("  (eq. (4) needs K >= 5; it is a looser closed form of the same bound)")
        return lines
    }
}
