import Foundation
import Testing

/// Every bad input ends as one "Error:" line and exit status 1 or 64, never a signal, a
/// backtrace or a lost file.
@Suite("Bad input on the command line")
struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let arguments: @Sendable (URL) throws -> [String]
        /// A piece of text the error line must contain.
        let says: String
        var testDescription: String { name }
    }

    static func expectOneError(_ outcome: CommandRunner.Outcome, says text: String, _ name: String) {
        #expect(outcome.exited, "\(name): ended by signal \(outcome.status)")
        #expect(outcome.status == 1 || outcome.status == 64, "\(name): exit status \(outcome.status)")
        #expect(outcome.errorLines.count == 1, "\(name): error lines \(outcome.errorLines) in \(outcome.stderr.prefix(500))")
        #expect(outcome.errorLines.first?.contains(text) ?? false, "\(name): \(outcome.errorLines.first ?? outcome.stderr.prefix(300).description)")
        #expect(!outcome.stderr.contains("Fatal error") && !outcome.stderr.contains("Backtrac"), "\(name): \(outcome.stderr.prefix(300))")
    }

    /// A .npy file with the given header dictionary and no data.
    static func npy(_ header: String, in folder: URL, name: String) throws -> String {
        var text = header
        while (10 + text.utf8.count + 1) % 64 != 0 { text += " " }
        var data = Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0])
        let length = UInt16(text.utf8.count + 1)
        data += Data([UInt8(length & 0xff), UInt8(length >> 8)]) + Data((text + "\n").utf8)
        let url = folder.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    static let cases: [Case] = [
        Case(name: "unknown --certify", arguments: { d in ["estimate", "--certify", "global,bogus", "--out", d.appendingPathComponent("o").path] }, says: "unknown certified bound 'bogus'"),
        Case(name: "certify --bounds none", arguments: { _ in ["certify", "--classifier", "generators/lenet.bin", "--input", "generators/real_digits.npy", "--bounds", "none"] }, says: "name at least one bound"),
        Case(name: "certify a generator", arguments: { _ in ["certify", "--classifier", "generators/dcgan.bin", "--input", "generators/real_digits.npy"] }, says: "not a classifier"),
        Case(name: "negative --samples", arguments: { _ in ["estimate", "--samples", "-5", "--quick"] }, says: "--samples must be at least 1"),
        Case(name: "no --in-passes", arguments: { _ in ["estimate", "--in-passes", "0", "--quick"] }, says: "--in-passes must be between 1 and 64"),
        Case(name: "absurd --in-passes", arguments: { _ in ["robustness", "--generator", "generators/dcgan.bin", "--classifier", "generators/lenet.bin", "--in-passes", "1000000"] },
             says: "--in-passes must be between 1 and 64"),
        Case(name: "negative --refinement-steps", arguments: { _ in ["attack", "--classifier", "generators/lenet.bin", "--input", "generators/real_digits.npy", "--refinement-steps", "-1"] },
             says: "--refinement-steps must be between 0 and 100000"),
        Case(name: "absurd --refinement-steps", arguments: { _ in ["transfer", "--generator", "generators/dcgan.bin", "--classifier", "generators/lenet.bin", "--classifier", "generators/resnet.bin", "--refinement-steps", "1000000000"] },
             says: "--refinement-steps must be between 0 and 100000"),
        Case(name: "gradients without points", arguments: { _ in ["gradients", "--classifier", "generators/lenet.bin"] }, says: "exactly one of --generator and --input"),
        Case(name: "gradients with a generator as classifier", arguments: { _ in ["gradients", "--classifier", "generators/dcgan.bin", "--generator", "generators/dcgan.bin"] }, says: "not a classifier"),
        Case(name: "dimension --widths 48", arguments: { d in ["dimension", "--widths", "32,48", "--out", d.path] }, says: "'48' is not a positive multiple of 32"),
        Case(name: "dimension one width", arguments: { d in ["dimension", "--widths", "64", "--out", d.path] }, says: "at least two different widths"),
        Case(name: "dimension --nets 1", arguments: { d in ["dimension", "--nets", "1", "--out", d.path] }, says: "--nets must be at least 2"),
        Case(name: "dimension --inputs 0", arguments: { d in ["dimension", "--inputs", "0", "--out", d.path] }, says: "--inputs must be at least 1"),
        Case(name: "dimension unknown architecture", arguments: { d in ["dimension", "--architectures", "lenet,vgg", "--out", d.path] }, says: "unknown architecture 'vgg'"),
        Case(name: "dimension --threads 0", arguments: { d in ["dimension", "--threads", "0", "--out", d.path] }, says: "--threads"),
        Case(name: "dimension --out a file", arguments: { d in
            let file = d.appendingPathComponent("f")
            try Data().write(to: file)
            return ["dimension", "--out", file.path]
        }, says: "is a file, not a folder"),
        Case(name: "dimension --widths too large for the engine", arguments: { d in ["dimension", "--widths", "32,4096", "--architectures", "cnn8", "--out", d.path] }, says: "conv1"),
        Case(name: "--epsilon 1e-300", arguments: { d in ["estimate", "--epsilon", "1e-300", "--out", d.appendingPathComponent("o").path] }, says: "--epsilon"),
        Case(name: "--samples 10^12", arguments: { d in ["estimate", "--samples", "1000000000000", "--out", d.appendingPathComponent("o").path] }, says: "GB of memory"),
        Case(name: "bound --classes 10^9", arguments: { _ in ["bound", "--latent-dim", "100", "--classes", "1000000000"] }, says: "--classes must be at most"),
        Case(name: "--threads 10^8", arguments: { d in ["estimate", "--threads", "100000000", "--out", d.appendingPathComponent("o").path] }, says: "--threads"),
        Case(name: "empty --out", arguments: { _ in ["estimate", "--out", "", "--quick"] }, says: "empty"),
        Case(name: "--shard 0/3", arguments: { d in ["estimate", "--shard", "0/3", "--out", d.appendingPathComponent("o").path] }, says: "between 1 and 3"),
        Case(name: "--shard 4/3", arguments: { d in ["estimate", "--shard", "4/3", "--out", d.appendingPathComponent("o").path] }, says: "between 1 and 3"),
        Case(name: "--shard 1/0", arguments: { d in ["estimate", "--shard", "1/0", "--out", d.appendingPathComponent("o").path] }, says: "at least 1"),
        Case(name: "--shard junk", arguments: { d in ["estimate", "--shard", "junk", "--out", d.appendingPathComponent("o").path] }, says: "not of the form i/n"),
        Case(name: "--shard 1/2/3", arguments: { d in ["estimate", "--shard", "1/2/3", "--out", d.appendingPathComponent("o").path] }, says: "not of the form i/n"),
        Case(name: "--shard with --precision", arguments: { d in ["estimate", "--shard", "1/2", "--precision", "0.1", "--out", d.appendingPathComponent("o").path] },
             says: "--precision chooses the number of points"),
        Case(name: "--chunk 0", arguments: { d in ["estimate", "--chunk", "0", "--out", d.appendingPathComponent("o").path] }, says: "--chunk must be at least 1"),
        Case(name: "merge a folder without a shard", arguments: { d in ["merge", d.path, "--out", d.appendingPathComponent("o").path] }, says: "holds no shard record"),
        Case(name: "--json into a missing folder", arguments: { d in
            ["attack", "--classifier", "generators/lenet.bin", "--input", try npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3, 32, 32), }", in: d, name: "x.npy"),
             "--json", d.appendingPathComponent("missing/a.json").path]
        }, says: "does not exist"),
        Case(name: "a folder as the model", arguments: { d in ["inspect", d.path] }, says: "is a folder, not a model file"),
        Case(name: "a truncated model", arguments: { d in
            let url = d.appendingPathComponent("cut.bin")
            try Data(try Data(contentsOf: CommandRunner.root.appendingPathComponent("generators/lenet.bin")).prefix(1000)).write(to: url)
            return ["inspect", url.path]
        }, says: "cut.bin"),
        Case(name: "a .npy declaring 2^62 x 2^62", arguments: { d in
            ["forward", "generators/lenet.bin", "--input", try npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4611686018427387904), }", in: d, name: "huge.npy"),
             "--output", d.appendingPathComponent("y.npy").path]
        }, says: "huge.npy"),
        Case(name: "NaN in the input", arguments: { d in
            let path = try npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 32, 32), }", in: d, name: "nan.npy")
            var data = try Data(contentsOf: URL(fileURLWithPath: path))
            var values = [Float](repeating: 0, count: 3072)
            values[5] = .nan
            values.withUnsafeBytes { data.append(contentsOf: $0) }
            try data.write(to: URL(fileURLWithPath: path))
            return ["forward", "generators/lenet.bin", "--input", path, "--output", d.appendingPathComponent("y.npy").path]
        }, says: "non-finite"),
        Case(name: "plot on broken JSON", arguments: { d in
            try Data("{\"status\": ".utf8).write(to: d.appendingPathComponent("results.json"))
            return ["plot", d.path]
        }, says: "not a results file"),
    ]

    @Test(arguments: cases)
    func oneErrorLineAndAnExitStatus(_ c: Case) throws {
        let folder = try CommandRunner.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        Self.expectOneError(try CommandRunner.run(try c.arguments(folder)), says: c.says, c.name)
    }

    @Test func forceNeverReplacesAFile() throws {
        let folder = try CommandRunner.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("notes.txt")
        try Data("keep me".utf8).write(to: file)
        Self.expectOneError(try CommandRunner.run(["estimate", "--out", file.path, "--force", "--quick"]), says: "is a file", "--out FILE --force")
        #expect(try String(contentsOf: file, encoding: .utf8) == "keep me")
    }

    @Test func forceNeverReplacesAnUnrelatedFolder() throws {
        let folder = try CommandRunner.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("mine".utf8).write(to: folder.appendingPathComponent("thesis.tex"))
        Self.expectOneError(try CommandRunner.run(["estimate", "--out", folder.path, "--force", "--quick"]), says: "not an output folder", "--out FOLDER --force")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("thesis.tex").path))
    }
}
