import Foundation
import Testing
@testable import CeilingEngine

/// Every kind of broken model file gets one clear error naming the problem, never a crash.
@Suite("Bad model files")
struct BadModelFileTests {
    let directory = TemporaryDirectory()

    /// Loads `data` as a model file and returns the error message.
    func loadError(_ data: Data, _ name: String = "model.bin") -> String? {
        let path = directory.path(name)
        try! data.write(to: URL(fileURLWithPath: path))
        do {
            _ = try Model.load(path)
            return nil
        } catch {
            return error.description
        }
    }

    /// Rewrites the JSON header of a valid file through `edit`.
    func editHeader(_ edit: (inout [String: Any]) -> Void) -> Data {
        let data = ModelBuilder.smallClassifier().data
        let length = Int(data.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        var header = try! JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as! [String: Any]
        edit(&header)
        let json = try! JSONSerialization.data(withJSONObject: header)
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        return out + json + data.subdata(in: (8 + length)..<data.count)
    }

    @Test func validFileLoads() throws {
        let path = ModelBuilder.smallClassifier().write(to: directory.path("good.bin"))
        let model = try Model.load(path)
        #expect(model.role == .classifier && model.classCount == 3 && model.inputShape == [1, 6, 6])
    }

    @Test func missingFile() {
        #expect(throws: ModelFileError.self) { try Model.load(directory.path("absent.bin")) }
        #expect((try? Model.load(directory.path("absent.bin"))) == nil)
        do { _ = try Model.load(directory.path("absent.bin")) } catch {
            #expect(error.description.contains("no such file"))
        }
    }

    @Test(arguments: [3, 8, 100, 400])
    func truncated(at length: Int) throws {
        let data = ModelBuilder.smallClassifier().data
        let message = try #require(loadError(data.prefix(length)))
        #expect(message.contains("truncated") || message.contains("past the end") || message.contains("out of range"), "\(message)")
    }

    @Test func truncatedInsideTheDataBuffer() throws {
        let data = ModelBuilder.smallClassifier().data
        let message = try #require(loadError(data.prefix(data.count - 10)))
        #expect(message.contains("truncated"), "\(message)")
    }

    @Test func headerLengthBeyondTheFile() throws {
        var data = ModelBuilder.smallClassifier().data
        data.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { Data($0) })
        let message = try #require(loadError(data))
        #expect(message.contains("header length"), "\(message)")
    }

    @Test func notJSON() throws {
        var data = ModelBuilder.smallClassifier().data
        data[8] = 0x7a
        let message = try #require(loadError(data))
        #expect(message.contains("not a JSON object"), "\(message)")
    }

    @Test func overlappingOffsets() throws {
        let data = editHeader { header in
            var entry = header["fc.bias"] as! [String: Any]
            let weight = header["fc.weight"] as! [String: Any]
            let start = (weight["data_offsets"] as! [Int])[0]
            entry["data_offsets"] = [start, start + 12]
            header["fc.bias"] = entry
        }
        let message = try #require(loadError(data))
        #expect(message.contains("overlap"), "\(message)")
    }

    @Test func offsetsOutOfRange() throws {
        let data = editHeader { header in
            var entry = header["fc.bias"] as! [String: Any]
            entry["data_offsets"] = [1_000_000, 1_000_012]
            header["fc.bias"] = entry
        }
        let message = try #require(loadError(data))
        #expect(message.contains("out of range"), "\(message)")
    }

    @Test func offsetsNotMatchingTheShape() throws {
        let data = editHeader { header in
            var entry = header["fc.bias"] as! [String: Any]
            entry["shape"] = [4]
            header["fc.bias"] = entry
        }
        let message = try #require(loadError(data))
        #expect(message.contains("fc.bias") && message.contains("needs 16 bytes"), "\(message)")
    }

    @Test func unknownDType() throws {
        let data = editHeader { header in
            var entry = header["fc.bias"] as! [String: Any]
            entry["dtype"] = "Q7"
            header["fc.bias"] = entry
        }
        let message = try #require(loadError(data))
        #expect(message.contains("unknown dtype 'Q7'"), "\(message)")
    }

    @Test func unknownOperation() throws {
        var builder = ModelBuilder.smallClassifier()
        builder.node("swish", "swish", inputs: ["fc"])
        let message = try #require(loadError(builder.data))
        #expect(message.contains("unknown operation 'swish'"), "\(message)")
    }

    @Test func weightsThatDoNotFitTheLayers() throws {
        var builder = ModelBuilder.smallClassifier()
        builder.tensors[builder.tensors.firstIndex { $0.name == "fc.weight" }!] = ("fc.weight", [3, 35], randomValues(105, seed: 1))
        let message = try #require(loadError(builder.data))
        #expect(message.contains("fc") && message.contains("36") && message.contains("35"), "\(message)")
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteWeights(_ bad: Float) throws {
        var builder = ModelBuilder.smallClassifier()
        let index = builder.tensors.firstIndex { $0.name == "conv.weight" }!
        builder.tensors[index].values[7] = bad
        let message = try #require(loadError(builder.data))
        #expect(message.contains("conv.weight") && message.contains("non-finite") && message.contains("element 7"), "\(message)")
    }

    @Test func missingParameterTensor() throws {
        var builder = ModelBuilder.smallClassifier()
        builder.tensors.removeAll { $0.name == "fc.bias" }
        let message = try #require(loadError(builder.data))
        #expect(message.contains("fc.bias"), "\(message)")
    }

    @Test func notACeilingModel() throws {
        let data = SafeTensors.encode(tensors: [("w", [2], [1, 2])], metadata: [:])
        let message = try #require(loadError(data))
        #expect(message.contains("not a ceiling model"), "\(message)")
    }

    @Test func undefinedNodeInput() throws {
        var builder = ModelBuilder.smallClassifier()
        builder.node("late", "relu", inputs: ["nowhere"])
        let message = try #require(loadError(builder.data))
        #expect(message.contains("'nowhere'"), "\(message)")
    }

    @Test func softmaxOnlyAtTheEnd() throws {
        var builder = ModelBuilder.smallClassifier()
        builder.node("soft", "softmax", inputs: ["fc"])
        builder.node("again", "relu", inputs: ["soft"])
        let message = try #require(loadError(builder.data))
        #expect(message.contains("only as the graph's output"), "\(message)")
    }

    @Test func unusedInt64TensorIsIgnored() throws {
        let good = ModelBuilder.smallClassifier().data
        let length = Int(good.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let bufferSize = good.count - 8 - length
        var data = editHeader { header in
            header["bn.num_batches_tracked"] = ["dtype": "I64", "shape": [] as [Int], "data_offsets": [bufferSize, bufferSize + 8]]
        }
        data.append(contentsOf: [UInt8](repeating: 7, count: 8))
        #expect(loadError(data) == nil)
    }
}
