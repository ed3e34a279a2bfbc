/// `text` with control and format characters (escape sequences, bidirectional overrides)
/// written as `\u{...}`: error messages quote names and values from untrusted files, and a
/// terminal would otherwise act on them.
public func printable(_ text: String) -> String {
    var result = ""
    result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
    for scalar in text.unicodeScalars {
        switch scalar.properties.generalCategory {
        case .control, .format: result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result
}
