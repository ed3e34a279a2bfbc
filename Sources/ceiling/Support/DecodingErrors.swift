/// One line for a JSON decoding failure: where in the document and what was wrong.
enum DecodingErrors {
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map(\.stringValue).joined(separator: ".")
            return keys.isEmpty ? "" : " at \(keys)"
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing \"\(key.stringValue)\"\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "wrong value\(path(context)): \(context.debugDescription)"
        case .dataCorrupted(let context): return "not valid JSON\(path(context))"
        @unknown default: return "unreadable"
        }
    }
}
