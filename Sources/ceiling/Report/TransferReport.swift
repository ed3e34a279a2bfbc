import CeilingBounds
import CeilingJSON
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
        lines += TextTable(header: ["quantity", "median", "censored"], rows: [
            ["r_unc(f)", median(m.normsF), "\(m.normsF.filter { !$0.isFinite }.count)"],
            ["r_unc(h)", median(m.normsH), "\(m.normsH.filter { !$0.isFinite }.count)"],
            ["joint (best)", median(m.jointNorms), "\(m.jointNorms.filter { !$0.isFinite }.count)"],
            ["  f's direction", median(m.fromFNorms), "\(m.fromFNorms.filter { !$0.isFinite }.count)"],
            ["  h's direction", median(m.fromHNorms), "\(m.fromHNorms.filter { !$0.isFinite }.count)"],
            ["  joint attack", median(m.attackNorms), "\(m.attackNorms.filter { !$0.isFinite }.count)"],
        ]).lines()
        lines.append(String(format: "f's minimal adversary also changes h: %.1f%%; h's changes f: %.1f%%",
                            m.transferRateF * 100, m.transferRateH * 100))
        lines.append("")
        let c = m.curve
        lines += TextTable(header: ["eta", "Theorem 3 bound", "empirical (both)", "f's direction", "h's direction"],
                       rows: c.eta.indices.map { i in
                           [String(format: "%.4g", c.eta[i]), c.bound[i].map { String(format: "%.4f", $0) } ?? "-",
                            String(format: "%.4f", c.empirical[i]), String(format: "%.4f", c.fromF[i]), String(format: "%.4f", c.fromH[i])]
                       }).lines()
        return lines.joined(separator: "\n")
    }

    /// The measurement as results.json holds it for a pair (censored norms as "inf"), with the
    /// models and the version beside its fields.
    static func json(_ measured: TransferMeasurement, models: [String]) throws -> Data {
        try JSONCoding.encoder().encode(TransferFile(measurement: measured, models: models, ceilingVersion: CeilingVersion.string))
    }
}

/// `ceiling transfer --json`: the measurement's own fields, then `models` and `ceiling_version`.
private struct TransferFile: Encodable {
    let measurement: TransferMeasurement
    let models: [String]
    let ceilingVersion: String

    func encode(to encoder: any Encoder) throws {
        try measurement.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(models, forKey: .models)
        try container.encode(ceilingVersion, forKey: .ceilingVersion)
    }

    private enum CodingKeys: String, CodingKey { case models, ceilingVersion }
}
