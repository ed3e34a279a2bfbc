import CeilingScience
import Foundation

/// The plots of `ceiling dimension`: per norm, the mean over networks against d on log-log axes
/// with the 10-90% band of networks, and beside each series the predicted slope through its
/// means (least-squares intercept at the predicted exponent), so a departure shows as a
/// diverging pair of lines.
struct DimensionPlots {
    let experiment: DimensionExperiment

    /// Writes dimension_l1 and dimension_l2 (SVG, and PNG when rsvg-convert is there) into
    /// `directory`; returns the file names.
    func write(into directory: URL) throws -> [String] {
        let writer = PlotWriter(directory: directory)
        return try writer.write(chart(norm: "l1"), name: "dimension_l1") + writer.write(chart(norm: "l2"), name: "dimension_l2")
    }

    func chart(norm: String) -> SVGChart {
        let s = experiment.settings
        var chart = SVGChart(title: "||grad_x L||_\(norm.dropFirst()) at He initialisation versus input dimension",
                             subtitle: "\(s.nets) networks per width, \(s.inputsPerNet) Uniform(0,1) \(s.inputsPerNet == 1 ? "input" : "inputs") each; dashed: predicted slope",
                             xLabel: "input dimension d = 3 w^2 (log scale)", yLabel: "||grad_x L||_\(norm.dropFirst()) (log scale)", logX: true, logY: true)
        for (i, series) in experiment.series.enumerated() {
            let fit = norm == "l1" ? series.l1Fit : series.l2Fit
            let predicted = norm == "l1" ? series.predictedL1 : series.predictedL2
            let color = PlotWriter.palette[i % PlotWriter.palette.count]
            let d = series.dimensions.map(Double.init)
            let rounded = (fit.exponent * 100).rounded() / 100
            let label = "\(series.architecture.rawValue), \(series.downsampling.rawValue) pools: " + String(format: "d^%.2f", rounded == 0 ? 0 : rounded)
            chart.series.append(.init(label: label, points: Array(zip(d, fit.levels.map(\.quantile10))), color: color,
                                      upper: Array(zip(d, fit.levels.map(\.quantile90)))))
            chart.series.append(.init(label: label, points: Array(zip(d, fit.levels.map(\.mean))), color: color, inLegend: false))
            // The intercept that best fits the means with the slope held at the prediction.
            let intercept = zip(d, fit.levels).reduce(0) { $0 + log($1.1.mean) - predicted * log($1.0) } / Double(d.count)
            chart.series.append(.init(label: String(format: "predicted d^%.1f", predicted), points: d.map { ($0, exp(intercept + predicted * log($0))) },
                                      color: color, dashed: true, inLegend: false))
        }
        chart.series.append(.init(label: "solid: mean over networks", points: [], color: "#555"))
        chart.series.append(.init(label: "dashed: predicted slope", points: [], color: "#555", dashed: true))
        chart.series.append(.init(label: "band: 10-90% of networks", points: [], color: "#555", upper: []))
        return chart
    }
}
