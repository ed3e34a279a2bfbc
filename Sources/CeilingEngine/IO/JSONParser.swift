/// A strict JSON (RFC 8259) parser for the documents inside model files. Foundation's parsers
/// keep one copy of a repeated key without a word, while Python's `json` keeps the other, so two
/// tools would read two different models from one file; this parser refuses duplicate keys, as
/// the safetensors format does. It also refuses what RFC 8259 does not allow (NaN, trailing
/// commas, leading zeros, control characters or invalid UTF-8 in strings, lone surrogates) and
/// nesting deeper than `maxDepth`, which keeps the recursion bounded on hostile input.
struct JSONParser {
    struct Failure: Error, Sendable, CustomStringConvertible {
        let offset: Int
        let problem: String
        /// Set when the text is well-formed but repeats this key in one object.
        var duplicateKey: String? = nil
        var description: String { "\(problem) at byte \(offset)" }
    }

    /// Model metadata nests four or five levels; anything far deeper is not a model file.
    static let maxDepth = 64

    /// Parses one JSON value that, apart from whitespace, fills `bytes`.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> JSON {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.fail("unexpected text after the JSON value") }
        return value
    }

    static func parse(_ text: String) throws(Failure) -> JSON {
        var text = text
        return try text.withUTF8 { buffer in Result { () throws(Failure) in try parse(UnsafeRawBufferPointer(buffer)) } }.get()
    }

    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private func fail(_ problem: String) -> Failure { Failure(offset: position, problem: problem) }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { position += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws(Failure) {
        guard current == byte else { throw fail("expected '\(Character(Unicode.Scalar(byte)))'") }
        position += 1
    }

    private mutating func value(depth: Int) throws(Failure) -> JSON {
        guard depth < Self.maxDepth else { throw fail("JSON nested deeper than \(Self.maxDepth) levels") }
        switch current {
        case UInt8(ascii: "{")?: return .object(try object(depth: depth))
        case UInt8(ascii: "[")?: return .array(try array(depth: depth))
        case UInt8(ascii: "\"")?: return .string(try string())
        case UInt8(ascii: "t")?: try literal("true"); return .bool(true)
        case UInt8(ascii: "f")?: try literal("false"); return .bool(false)
        case UInt8(ascii: "n")?: try literal("null"); return .null
        case let c? where c == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c):
            return .number(try number())
        case nil: throw fail("unexpected end of the JSON text")
        default: throw fail("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let start = position
        for i in 0..<word.utf8CodeUnitCount {
            guard current == word.utf8Start[i] else {
                position = start
                throw fail("unexpected character")
            }
            position += 1
        }
    }

    private mutating func object(depth: Int) throws(Failure) -> JSONObject {
        position += 1
        var members = [(key: String, value: JSON)]()
        var index = [String: Int]()
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return JSONObject(members: members, index: index)
        }
        while true {
            skipWhitespace()
            let keyOffset = position
            guard current == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let key = try string()
            // Swift compares strings by canonical equivalence, so keys that differ only in Unicode
            // normalisation count as duplicates as well; refusing them is the safe side.
            guard index[key] == nil else { throw Failure(offset: keyOffset, problem: "duplicate key \"\(key)\"", duplicateKey: key) }
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let value = try value(depth: depth + 1)
            index[key] = members.count
            members.append((key, value))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
            } else {
                try expect(UInt8(ascii: "}"))
                return JSONObject(members: members, index: index)
            }
        }
    }

    private mutating func array(depth: Int) throws(Failure) -> [JSON] {
        position += 1
        var items = [JSON]()
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return items
        }
        while true {
            skipWhitespace()
            items.append(try value(depth: depth + 1))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
            } else {
                try expect(UInt8(ascii: "]"))
                return items
            }
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func number() throws(Failure) -> JSONNumber {
        let start = position
        func digits(_ parser: inout JSONParser) -> Int {
            let first = parser.position
            while let c = parser.current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { parser.position += 1 }
            return parser.position - first
        }
        if current == UInt8(ascii: "-") { position += 1 }
        if current == UInt8(ascii: "0") {
            position += 1
            if let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { throw fail("a number has a leading zero") }
        } else if digits(&self) == 0 {
            throw fail("a number needs digits")
        }
        if current == UInt8(ascii: ".") {
            position += 1
            guard digits(&self) > 0 else { throw fail("a number's fraction needs digits") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard digits(&self) > 0 else { throw fail("a number's exponent needs digits") }
        }
        let literal = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        // Every literal of the grammar above is one Double accepts; out-of-range ones become inf.
        guard let value = Double(literal) else { throw Failure(offset: start, problem: "unreadable number \(literal)") }
        return JSONNumber(literal: literal, value: value)
    }

    private mutating func string() throws(Failure) -> String {
        let start = position
        position += 1
        var utf8 = [UInt8]()
        while true {
            guard let c = current else { throw Failure(offset: start, problem: "unterminated string") }
            position += 1
            switch c {
            case UInt8(ascii: "\""):
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw Failure(offset: start, problem: "a string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                try escape(into: &utf8)
            case 0..<0x20:
                position -= 1
                throw fail("a control character inside a string")
            default:
                utf8.append(c)
            }
        }
    }

    private mutating func escape(into utf8: inout [UInt8]) throws(Failure) {
        guard let c = current else { throw fail("unterminated escape") }
        position += 1
        let simple: UInt8? = switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): c
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
        if let simple {
            utf8.append(simple)
            return
        }
        guard c == UInt8(ascii: "u") else {
            position -= 1
            throw fail("invalid escape")
        }
        var code = try hex4()
        if (0xD800..<0xDC00).contains(code) {
            guard current == UInt8(ascii: "\\") else { throw fail("a lone surrogate escape") }
            position += 1
            guard current == UInt8(ascii: "u") else { throw fail("a lone surrogate escape") }
            position += 1
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw fail("a lone surrogate escape") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(code) {
            throw fail("a lone surrogate escape")
        }
        // Surrogates were combined or refused above, so `code` is a valid scalar.
        guard let scalar = Unicode.Scalar(code) else { throw fail("invalid escape") }
        utf8.append(contentsOf: scalar.utf8)
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        var code: UInt32 = 0
        for _ in 0..<4 {
            guard let c = current, let digit = hexValue(c) else { throw fail("\\u needs four hex digits") }
            code = code << 4 | digit
            position += 1
        }
        return code
    }

    private func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(c - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
