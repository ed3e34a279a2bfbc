import Foundation

/// A small SVG line chart: titled, labelled axes (linear or log), ticks, a legend, and series
/// drawn as lines, steps or shaded bands. Enough for the report's plots without a plotting stack.
struct SVGChart {
    struct Series {
        var label: String
        var points: [(Double, Double)]
        var color: String
        var dashed = false
        var step = false
        /// A band: points are the lower edge, `upper` the upper edge.
        var upper: [(Double, Double)]? = nil
        /// False for a series a neighbouring legend entry already names.
        var inLegend = true
    }

    var title: String
    /// A second line under the title, for a caveat the reader must not miss.
    var subtitle: String? = nil
    var xLabel: String
    var yLabel: String
    var logX = false
    var logY = false
    var series: [Series] = []
    var yRange: (Double, Double)? = nil

    let width = 760.0, height = 480.0
    let left = 80.0, right = 235.0, top = 50.0, bottom = 60.0

    /// Points that can be drawn on these axes (finite; positive on a log axis).
    private func usable(_ points: [(Double, Double)]) -> [(Double, Double)] {
        points.filter { (p: (Double, Double)) -> Bool in
            guard p.0.isFinite && p.1.isFinite else { return false }
            return (!logX || p.0 > 0) && (!logY || p.1 > 0)
        }
    }

    fileprivate static func transform(_ v: Double, log: Bool) -> Double { log ? log10(max(v, 1e-300)) : v }

    /// The plot area and the map from data to pixels.
    private struct Frame {
        let x0: Double, x1: Double, y0: Double, y1: Double
        let left: Double, top: Double, width: Double, height: Double
        let logX: Bool, logY: Bool

        func px(_ x: Double) -> Double { left + (SVGChart.transform(x, log: logX) - x0) / (x1 - x0) * width }
        func py(_ y: Double) -> Double { top + height - (SVGChart.transform(y, log: logY) - y0) / (y1 - y0) * height }
    }

    /// The data range in transformed units (the y range fixed by `yRange` when set).
    private func frame() -> Frame {
        var allPoints = [(Double, Double)]()
        for s in series { allPoints += usable(s.points) + usable(s.upper ?? []) }
        let xs: [Double] = allPoints.map { Self.transform($0.0, log: logX) }
        let ys: [Double] = allPoints.map { Self.transform($0.1, log: logY) }
        var x0: Double = xs.min() ?? 0, x1: Double = xs.max() ?? 1
        var y0: Double = ys.min() ?? 0, y1: Double = ys.max() ?? 1
        if let range = yRange {
            y0 = Self.transform(range.0, log: logY)
            y1 = Self.transform(range.1, log: logY)
        }
        if x1 - x0 < 1e-12 { x0 -= 0.5; x1 += 0.5 }
        if y1 - y0 < 1e-12 { y0 -= 0.5; y1 += 0.5 }
        return Frame(x0: x0, x1: x1, y0: y0, y1: y1, left: left, top: top, width: width - left - right,
                     height: height - top - bottom, logX: logX, logY: logY)
    }

    func render() -> String {
        let f = frame()
        return header(f) + grid(f) + curves(f) + legend(f) + "</svg>\n"
    }

    private func header(_ f: Frame) -> String {
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left + f.width / 2)" y="28" text-anchor="middle" font-size="15" font-weight="bold">\(escape(title))</text>
            <rect x="\(left)" y="\(top)" width="\(f.width)" height="\(f.height)" fill="none" stroke="#333"/>

