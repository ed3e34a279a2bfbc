import ArgumentParser
import CeilingEngine
import CeilingScience
import Foundation

/// Real images (and their labels) for the error-rate row and the Wasserstein slack, checked
/// against the generator and classifiers before any long stage starts.
enum RealDataFile {
    /// - Parameters:
    ///   - images: the `.npy` of images, nil for none.
    ///   - labels: the `.npy` of labels; nil looks for `<images>_labels.npy` beside the images.
    ///   - classes: each classifier's number of classes (labels must be below all of them).
    static func load(images path: String?, labels labelPath: String?, generator: Model, classes: [Int]) throws -> (data: CeilingEstimate.RealData, path: String, labelsPath: String?)? {
        guard let path else {
            if labelPath != nil { throw ValidationError("--real-labels needs --real-data") }
            return nil
        }
        let images = try InputArrays.read(path, option: "--real-data")
        guard images.shape.count >= 2, images.sampleShape == generator.outputShape else {
            throw ValidationError("--real-data \(path) holds images of shape \(describe(shape: images.shape)), but the generator produces [N] + \(describe(shape: generator.outputShape)); save them in the generator's output space and range")
        }
        let defaultLabels = path.hasSuffix(".npy") ? String(path.dropLast(4)) + "_labels.npy" : path + "_labels.npy"
        let resolved = labelPath ?? (FileManager.default.fileExists(atPath: defaultLabels) ? defaultLabels : nil)
        guard let resolved else { return (CeilingEstimate.RealData(images: images, labels: nil), path, nil) }
        let labels: [Int]
        do { labels = try NPY.readLabels(resolved) } catch { throw ValidationError("--real-labels: \(error.description)") }
        guard labels.count == images.batch else {
            throw ValidationError("\(resolved) holds \(labels.count) labels for the \(images.batch) images of \(path)")
        }
        if let k = classes.min(), let bad = labels.first(where: { $0 < 0 || $0 >= k }) {
            throw ValidationError("\(resolved): label \(bad) is outside the classifiers' classes 0..<\(k)")
        }
        return (CeilingEstimate.RealData(images: images, labels: labels), path, resolved)
    }
}
