import Foundation
import Testing
@testable import CeilingEngine

/// The .npy reader under malformed and hostile headers: every one refused with a message that
/// names the problem, never a trap, and never a shape other than the one written.
@Suite("NumPy files")
struct NPYTests {
    /// A version-1 file with `header` as its dictionary text and `payload` as its data.
    func file(_ header: String, payload: [UInt8] = [], version: UInt8 = 1) -> Data {
        let text = header + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [version, 0])
        let length = text.utf8.count
        data.append(contentsOf: version == 1 ? [UInt8(length & 0xff), UInt8(length >> 8)]
                                             : [UInt8(length & 0xff), UInt8(length >> 8 & 0xff), UInt8(length >> 16 & 0xff), UInt8(length >> 24)])
        data.append(contentsOf: Array(text.utf8))
        data.append(contentsOf: payload)
        return data
    }

    func readError(_ data: Data) -> String? {
        do {
            _ = try NPY.read(data: data, path: "x.npy")
            return nil
        } catch {
            return error.description
        }
    }

    func header(shape: String, descr: String = "'<f4'") -> String {
        "{'descr': \(descr), 'fortran_order': False, 'shape': \(shape), }"
    }

    @Test func roundTrip() throws {
        let t = randomTensor([2, 3, 4], seed: 1)
        #expect(try NPY.read(data: NPY.encode(t), path: "t") == t)
        let v = randomTensor([5], seed: 2)
        #expect(try NPY.read(data: NPY.encode(v), path: "v") == v)
    }

    @Test func acceptsWhatNumPyWrites() throws {
        let payload = [UInt8](repeating: 0, count: 24)
        for text in [header(shape: "(2, 3)"), "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 3)}",
                     "{'shape': (2,3,), 'fortran_order': False, 'descr': '<f4'}", header(shape: "(6,)")] {
            #expect(readError(file(text, payload: payload)) == nil, "\(text)")
        }
        #expect(readError(file(header(shape: "(2, 3)"), payload: payload, version: 2)) == nil)
        #expect(readError(file(header(shape: "(2, 3)"), payload: payload, version: 3)) == nil)
    }

    @Test(arguments: ["(4611686018427387904, 4611686018427387904)", "(9223372036854775807,)", "(2305843009213693952,)"])
    func shapesBeyondInt(_ shape: String) throws {
        let message = try #require(readError(file(header(shape: shape), payload: [0, 0, 0, 0])))
        #expect(message.contains("x.npy: shape") && message.contains("impossibly large"), "\(message)")
    }

    @Test(arguments: ["(2, 3, 32, 32, x)", "(2 3)", "(2,,3)", "(,)", "(2)", "(-1,)", "(02,)", "(2.0,)", "[2, 3]", "2", "(2, 3",
                      "(99999999999999999999,)", "'abc'"])
    func malformedShapes(_ shape: String) throws {
        let message = try #require(readError(file(header(shape: shape), payload: [UInt8](repeating: 0, count: 4 * 6144))))
        #expect(message.contains("malformed .npy header") && !message.contains("shape []"), "\(message)")
    }

    @Test(arguments: ["{'descr': '<f4', 'fortran_order': False}",
                      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
                      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'shape': (2,)}",
                      "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}",
                      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} trailing",
                      "{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}",
                      "{'descr': '<\\f4', 'fortran_order': False, 'shape': (1,)}",
                      "{'descr: '<f4', 'fortran_order': False, 'shape': (1,)}",
                      "'descr': '<f4', 'fortran_order': False, 'shape': (1,)", ""])
    func malformedHeaders(_ text: String) throws {
        let message = try #require(readError(file(text, payload: [0, 0, 0, 0])))
        #expect(message.contains("malformed .npy header"), "\(message)")
    }

    @Test func otherRefusals() throws {
        var message = try #require(readError(file(header(shape: "()"), payload: [0, 0, 0, 0])))
        #expect(message.contains("0-dimensional"), "\(message)")
        message = try #require(readError(file(header(shape: "(2, 2)"), payload: [0, 0, 0, 0])))
        #expect(message.contains("holds 4 data bytes, but shape [2, 2] needs 16"), "\(message)")
        message = try #require(readError(file(header(shape: "(1,)", descr: "'>f4'"), payload: [0, 0, 0, 0])))
        #expect(message.contains("dtype '>f4' is not supported"), "\(message)")
        message = try #require(readError(file("{'descr': '<f4', 'fortran_order': True, 'shape': (1,)}", payload: [0, 0, 0, 0])))
        #expect(message.contains("Fortran-ordered"), "\(message)")
        message = try #require(readError(file(header(shape: "(" + String(repeating: "1, ", count: 65) + ")"), payload: [0, 0, 0, 0])))
        #expect(message.contains("65 axes"), "\(message)")
        for version: UInt8 in [0, 4] {
            message = try #require(readError(file(header(shape: "(1,)"), payload: [0, 0, 0, 0], version: version)))
            #expect(message.contains("unsupported .npy version \(version)"), "\(message)")
        }
        var truncated = file(header(shape: "(1,)"))
        truncated.removeLast(20)
        message = try #require(readError(truncated))
        #expect(message.contains("truncated .npy header"), "\(message)")
    }

    @Test func labels() throws {
        let payload = [Int64](arrayLiteral: 3, -1, 7).flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        #expect(try NPY.readLabels(data: file(header(shape: "(3,)", descr: "'<i8'"), payload: payload), path: "y") == [3, -1, 7])
        #expect(throws: NPY.FormatError.self) {
            try NPY.readLabels(data: file(header(shape: "(9223372036854775807,)", descr: "'<i8'"), payload: payload), path: "y")
        }
        #expect(throws: NPY.FormatError.self) { try NPY.readLabels(data: file(header(shape: "(3, 1)", descr: "'<i8'"), payload: payload), path: "y") }
    }

    @Test func sliceOfALargerBuffer() throws {
        let t = randomTensor([2, 2], seed: 3)
        let padded = Data([9, 9]) + NPY.encode(t)
        #expect(try NPY.read(data: padded[2...], path: "s") == t)
    }
}
