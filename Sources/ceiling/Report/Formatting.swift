import Foundation

/// A per-sample shape with the batch axis written as N.
func batchShape(_ shape: [Int]) -> String {
    "[N, " + shape.map(String.init).joined(separator: ", ") + "]"
}

/// Four significant digits (or `digits`), "0" for zero, "-" for a missing value.
func fmt(_ x: Double?, digits: Int = 4) -> String {
    guard let x else { return "-" }
    if x == 0 { return "0" }
    return String(format: "%.\(digits)g", x)
}

/// Numbers in `fmt`, comma-separated.
func list(_ values: [Double]) -> String {
    values.map { fmt($0) }.joined(separator: ", ")
}

/// A fraction as a percentage: "95%", or four significant digits when not whole.
func percent(_ x: Double) -> String {
    let value = x * 100
    return value == value.rounded() ? "\(Int(value))%" : "\(fmt(value))%"
}
