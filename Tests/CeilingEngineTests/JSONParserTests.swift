import Foundation
import Testing
@testable import CeilingEngine

/// The strict JSON parser behind every model file: what RFC 8259 allows it reads as
/// Foundation does, and it refuses repeated keys and everything RFC 8259 does not allow.
@Suite("Strict JSON parser")
struct JSONParserTests {
    func parse(_ text: String) throws(JSONParser.Failure) -> JSON { try JSONParser.parse(text) }

    @Test func readsWhatFoundationReads() throws {
        let text = #" {"a": [1, -2.5, 3e2, 1E-7, 0, -0, 1.7976931348623157e308], "b": {"c": true, "d": false, "e": null},"#
            + #" "s": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "n": 0.1} "#
        let json = try parse(text)
        let foundation = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let numbers = try #require(json.object?["a"]?.array?.map { $0.double! })
        #expect(numbers == (foundation["a"] as! [NSNumber]).map(\.doubleValue))
        #expect(json.object?["s"]?.string == (foundation["s"] as! String))
        #expect(json.object?["n"]?.double == 0.1)
        #expect(json.object?["b"]?.object?["c"].map { if case .bool(true) = $0 { true } else { false } } == true)
        #expect(json.object?.keys == ["a", "b", "s", "n"])
    }

    @Test func integersAreToldApartFromOtherNumbers() throws {
        #expect(try parse("5").integer == 5)
        #expect(try parse("-0").integer == 0)
        #expect(try parse("9223372036854775807").integer == Int.max)
        for text in ["5.0", "5e0", "5E+0", "9223372036854775808", "1e400"] {
            #expect(try parse(text).integer == nil, "\(text)")
        }
        #expect(try parse("1e400").double == .infinity)
        #expect(try parse("5.0").double == 5)
    }

    @Test func refusesRepeatedKeys() throws {
        for text in [#"{"a": 1, "a": 2}"#, #"{"x": {"b": 1, "b": 1}}"#, #"[{"k": 0, "k": 0}]"#] {
            do {
                _ = try parse(text)
                Issue.record("\(text) parsed")
            } catch {
                #expect(error.duplicateKey != nil && error.description.contains("duplicate key"), "\(error)")
            }
        }
    }

    @Test(arguments: ["", " ", "{", "}", "[1,]", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{a: 1}", "01", "1.", ".5", "-", "1e", "+1",
                      "NaN", "Infinity", "-Infinity", "tru", "nul", "'a'", "\"a", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"",
                      "\"\\ud800\\u0041\"", "\"\u{1}\"", "\"a\nb\"", "1 2", "[] []", "\u{feff}{}"])
    func refusesWhatRFC8259DoesNot(_ text: String) {
        #expect(throws: JSONParser.Failure.self, "\(text.debugDescription) parsed") { try parse(text) }
    }

    @Test func refusesInvalidUTF8() {
        let bytes: [UInt8] = [0x22, 0xC3, 0x28, 0x22]
        #expect(throws: JSONParser.Failure.self) { try bytes.withUnsafeBytes { raw throws(JSONParser.Failure) in try JSONParser.parse(raw) } }
    }

    @Test func boundsTheNesting() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        do {
            _ = try parse(deep)
            Issue.record("100000 levels parsed")
        } catch {
            #expect(error.description.contains("nested deeper than 64"), "\(error)")
        }
        let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        _ = try parse(fine)
    }

    @Test func describesValuesShortly() throws {
        #expect(try parse(#"[1e20, "x", {"k": null}]"#).description == #"[1e20, "x", {"k": null}]"#)
        #expect(try parse("[" + Array(repeating: "1", count: 100).joined(separator: ",") + "]").description.count == 80)
    }
}
