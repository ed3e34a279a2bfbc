import CeilingScience
import Foundation

/// The transfer lines of the estimate report: Theorem 3's disagreement, whether it applies, and
/// the bound beside the measured fraction at a few radii.
struct TransferSummary {
    let records: [EstimateResults.TransferRecord]

    var lines: [String] {
        var lines = [String]()
        for t in records {
            let m = t.measurement, d = m.disagreement, c = m.curve
            lines.append(String(format: "  transfer %@ / %@ (Theorem 3, %d attacked points): disagreement delta_hat = %.4f (%d of %d), %.0f%% interval [%.4f, %.4f] (estimate)",
                                t.first, t.second, m.jointNorms.count, d.rate, d.disagreements, d.trials, d.confidence * 100, d.lower, d.upper))
            if c.conditionFailure != nil {
                let largest = { (counts: [Int]) in Double(counts.max() ?? 0) / Double(max(d.trials, 1)) }
                lines.append(String(format: "    Theorem 3 does not apply: it needs p_i + delta <= 1/2 for every class of f or of h, with delta <= %.3f and largest class measures %.3f (f), %.3f (h); measured only.",
                                    d.upper, largest(d.countsF), largest(d.countsH)))
            }
            for (i, landmark) in c.landmarks(joint: m.jointNorms) {
                let interval = c.empiricalLower.flatMap { lower in c.empiricalUpper.map { String(format: " [%.2f, %.2f]", lower[i], $0[i]) } } ?? ""
                lines.append(String(format: "    eta = %.3g (%@): fooling both measured %.2f%@ (f's own direction %.2f, h's %.2f)", c.eta[i],
                                    landmark.rawValue, c.empirical[i], interval, c.fromF[i], c.fromH[i])
                             + (c.bound[i].map { String(format: ", Theorem 3 lower bound %.2f", $0) } ?? ""))
            }
            if let confidence = c.confidence {
                lines.append(String(format: "    [a, b]: %.0f%% Clopper–Pearson interval at each eta of the fraction the attacks fool both on", confidence * 100))
            }
            lines.append(String(format: "    f's minimal adversary also changes h on %.0f%% of points; h's changes f on %.0f%%", m.transferRateF * 100, m.transferRateH * 100))
        }
        return lines
    }
}

/// The Theorem 4 lines: the empirical Wasserstein slack and the bound on E r_unc it gives.
struct WassersteinSummary {
    let record: EstimateResults.WassersteinRecord
    let imageNorm: Double?

    var lines: [String] {
        let s = record.slack
        var lines = [String(format: "  Wasserstein slack (Theorem 4): W1 = %.4g between %d real and %d generated images (%.3g of the mean real-image norm; exact assignment, estimate)",
                            s.distance, s.count, s.count, s.distance / max(s.meanRealNorm, .leastNonzeroMagnitude))]
        if let floor = s.samplingFloor {
            lines.append(String(format: "    two halves of the generated images alone are W1 = %.4g apart: empirical W1 over-estimates in high dimension (m = %d), so the slack is conservative", floor, s.imageDimension))
        }
        for c in record.ceilings {
            var measured = c.measuredMean.map { String(format: "%.4g", $0) } ?? "censored on some points"
            if let i = c.measuredMeanInterval {
                measured += String(format: " [%.4g, %.4g] (%g%% t interval of the mean of what the attack finds, approximate)", i.lower, i.upper, i.confidence * 100)
            }
            var text = "    \(c.classifier): E r_unc on real data"
            if let rigorous = c.certified {
                text += String(format: " <= %.4g with the certified Lipschitz constant (rigorous given W1)", rigorous.bound)
            }
            if let estimate = c.sampled { text += String(format: ", <= %.4g with the sampled omega (estimate)", estimate.bound) }
            if let note = c.note { text += " — \(note)" }
            lines.append(text + "; measured mean r_unc on \(c.realPoints) real images \(measured)")
        }
        return lines
    }
}
