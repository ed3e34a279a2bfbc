import Foundation

/// The one JSON configuration of every file and every `--json` output the tool writes.
///
/// Keys are snake_case and sorted, so equal records give equal bytes (results are compared
/// byte for byte across runs and thread counts). Non-finite numbers have one explicit rule:
/// the strings "inf", "-inf" and "nan", which read back as the same numbers. A field whose
/// format says "censored as null" writes its non-finite values as null instead, through
/// `NonFiniteAsNull`; a field that must always be present writes nil as null through
/// `ExplicitNull`.
public enum JSONCoding {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    /// `value` as JSON text with a final newline, for printing to standard output.
    public static func text<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder().encode(value), as: UTF8.self)
    }
}
