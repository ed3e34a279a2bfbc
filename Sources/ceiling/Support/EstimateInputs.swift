import CeilingEngine
import CeilingScience
import Foundation

/// The generator, classifiers and real images of an estimate, loaded and checked against each
/// other, and the records results.json keeps of them (paths as given, SHA-256 of the files).
/// `ceiling merge` loads the inputs its shards recorded and checks the files are the same.
struct EstimateInputs {
    let generator: Model
    let classifiers: [Model]
    let real: (data: CeilingEstimate.RealData, path: String, labelsPath: String?)?

    static func load(generator path: String, classifiers paths: [String], realData: String?, realLabels: String?) throws -> EstimateInputs {
        let g = try ModelPair.generator(path)
        let fs = try paths.map { try ModelPair.classifier($0, for: g) }
        let real = try RealDataFile.load(images: realData, labels: realLabels, generator: g, classes: fs.map(\.classCount))
        return EstimateInputs(generator: g, classifiers: fs, real: real)
    }

    func modelRecords() throws -> [EstimateResults.ModelRecord] { try ([generator] + classifiers).map(RecordedFiles.record) }

    func dataRecord() throws -> EstimateResults.DataRecord? {
        try real.map { real in
            EstimateResults.DataRecord(path: real.path, sha256: try RecordedFiles.sha256(real.path), images: real.data.images.batch,
                                       labelsPath: real.labelsPath)
        }
    }

    func estimate(_ settings: EstimateSettings) -> CeilingEstimate {
        CeilingEstimate(generator: generator.graph, classifiers: classifiers.map { .init(name: RecordedFiles.name($0), map: $0.map) },
                        settings: settings, realData: real?.data)
    }
}
