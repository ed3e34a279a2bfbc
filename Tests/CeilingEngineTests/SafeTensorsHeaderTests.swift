import Foundation
import Testing
@testable import CeilingEngine

/// The safetensors container under hostile headers: repeated keys, integers written as
/// fractions or beyond Int, shapes whose byte count overflows, empty tensors, and weights that
/// are finite only before their conversion to Float32.
@Suite("Safetensors header")
struct SafeTensorsHeaderTests {
    func parseError(_ header: String, payload: [UInt8] = []) -> String? {
        do {
            _ = try SafeTensors(data: RawModelFile.file(header: header, payload: payload), path: "t.bin")
            return nil
        } catch {
            return error.description
        }
    }

    static let tensor = #"{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#

    @Test func repeatedTensorName() throws {
        let message = try #require(parseError(#"{"a":\#(Self.tensor),"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, payload: .init(repeating: 0, count: 8)))
        #expect(message.contains("header repeats the key \"a\"") && message.contains("duplicate keys"), "\(message)")
    }

    @Test func repeatedFieldOfATensor() throws {
        let message = try #require(parseError(#"{"a":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}}"#, payload: .init(repeating: 0, count: 8)))
        #expect(message.contains("repeats the key \"dtype\""), "\(message)")
    }

    @Test func repeatedMetadataKey() throws {
        var message = try #require(parseError(#"{"__metadata__":{"ceiling.role":"generator","ceiling.role":"classifier"}}"#))
        #expect(message.contains("repeats the key \"ceiling.role\""), "\(message)")
        message = try #require(parseError(#"{"__metadata__":{"x":"1"},"__metadata__":{"x":"2"}}"#))
        #expect(message.contains("repeats the key \"__metadata__\""), "\(message)")
    }

    /// Keys equal under Unicode canonical equivalence are one key to Swift and two to Python.
    @Test func keysThatDifferOnlyInNormalisation() throws {
        let message = try #require(parseError(#"{"\u00e9":\#(Self.tensor),"e\u0301":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, payload: .init(repeating: 0, count: 8)))
        #expect(message.contains("repeats the key"), "\(message)")
    }

    @Test func repeatedKeyInsideTheGraph() throws {
        let b = ModelBuilder.single("leaky_relu", inputShape: [4], attrs: ["negative_slope": "@v@"])
        let message = try #require(RawModelFile.loadError(b.data(replacing: ["v": #"0.1,"negative_slope":0.2"#])))
        #expect(message.contains("metadata 'ceiling.graph' is not valid JSON: duplicate key \"negative_slope\""), "\(message)")
    }

    @Test func repeatedKeyInsideTheGlue() throws {
        var b = ModelBuilder.smallClassifier()
        b.glue = #"{"range": {"from": [-1, 1], "to": [0, 1]}, "range": {"from": [0, 1], "to": [0, 1]}}"#
        let message = try #require(RawModelFile.loadError(b.data))
        #expect(message.contains("metadata 'ceiling.glue' is not valid JSON: duplicate key \"range\""), "\(message)")
    }

    @Test(arguments: ["[4.0]", "[1e0]", "[18446744073709551616]", "[-1]", "[\"1\"]"])
    func shapesThatAreNotIntegers(_ shape: String) throws {
        let message = try #require(parseError(#"{"a":{"dtype":"F32","shape":\#(shape),"data_offsets":[0,4]}}"#, payload: [0, 0, 0, 0]))
        #expect(message.contains("tensor 'a'") && (message.contains("JSON integers") || message.contains("negative") || message.contains("needs dtype")), "\(message)")
    }

    @Test(arguments: ["[0.0,4]", "[0,4e0]", "[0]", "[4,0]", "[-4,0]", "[0,4,8]"])
    func offsetsThatAreNotAPairOfIntegers(_ offsets: String) throws {
        let message = try #require(parseError(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":\#(offsets)}}"#, payload: [0, 0, 0, 0]))
        #expect(message.contains("tensor 'a' has invalid data_offsets"), "\(message)")
    }

