import CeilingBounds
import CeilingScience
import Foundation

/// The terminal report and the JSON of `ceiling transfer`.
struct TransferReport {
    let measured: TransferMeasurement
    let omega: Modulus

    init(_ measured: TransferMeasurement, omega: Modulus) {
        self.measured = measured
        self.omega = omega
    }

    var text: String {
        let m = measured, d = m.disagreement
        var lines = [String]()
        lines.append(String(format: "disagreement delta_hat = %.4f (%d of %d generated points), %.4g%% interval [%.4f, %.4f]",
                            d.rate, d.disagreements, d.trials, d.confidence * 100, d.lower, d.upper))
        lines.append(String(format: "bound uses delta = %.4f; omega = ", m.delta) + m.modulus)
        if let failure = m.curve.conditionFailure {
            lines.append("Theorem 3 does not apply: p_i + delta <= 1/2 fails (\(failure))")
        } else if let on = m.curve.conditionOn {
            lines.append("condition p_i(\(on)) + delta <= 1/2 holds at the upper confidence ends")
        }
        if omega.isIdentity { lines.append("(omega = identity: the bound is about latent radii; compare with care)") }
        func median(_ xs: [Double]) -> String { String(format: "%.4g", EmpiricalDistribution(xs).quantile(0.5)) }
        lines.append("")
        lines.append(String(format: "%d attacked points, mean ||g(z)|| = %.4g", m.jointNorms.count, m.meanImageNorm))
        lines += table(header: ["quantity", "median", "censored"], rows: [
            ["r_unc(f)", median(m.normsF), "\(m.normsF.filter { !$0.isFinite }.count)"],
            ["r_unc(h)", median(m.normsH), "\(m.normsH.filter { !$0.isFinite }.count)"],
            ["joint (best)", median(m.jointNorms), "\(m.jointNorms.filter { !$0.isFinite }.count)"],
            ["  f's direction", median(m.fromFNorms), "\(m.fromFNorms.filter { !$0.isFinite }.count)"],
            ["  h's direction", median(m.fromHNorms), "\(m.fromHNorms.filter { !$0.isFinite }.count)"],
            ["  joint attack", median(m.attackNorms), "\(m.attackNorms.filter { !$0.isFinite }.count)"],
        ])
        lines.append(String(format: "f's minimal adversary also changes h: %.1f%%; h's changes f: %.1f%%",
                            m.transferRateF * 100, m.transferRateH * 100))
        lines.append("")
        let c = m.curve
        lines += table(header: ["eta", "Theorem 3 bound", "empirical (both)", "f's direction", "h's direction"],
                       rows: c.eta.indices.map { i in
                           [String(format: "%.4g", c.eta[i]), c.bound[i].map { String(format: "%.4f", $0) } ?? "-",
                            String(format: "%.4f", c.empirical[i]), String(format: "%.4f", c.fromF[i]), String(format: "%.4f", c.fromH[i])]
                       })
        return lines.joined(separator: "\n")
    }

    /// The measurement as JSON, +infinity (censored) written as null.
    static func json(_ measured: TransferMeasurement, models: [String]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
        let object = try JSONSerialization.jsonObject(with: try encoder.encode(measured))
        func censoredAsNull(_ value: Any) -> Any {
            if let s = value as? String, s == "+inf" { return NSNull() }
            if let a = value as? [Any] { return a.map(censoredAsNull) }
            if let d = value as? [String: Any] { return d.mapValues(censoredAsNull) }
            return value
        }
        var root = censoredAsNull(object) as! [String: Any]
        root["models"] = models
        root["ceiling_version"] = CeilingVersion.string
        return try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])
    }
}
