/// The one terminal table: columns as wide as their widest cell, two spaces apart, a rule
/// under the header, no trailing blanks. Text columns align left; numeric columns may align
/// right so that digits line up.
struct TextTable {
    enum Alignment { case left, right }

    let header: [String]
    let rows: [[String]]
    let alignments: [Alignment]

    init(header: [String], rows: [[String]], alignments: [Alignment]? = nil) {
        self.header = header
        self.rows = rows
        self.alignments = alignments ?? header.map { _ in .left }
    }

    /// The table's lines, each starting with `indent`.
    func lines(indent: String = "") -> [String] {
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            let padded = cells.indices.map { c -> String in
                let pad = String(repeating: " ", count: widths[c] - cells[c].count)
                return alignments[c] == .right ? pad + cells[c] : cells[c] + pad
            }
            return indent + padded.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        return [line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)
    }
}