    /// A shape whose element count fits but whose byte count overflows once crashed while the
    /// error message was being written.
    @Test(arguments: ["[2305843009213693952]", "[4611686018427387904, 4]", "[4611686018427387904, 4611686018427387904, 0]"])
    func shapesWhoseByteCountOverflows(_ shape: String) throws {
        let message = try #require(parseError(#"{"a":{"dtype":"F32","shape":\#(shape),"data_offsets":[0,4]}}"#, payload: [0, 0, 0, 0]))
        #expect(message.contains("tensor 'a' has an impossibly large shape"), "\(message)")
    }

    /// A zero-length range overlaps nothing, wherever it sits; before, empty tensors at offset 0
    /// beside a real one passed or failed depending on dictionary order.
    @Test func emptyTensorsOverlapNothing() throws {
        for variant in 0..<40 {
            let empties = (0..<(2 + variant % 5)).map { #""e\#(variant)_\#($0)":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]}"# }
                + [#""mid\#(variant)":{"dtype":"I64","shape":[0],"data_offsets":[8,8]}"#]
            let header = "{" + (empties + [#""w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}"#]).shuffled().joined(separator: ",") + "}"
            #expect(parseError(header, payload: .init(repeating: 0, count: 16)) == nil, "variant \(variant)")
        }
    }

    @Test func overlapMessageDoesNotDependOnOrder() throws {
        var messages = Set<String>()
        for _ in 0..<20 {
            let entries = [#""b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}"#, #""a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#,
                           #""c":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}"#, #""z":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}"#]
            messages.insert(try #require(parseError("{" + entries.shuffled().joined(separator: ",") + "}", payload: .init(repeating: 0, count: 16))))
        }
        #expect(messages.count == 1 && messages.first!.contains("tensors 'a' and 'b' overlap"), "\(messages)")
    }

    @Test func modelWithEmptyUnusedTensorsLoads() throws {
        let data = RawModelFile.editingHeader(ModelBuilder.smallClassifier().data) { header in
            header.replacingOccurrences(of: "{\"", with: #"{"bn.num_batches_tracked":{"dtype":"I64","shape":[0],"data_offsets":[0,0]},""#, options: .anchored)
        }
        #expect(RawModelFile.loadError(data) == nil)
    }

    /// 1e39 is finite as F64 but infinite once converted to Float32, the type the engine runs in.
    @Test func f64WeightBeyondFloat32() throws {
        var b = ModelBuilder.single("linear", inputShape: [1], params: ["weight": ([1, 1], [0])])
        b.tensors = []
        let header: [String: Any] = ["n.weight": ["dtype": "F64", "shape": [1, 1], "data_offsets": [0, 8]], "__metadata__": b.metadata]
        let payload = withUnsafeBytes(of: (1e39 as Double).bitPattern.littleEndian) { Array($0) }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: header), as: UTF8.self)
        let message = try #require(RawModelFile.loadError(RawModelFile.file(header: json, payload: payload)))
        #expect(message.contains("tensor 'n.weight' holds a non-finite value (inf in Float32) at element 0"), "\(message)")
    }

    /// A Data slice whose indices do not start at 0 reads as its copy does.
    @Test func sliceOfALargerBuffer() throws {
        let data = ModelBuilder.smallClassifier().data
        let padded = Data([1, 2, 3]) + data
        let slice = padded[3...]
        #expect(slice.startIndex == 3)
        let fromSlice = try SafeTensors(data: slice, path: "s"), fromCopy = try SafeTensors(data: data, path: "c")
        #expect(try fromSlice.floats("fc.weight") == fromCopy.floats("fc.weight"))
        #expect(fromSlice.metadata == fromCopy.metadata)
    }

    @Test func headerThatIsNotAnObject() throws {
        for header in ["[]", "\"x\"", "{\"a\":1}", "{\"__metadata__\":{\"k\":1}}", "{} x", "{\"a\":{\"dtype\":\"F32\"}}"] {
            #expect(parseError(header) != nil, "\(header) parsed")
        }
    }
}
