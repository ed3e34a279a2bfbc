import ArgumentParser
import CeilingEngine

/// Loads a generator and classifiers and checks that they fit together, with errors that say how
/// to fix what doesn't.
enum ModelPair {
    static func generator(_ path: String) throws -> Model {
        let model = try ModelFiles.load(path, as: .generator)
        guard model.role == .generator else {
            throw ValidationError("\(path) is a \(model.role.rawValue), not a generator (pass it with --classifier)")
        }
        guard model.prior?.isStandardNormal ?? true else {
            throw ValidationError("\(path) declares a latent prior other than N(0, I); the bounds of Fawzi et al. need the standard normal")
        }
        return model
    }

    static func classifier(_ path: String, for generator: Model) throws -> Model {
        let model = try ModelFiles.load(path, as: .classifier)
        guard model.role == .classifier else {
            throw ValidationError("\(path) is a \(model.role.rawValue), not a classifier (pass it with --generator)")
        }
        guard model.inputShape == generator.outputShape else {
            throw ValidationError("""
                the generator \(generator.path) produces images of shape \(batchShape(generator.outputShape)), \
                but the classifier \(path) takes \(batchShape(model.inputShape)). The image space is the generator's \
                output: re-export the classifier with --input-shape \(generator.outputShape.map(String.init).joined(separator: " ")) \
                and glue (range map, normalisation, --glue-resize) that maps it to what the network was trained on.
                """)
        }
        return model
    }

    /// A classifier on its own and images for it (`attack`, `certify`): the images must have the
    /// classifier's input shape and fit its batch limit.
    static func classifier(_ path: String, images input: String) throws -> (model: Model, images: Tensor) {
        let model = try ModelFiles.load(path, as: .classifier)
        guard model.role == .classifier else {
            throw ValidationError("\(path) is a \(model.role.rawValue), not a classifier")
        }
        let x = try InputArrays.read(input, option: "--input")
        guard x.shape.count == model.inputShape.count + 1, x.sampleShape == model.inputShape, x.batch > 0 else {
            throw ValidationError("\(input) has shape \(describe(shape: x.shape)), but the classifier takes \(batchShape(model.inputShape))")
        }
        try model.graph.checkBatch(x.batch)
        return (model, x)
    }
}
