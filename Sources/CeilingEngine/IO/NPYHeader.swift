/// The header dictionary of a `.npy` file, a Python literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`. NumPy reads it with
/// `ast.literal_eval`; this parser takes the subset NumPy writes (quoted keys and strings without
/// escapes, `True`/`False`, tuples of decimal integers) and refuses everything else, so a shape
/// such as `(2, 3, 32, 32, x)` is an error rather than `(2, 3, 32, 32)`. Like NumPy it needs
/// exactly the three keys; unlike Python it refuses a repeated key rather than keeping the last.
struct NPYHeader {
    let descr: String
    let fortranOrder: Bool
    let shape: [Int]

    /// What went wrong, without the file name (the reader adds it).
    struct Failure: Error {
        let problem: String
    }

    private enum Value {
        case string(String), bool(Bool), tuple([Int])
    }

    init(parsing text: String) throws(Failure) {
        var scanner = Scanner(Array(text.utf8))
        var values = [String: Value]()
        try scanner.expect("{")
        while true {
            scanner.skipSpace()
            if scanner.take("}") { break }
            let key = try scanner.quoted()
            guard values[key] == nil else { throw Failure(problem: "the header repeats the key '\(key)'") }
            scanner.skipSpace()
            try scanner.expect(":")
            scanner.skipSpace()
            values[key] = try scanner.value(for: key)
            scanner.skipSpace()
            if scanner.take("}") { break }
            try scanner.expect(",")
        }
        scanner.skipSpace()
        guard scanner.atEnd else { throw Failure(problem: "unexpected text after the header dictionary") }
        guard values.count == 3, case .string(let descr)? = values["descr"], case .bool(let fortran)? = values["fortran_order"],
              case .tuple(let shape)? = values["shape"] else {
            throw Failure(problem: "the header must hold exactly 'descr' (a string), 'fortran_order' (True or False) and 'shape' (a tuple of integers)")
        }
        self.descr = descr
        self.fortranOrder = fortran
        self.shape = shape
    }

    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { position == bytes.count }
        private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipSpace() {
            while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { position += 1 }
        }

        /// Consumes `symbol` when it comes next.
        mutating func take(_ symbol: Unicode.Scalar) -> Bool {
            guard current == UInt8(ascii: symbol) else { return false }
            position += 1
            return true
        }

        mutating func expect(_ symbol: Unicode.Scalar) throws(Failure) {
            guard take(symbol) else { throw Failure(problem: "expected '\(symbol)' at character \(position) of the header") }
        }

        /// A string in single or double quotes, without escapes.
        mutating func quoted() throws(Failure) -> String {
            guard let quote = current, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
                throw Failure(problem: "expected a quoted string at character \(position) of the header")
            }
            let start = position + 1
            guard let end = bytes[start...].firstIndex(of: quote) else { throw Failure(problem: "an unterminated string in the header") }
            guard !bytes[start..<end].contains(UInt8(ascii: "\\")) else { throw Failure(problem: "escapes in header strings are not supported") }
            position = end + 1
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }

        mutating func value(for key: String) throws(Failure) -> Value {
            switch current {
            case UInt8(ascii: "'")?, UInt8(ascii: "\"")?: return .string(try quoted())
            case UInt8(ascii: "(")?: return .tuple(try tuple(for: key))
            default:
                for (word, value) in [("True", true), ("False", false)] where bytes[position...].starts(with: word.utf8) {
                    position += word.utf8.count
                    return .bool(value)
                }
                throw Failure(problem: "the value of '\(key)' must be a string, True, False or a tuple of integers")
            }
        }

        /// `()`, `(n,)` or `(n, m, ...)` with an optional trailing comma: Python's tuple syntax,
        /// where `(n)` is a plain number, not a tuple.
        mutating func tuple(for key: String) throws(Failure) -> [Int] {
            let start = position
            let malformed = { (scanner: Scanner) in
                let end = scanner.bytes[start...].firstIndex(of: UInt8(ascii: ")")).map { $0 + 1 } ?? scanner.bytes.count
                return Failure(problem: "'\(key)' must be a tuple of non-negative integers below 2^63, got \(String(decoding: scanner.bytes[start..<min(end, start + 80)], as: UTF8.self))")
            }
            position += 1
            var items = [Int]()
            var commas = 0
            while true {
                skipSpace()
                if take(")") { break }
                guard let item = integer() else { throw malformed(self) }
                items.append(item)
                skipSpace()
                if take(",") {
                    commas += 1
                } else {
                    guard take(")") else { throw malformed(self) }
                    break
                }
            }
            guard items.count != 1 || commas == 1 else { throw malformed(self) }
            return items
        }

        /// A decimal integer without sign or leading zeros that fits in Int; nil otherwise.
        mutating func integer() -> Int? {
            let start = position
            while let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { position += 1 }
            let digits = bytes[start..<position]
            guard !digits.isEmpty, digits.count == 1 || digits.first != UInt8(ascii: "0") else { return nil }
            return Int(String(decoding: digits, as: UTF8.self))
        }
    }
}
