import ArgumentParser
import CeilingEngine
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the engine against PyTorch CPU on the same networks, threads and batch.",
        discussion: """
            Runs each workload here, then scripts/bench_torch.py with the same settings in the same \
            run, and prints images per second for both and their ratio (above 1: ceiling is faster). \
            Pass --python with an interpreter that has torch installed; without one, only ceiling's \
            figures are printed.
            """)

    @Option(help: "Engine threads (and torch.set_num_threads).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Images per batch.") var batch: Int = 64
    @Option(help: "Timed repetitions; the median is reported.") var repeats: Int = 5
    @Option(help: "Python interpreter with PyTorch for the reference figures.") var python: String = "python3"
    @Flag(help: "Skip the PyTorch reference.") var noTorch = false

    func validate() throws {
        guard threads >= 1, batch >= 1, repeats >= 1 else { throw ValidationError("--threads, --batch and --repeats must be at least 1") }
    }

    func run() throws {
        EngineThreads.count = threads
        let generator = ReferenceNetworks.dcgan32(latent: 100, width: 64, seed: 1)
        let classifier = ReferenceNetworks.cifarResNet18(width: 64, classes: 10, seed: 2)
        var rng = SeededGenerator(seed: 3)
        let z = rng.gaussianTensor([batch, 100])
        let x = rng.gaussianTensor([batch, 3, 32, 32])
        let u = rng.gaussianTensor([batch, 10])
        let workloads: [(key: String, label: String, run: () -> Void)] = [
            ("dcgan32_generate", "DCGAN-32 generator forward (nz 100, ngf 64)", { _ = generator.evaluate(z) }),
            ("resnet18_forward", "CIFAR ResNet-18 forward (width 64)", { _ = classifier.evaluate(x) }),
            ("resnet18_input_grad", "CIFAR ResNet-18 forward + input gradient", {
                let trace = classifier.trace(x)
                _ = classifier.vjp(trace, cotangent: u)
            }),
        ]
        var ours = [String: Double]()
        for workload in workloads {
            FileHandle.standardError.write(Data("timing \(workload.label)...\n".utf8))
            ours[workload.key] = Double(batch) / medianSeconds(repeats: repeats, workload.run)
        }
        let torch = noTorch ? nil : torchFigures()
        print("threads \(threads), batch \(batch), median of \(repeats)" + (torch.map { ", PyTorch \($0.version)" } ?? ""))
        let rows = workloads.map { w -> [String] in
            let mine = ours[w.key]!
            guard let theirs = torch?.figures[w.key] else { return [w.label, format(mine), "-", "-"] }
            return [w.label, format(mine), format(theirs), String(format: "%.2f", mine / theirs)]
        }
        for line in table(header: ["workload", "ceiling img/s", "PyTorch img/s", "ratio"], rows: rows) { print(line) }
    }

    private func format(_ value: Double) -> String { String(format: "%.1f", value) }

    /// One warm-up run, then the median wall time of `repeats` runs.
    private func medianSeconds(repeats: Int, _ body: () -> Void) -> Double {
        body()
        var times = [Double]()
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }

    /// Runs scripts/bench_torch.py and reads its JSON; nil (with a note) when it cannot run.
    private func torchFigures() -> (version: String, figures: [String: Double])? {
        let script = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("scripts/bench_torch.py")
        guard FileManager.default.fileExists(atPath: script.path) else {
            FileHandle.standardError.write(Data("note: scripts/bench_torch.py not found (run from the repository root); PyTorch figures skipped\n".utf8))
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script.path, "--threads", "\(threads)", "--batch", "\(batch)", "--repeats", "\(repeats)", "--json"]
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch {
            FileHandle.standardError.write(Data("note: cannot run \(python): \(error); PyTorch figures skipped\n".utf8))
            return nil
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let object = try? JSONSerialization.jsonObject(with: output) as? [String: Any] else {
            FileHandle.standardError.write(Data("note: \(python) scripts/bench_torch.py failed (is torch installed for it?); PyTorch figures skipped\n".utf8))
            return nil
        }
        let figures = object.compactMapValues { ($0 as? NSNumber)?.doubleValue }
        return (object["torch"] as? String ?? "?", figures)
    }
}
