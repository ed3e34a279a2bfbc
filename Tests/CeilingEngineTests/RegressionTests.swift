import Foundation
import Testing
@testable import CeilingEngine

/// Replays Fixtures/regressions: inputs that once crashed the loader or the .npy reader (found
/// by scripts/fuzz.sh or reported by users). `manifest.json` says what each file is read as and
/// what its error must mention; a file listed as `runs` must load and run one pass, as the
/// fuzzer runs it.
@Suite("Regressions")
struct RegressionTests {
    struct Case: Decodable, CustomTestStringConvertible {
        let file: String
        /// `model`, `npy` (an array) or `labels`.
        let reader: String
        let problem: String
        /// A substring of the error; absent for a file that must load and run.
        let error_should_mention: String?
        var testDescription: String { file }
    }

    static let folder = fixturesDirectory.appendingPathComponent("regressions")
    static let cases: [Case] = {
        let data = try! Data(contentsOf: folder.appendingPathComponent("manifest.json"))
        return try! JSONDecoder().decode([Case].self, from: data)
    }()

    @Test func everyFileIsListed() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0 != "manifest.json" }
        #expect(Set(files) == Set(Self.cases.map(\.file)))
    }

    @Test(arguments: cases)
    func replay(_ regression: Case) throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent(regression.file))
        let message: String?
        switch regression.reader {
        case "model": message = try loadAndRun(data)
        case "npy": message = Result { () throws(NPY.FormatError) in try NPY.read(data: data, path: regression.file) }.errorDescription
        case "labels": message = Result { () throws(NPY.FormatError) in try NPY.readLabels(data: data, path: regression.file) }.errorDescription
        default: throw GraphError("unknown reader \(regression.reader)")
        }
        if let mention = regression.error_should_mention {
            let error = try #require(message, "\(regression.file) was accepted")
            #expect(error.contains(mention), "\(regression.file): \(error)")
        } else {
            #expect(message == nil, "\(regression.file): \(message ?? "")")
        }
    }

    /// Loads a model and, when it loads, runs a forward, backward and tangent pass on two samples.
    func loadAndRun(_ data: Data) throws -> String? {
        let model: Model
        do {
            model = try Model(tensors: SafeTensors(data: data, path: "regression.bin"), path: "regression.bin")
        } catch {
            return error.description
        }
        let x = randomTensor([2] + model.inputShape, seed: 1)
        let trace = model.graph.trace(x)
        _ = model.graph.vjp(trace, cotangent: randomTensor(trace.value(model.graph.output).shape, seed: 2))
        _ = model.graph.jvp(trace, tangent: randomTensor(x.shape, seed: 3))
        return nil
    }
}

extension Result {
    /// The error's description, or nil on success.
    fileprivate var errorDescription: String? {
        if case .failure(let error) = self { return String(describing: error) }
        return nil
    }
}
