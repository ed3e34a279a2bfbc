import ArgumentParser
import CeilingEngine
import CeilingJSON
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the engine against PyTorch CPU on the same networks, weights, threads and batch.",
        discussion: """
            Workloads: the DCGAN-32 generator (nz 100, ngf 64; images/s, and the modulus \
            estimator's projected gradient ascent on ||g(z + r) - g(z)||, one direction per \
            anchor, in anchor/direction pairs/s), and the classifiers generators/lenet.bin, \
            lenet_pgd.bin (DeepFool only), resnet.bin and a CIFAR ResNet-18 of width 64 (forward \
            and forward + input gradient in images/s; the project's batched DeepFool, overshoot \
            0.02, up to 50 iterations, all class gradients in one backward pass, in seconds per \
            sample). scripts/bench_torch.py does the same work in PyTorch with the same weights \
            and inputs; each timed ceiling run is followed by the matching PyTorch run, so both \
            see the same background load. The ratio is PyTorch's time per unit of work over \
            ceiling's (above 1: ceiling is faster); for DeepFool the unit is a sample-iteration \
            and for the ascent a gradient evaluation, which makes the two comparable when \
            rounding ends a sample one iteration apart. GFLOP/s count the convolutions and \
            linear layers from the graph's shapes (a pulled-back cotangent counts as a forward); the \
            share of the peak divides them by threads x clock (cpu MHz) x FP32 FLOPs per cycle of the \
            widest FMA the CPU reports (64 with AVX-512, two units assumed), a nominal figure. \
            Run from the repository root; pass --python with an interpreter that has torch.
            """)

    @Option(parsing: .unconditional, help: "Engine threads (and torch.set_num_threads).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(parsing: .unconditional, help: "Images per batch for the plain passes.") var batch: Int = 64
    @Option(parsing: .unconditional, help: "Timed repetitions per workload; the median is reported.") var repeats: Int = 5
    @Option(parsing: .unconditional, help: "Samples per DeepFool run.") var deepfoolBatch: Int = 8
    @Option(parsing: .unconditional, help: "Anchors of the modulus ascent (one direction each).") var anchors: Int = 32
    @Option(parsing: .unconditional, help: "The estimator's ascent steps; its only radius gets three times as many.") var ascentSteps: Int = 4
    @Option(help: "Run only workloads whose key contains this text (e.g. resnet18, deepfool).") var only: String?
    @Option(help: "Python interpreter with PyTorch for the reference figures.") var python: String = "python3"
    @Flag(help: "Skip the PyTorch reference.") var noTorch = false
    @Flag(help: "Print one JSON object instead of the table.") var json = false

    func validate() throws {
        try Limits.checkThreads(threads)
        guard threads >= 1, batch >= 1, repeats >= 1, deepfoolBatch >= 1, anchors >= 1, ascentSteps >= 1 else {
            throw ValidationError("--threads, --batch, --repeats, --deepfool-batch, --anchors and --ascent-steps must be at least 1")
        }
    }

    func run() throws {
        EngineThreads.count = threads
        let loadBefore = Self.loadAverage()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ceiling-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let suite = BenchSuite(batch: batch, deepFoolBatch: deepfoolBatch, anchors: anchors, ascentSteps: ascentSteps, directory: directory)
        let workloads = try suite.workloads(only: only)
        let torch = noTorch ? nil : startTorch()
        defer { torch?.close() }

        var results = [BenchResult]()
        for workload in workloads {
            FileHandle.standardError.write(Data("timing \(workload.label)...\n".utf8))
            results.append(measure(workload, torch: torch))
        }
        let report = BenchReport(threads: threads, batch: batch, repeats: repeats, torchVersion: torch?.version,
                                 peak: MachinePeak.detect(threads: threads), load: (loadBefore, Self.loadAverage()), results: results)
        if json { print(try JSONCoding.text(report.record)) } else { report.printTable() }
    }

    private func startTorch() -> BenchTorchServer? {
        let script = "scripts/bench_torch.py"
        guard FileManager.default.fileExists(atPath: script) else {
            BenchTorchServer.note("\(script) not found (run from the repository root); PyTorch figures skipped")
            return nil
        }
        return BenchTorchServer(python: python, script: script, threads: threads)
    }

    /// Sets PyTorch up (it warms up there), warms ceiling up, then alternates timed runs.
    private func measure(_ workload: BenchWorkload, torch: BenchTorchServer?) -> BenchResult {
        var torchReady = false
        var check: Double? = nil
        if let torch {
            do {
                var request = workload.torchSetup
                request["op"] = "setup"
                request["key"] = workload.key
                let reply = try torch.send(request)
                check = (reply["check"] as? NSNumber)?.doubleValue
                torchReady = true
            } catch {
                BenchTorchServer.note("PyTorch could not set up \(workload.key): \(error)")
            }
        }
        _ = workload.run()
        var ours = [BenchRun](), theirs = [BenchRun]()
        for _ in 0..<repeats {
            Self.settle()
            let start = DispatchTime.now().uptimeNanoseconds
            let work = workload.run()
            ours.append(BenchRun(seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, work: work))
            guard torchReady, let torch else { continue }
            Self.settle()
            do {
                let reply = try torch.send(["op": "time", "key": workload.key])
                func value(_ key: String) -> Double { (reply[key] as? NSNumber)?.doubleValue ?? .nan }
                theirs.append(BenchRun(seconds: value("seconds"), work: BenchWork(
                    units: value("work"), forwardSamples: value("forward_samples"), cotangentSamples: value("cotangent_samples"))))
            } catch {
                BenchTorchServer.note("PyTorch failed on \(workload.key): \(error)")
                torchReady = false
            }
        }
        return BenchResult(workload: workload, ours: BenchRun.median(ours)!, theirs: BenchRun.median(theirs), check: check)
    }

    /// A pause before each timed run. PyTorch's OpenMP workers spin for a while after their last
    /// task before they sleep; without the pause they would still hold the cores during the first
    /// milliseconds of the engine's run (and the engine's workers during PyTorch's).
    static func settle() {
        Thread.sleep(forTimeInterval: 0.05)
    }

    /// The 1-minute load average, to record how busy the machine was.
    static func loadAverage() -> Double? {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.flatMap { Double($0) }
    }
}