            """
        if let subtitle {
            svg += "<text x=\"\(left + f.width / 2)\" y=\"44\" text-anchor=\"middle\" font-size=\"11\" fill=\"#a00\">\(escape(subtitle))</text>\n"
        }
        return svg
    }

    /// Grid lines, tick labels and axis labels.
    private func grid(_ f: Frame) -> String {
        var svg = ""
        for (value, label) in ticks(f.x0, f.x1, log: logX) {
            let x = left + (value - f.x0) / (f.x1 - f.x0) * f.width
            svg += "<line x1=\"\(x)\" y1=\"\(top)\" x2=\"\(x)\" y2=\"\(top + f.height)\" stroke=\"#e4e4e4\"/>"
            svg += "<text x=\"\(x)\" y=\"\(top + f.height + 18)\" text-anchor=\"middle\">\(label)</text>\n"
        }
        for (value, label) in ticks(f.y0, f.y1, log: logY) {
            let y = top + f.height - (value - f.y0) / (f.y1 - f.y0) * f.height
            svg += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(left + f.width)\" y2=\"\(y)\" stroke=\"#e4e4e4\"/>"
            svg += "<text x=\"\(left - 8)\" y=\"\(y + 4)\" text-anchor=\"end\">\(label)</text>\n"
        }
        svg += "<text x=\"\(left + f.width / 2)\" y=\"\(height - 15)\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        svg += "<text transform=\"translate(20,\(top + f.height / 2)) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        return svg
    }

    /// Every series inside the clipped plot area: a band as a filled polygon, a curve as a path.
    private func curves(_ f: Frame) -> String {
        var svg = "<clipPath id=\"plot\"><rect x=\"\(left)\" y=\"\(top)\" width=\"\(f.width)\" height=\"\(f.height)\"/></clipPath>\n<g clip-path=\"url(#plot)\">\n"
        for s in series {
            let points = usable(s.points)
            guard !points.isEmpty else { continue }
            if let upper = s.upper.map(usable), !upper.isEmpty {
                let outline = points.map { "\(f.px($0.0)),\(f.py($0.1))" } + upper.reversed().map { "\(f.px($0.0)),\(f.py($0.1))" }
                svg += "<polygon points=\"\(outline.joined(separator: " "))\" fill=\"\(s.color)\" fill-opacity=\"0.18\" stroke=\"none\"/>\n"
                continue
            }
            var path = [String]()
            for (i, p) in points.enumerated() {
                if s.step && i > 0 { path.append("L\(f.px(p.0)),\(f.py(points[i - 1].1))") }
                path.append((i == 0 ? "M" : "L") + "\(f.px(p.0)),\(f.py(p.1))")
            }
            svg += "<path d=\"\(path.joined(separator: " "))\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6,4\"" : "")/>\n"
        }
        return svg + "</g>\n"
    }

    private func legend(_ f: Frame) -> String {
        var svg = ""
        for (i, s) in series.filter(\.inLegend).enumerated() {
            let y = top + 14 + Double(i) * 20, x = left + f.width + 14
            if s.upper != nil {
                svg += "<rect x=\"\(x)\" y=\"\(y - 7)\" width=\"24\" height=\"10\" fill=\"\(s.color)\" fill-opacity=\"0.25\"/>"
            } else {
                svg += "<line x1=\"\(x)\" y1=\"\(y - 2)\" x2=\"\(x + 24)\" y2=\"\(y - 2)\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6,4\"" : "")/>"
            }
            svg += "<text x=\"\(x + 30)\" y=\"\(y + 2)\" font-size=\"11\">\(escape(s.label))</text>\n"
        }
        return svg
    }

    /// Tick positions in transformed units with their labels.
    private func ticks(_ a: Double, _ b: Double, log: Bool) -> [(Double, String)] {
        if log {
            return (Int(floor(a))...Int(ceil(b))).map(Double.init).filter { $0 >= a - 1e-9 && $0 <= b + 1e-9 }.map { ($0, "1e\(Int($0))") }
        }
        let raw = (b - a) / 5, magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var v = ceil(a / step) * step, result = [(Double, String)]()
        while v <= b + 1e-9 * step {
            result.append((v, String(format: "%g", abs(v) < 1e-12 ? 0 : v)))
            v += step
        }
        return result
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
