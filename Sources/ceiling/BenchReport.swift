import Foundation

/// One workload's medians on both sides.
struct BenchResult {
    let workload: BenchWorkload
    let ours: BenchRun
    let theirs: BenchRun?
    /// PyTorch's largest deviation from ceiling's output on the same input, relative to the
    /// output's largest magnitude (plain passes only): evidence that both ran the same network.
    let check: Double?

    var ratio: Double? { theirs.map { BenchWorkload.ratio(ours: ours, theirs: $0) } }
}

/// The bench's table and JSON.
struct BenchReport {
    let threads: Int, batch: Int, repeats: Int
    let torchVersion: String?
    let peak: MachinePeak
    let load: (before: Double?, after: Double?)
    let results: [BenchResult]

    func printTable() {
        print("threads \(threads), batch \(batch), median of \(repeats)" + (torchVersion.map { ", PyTorch \($0) CPU" } ?? ""))
        print(peak.description)
        let header = ["workload", "unit", "ceiling", "PyTorch", "ratio", "ceiling GFLOP/s", "PyTorch GFLOP/s"]
        let rows = results.map { r -> [String] in
            let w = r.workload
            let ours = Self.format(w.figure(r.ours), w.unit)
            let mine = String(format: "%.1f (%.0f%%)", r.ours.gflops(w.flopsPerSample), 100 * r.ours.gflops(w.flopsPerSample) / peak.gflops)
            guard let theirs = r.theirs, let ratio = r.ratio else { return [w.label, w.unit.rawValue, ours, "-", "-", mine, "-"] }
            return [w.label, w.unit.rawValue, ours, Self.format(w.figure(theirs), w.unit), String(format: "%.2f", ratio), mine,
                    String(format: "%.1f (%.0f%%)", theirs.gflops(w.flopsPerSample), 100 * theirs.gflops(w.flopsPerSample) / peak.gflops)]
        }
        for line in table(header: header, rows: rows) { print(line) }
        for r in results where r.workload.unit != .imagesPerSecond {
            let theirs = r.theirs.map { String(format: "%.0f", $0.work.units) } ?? "-"
            let what = r.workload.unit == .secondsPerSample ? "sample-iterations" : "gradient evaluations"
            print("\(r.workload.key): \(what) ceiling \(String(format: "%.0f", r.ours.work.units)), PyTorch \(theirs)")
        }
        let checks = results.compactMap { r in r.check.map { (r.workload.key, $0) } }
        if !checks.isEmpty {
            print("same network check (max |torch - ceiling| / max |ceiling|): " + checks.map { String(format: "%@ %.1e", $0.0, $0.1) }.joined(separator: ", "))
        }
        print("load average (1 min) before \(Self.format(load.before)), after \(Self.format(load.after))")
    }

    func json() -> String {
        let rows: [[String: Any]] = results.map { r in
            var row: [String: Any] = [
                "key": r.workload.key, "label": r.workload.label, "unit": r.workload.unit.rawValue,
                "ceiling": r.workload.figure(r.ours), "ceiling_seconds": r.ours.seconds, "ceiling_work": r.ours.work.units,
                "ceiling_gflops": r.ours.gflops(r.workload.flopsPerSample), "flops_per_sample": r.workload.flopsPerSample,
            ]
            if let theirs = r.theirs, let ratio = r.ratio {
                row["torch"] = r.workload.figure(theirs)
                row["torch_seconds"] = theirs.seconds
                row["torch_work"] = theirs.work.units
                row["torch_gflops"] = theirs.gflops(r.workload.flopsPerSample)
                row["ratio"] = ratio
            }
            if let check = r.check { row["check"] = check }
            return row
        }
        var object: [String: Any] = ["threads": threads, "batch": batch, "repeats": repeats, "workloads": rows,
                                     "peak_gflops": peak.gflops, "peak": peak.description]
        if let torchVersion { object["torch"] = torchVersion }
        if let before = load.before { object["load_before"] = before }
        if let after = load.after { object["load_after"] = after }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func format(_ value: Double, _ unit: BenchWorkload.Unit) -> String {
        unit == .secondsPerSample ? String(format: "%.4f", value) : String(format: "%.1f", value)
    }

    static func format(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "?" }
}
