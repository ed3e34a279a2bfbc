/// A JSON document as `JSONParser` reads it. Numbers keep their literal text, so that a reader
/// can tell the integer `5` from `5.0` or `5e0` (model files write integers without a fraction,
/// as safetensors does), and objects keep their members in file order.
enum JSON: Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSON])
    case object(JSONObject)

    /// The value as a Swift integer when it is written as an integer literal that fits in `Int`.
    var integer: Int? {
        guard case .number(let n) = self else { return nil }
        return n.integer
    }

    /// The value of any number literal (infinite when the literal is out of Double's range).
    var double: Double? {
        guard case .number(let n) = self else { return nil }
        return n.value
    }

    var string: String? {
        guard case .string(let s) = self else { return nil }
        return s
    }

    var array: [JSON]? {
        guard case .array(let a) = self else { return nil }
        return a
    }

    var object: JSONObject? {
        guard case .object(let o) = self else { return nil }
        return o
    }

    /// Compact JSON text, cut after about 80 characters: for error messages that quote a value.
    var description: String {
        var text = ""
        render(into: &text, budget: 80)
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }

    /// Appends the value's JSON text to `text`, stopping once it is longer than `budget`, so
    /// that quoting a huge list costs no more than quoting a short one.
    private func render(into text: inout String, budget: Int) {
        guard text.count <= budget else { return }
        switch self {
        case .null: text += "null"
        case .bool(let b): text += String(b)
        case .number(let n): text += n.literal.prefix(budget + 1)
        case .string(let s): text += "\"" + s.prefix(budget + 1) + "\""
        case .array(let items):
            text += "["
            for (i, item) in items.enumerated() {
                guard text.count <= budget else { return }
                if i > 0 { text += ", " }
                item.render(into: &text, budget: budget)
            }
            text += "]"
        case .object(let o):
            text += "{"
            for (i, member) in o.members.enumerated() {
                guard text.count <= budget else { return }
                text += (i > 0 ? ", " : "") + "\"" + member.key.prefix(budget + 1) + "\": "
                member.value.render(into: &text, budget: budget)
            }
            text += "}"
        }
    }
}

/// A number literal and its value.
struct JSONNumber: Sendable {
    let literal: String
    let value: Double

    /// Set only for literals without fraction or exponent whose value fits in `Int`.
    var integer: Int? {
        literal.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } ? nil : Int(literal)
    }
}

/// An object's members in file order; the parser has refused duplicate keys, so lookup by key
/// is unambiguous.
struct JSONObject: Sendable {
    let members: [(key: String, value: JSON)]
    private let index: [String: Int]

    init(members: [(key: String, value: JSON)], index: [String: Int]) {
        self.members = members
        self.index = index
    }

    subscript(key: String) -> JSON? { index[key].map { members[$0].value } }
    var keys: [String] { members.map(\.key) }
}
