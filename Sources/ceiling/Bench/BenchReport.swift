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
        let header = ["workload", "unit", "ceiling", "PyTorch", "ratio", "ceiling GFLOP/s", "ceiling % of peak",
                      "PyTorch GFLOP/s", "PyTorch % of peak"]
        let rows = results.map { r -> [String] in
            let w = r.workload
            let ours = [Self.format(w.figure(r.ours), w.unit)]
            let mine = speed(r.ours, w)
            guard let theirs = r.theirs, let ratio = r.ratio else { return [w.label, w.unit.rawValue] + ours + ["-", "-"] + mine + ["-", "-"] }
            return [w.label, w.unit.rawValue] + ours + [Self.format(w.figure(theirs), w.unit), String(format: "%.2f", ratio)]
                + mine + speed(theirs, w)
        }
        for line in TextTable(header: header, rows: rows).lines() { print(line) }
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

    /// A run's GFLOP/s and its share of the machine's peak (`MachinePeak`), as table cells.
    private func speed(_ run: BenchRun, _ workload: BenchWorkload) -> [String] {
        let gflops = run.gflops(workload.flopsPerSample)
        return [String(format: "%.1f", gflops), String(format: "%.0f%%", 100 * gflops / peak.gflops)]
    }

    /// `ceiling bench --json`; PyTorch's fields and the load averages are left out when absent.
    struct Record: Encodable {
        struct Workload: Encodable {
            let key: String, label: String, unit: String
            let ceiling: Double, ceilingSeconds: Double, ceilingWork: Double, ceilingGflops: Double, ceilingPeakFraction: Double
            let flopsPerSample: Double
            let torch: Double?, torchSeconds: Double?, torchWork: Double?, torchGflops: Double?, ratio: Double?
            let check: Double?
        }
        let threads: Int, batch: Int, repeats: Int
        let workloads: [Workload]
        let peakGflops: Double, peak: String
        let torch: String?
        let loadBefore: Double?, loadAfter: Double?
    }

    var record: Record {
        let workloads = results.map { r in
            let w = r.workload, theirs = r.ratio == nil ? nil : r.theirs
            return Record.Workload(
                key: w.key, label: w.label, unit: w.unit.rawValue, ceiling: w.figure(r.ours), ceilingSeconds: r.ours.seconds,
                ceilingWork: r.ours.work.units, ceilingGflops: r.ours.gflops(w.flopsPerSample),
                ceilingPeakFraction: r.ours.gflops(w.flopsPerSample) / peak.gflops, flopsPerSample: w.flopsPerSample,
                torch: theirs.map { w.figure($0) }, torchSeconds: theirs?.seconds, torchWork: theirs?.work.units,
                torchGflops: theirs?.gflops(w.flopsPerSample), ratio: r.ratio, check: r.check)
        }
        return Record(threads: threads, batch: batch, repeats: repeats, workloads: workloads, peakGflops: peak.gflops,
                      peak: peak.description, torch: torchVersion, loadBefore: load.before, loadAfter: load.after)
    }

    static func format(_ value: Double, _ unit: BenchWorkload.Unit) -> String {
        unit == .secondsPerSample ? String(format: "%.4f", value) : String(format: "%.1f", value)
    }

    static func format(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "?" }
}
