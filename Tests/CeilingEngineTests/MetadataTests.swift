import Foundation
import Testing
@testable import CeilingEngine

/// ceiling's own metadata: unknown or misplaced keys and fields are refused rather than
/// ignored, class names must match the logits, and the glue's constants must hold in Float32.
@Suite("Model metadata")
struct MetadataTests {
    func error(_ builder: ModelBuilder) throws -> String {
        try #require(RawModelFile.loadError(builder.data))
    }

    @Test func misspeltMetadataKey() throws {
        var b = ModelBuilder.smallClassifier()
        b.extraMetadata["ceiling.clases"] = #"["a", "b", "c"]"#
        let message = try error(b)
        #expect(message.contains("unknown metadata key 'ceiling.clases'"), "\(message)")
    }

    @Test func otherToolsKeysAreKept() throws {
        var b = ModelBuilder.smallClassifier()
        b.extraMetadata["format"] = "pt"
        #expect(RawModelFile.loadError(b.data) == nil)
    }

    @Test func keysOfTheOtherRole() throws {
        var generator = ModelBuilder.single("relu", inputShape: [4])
        generator.glue = #"{"range": {"from": [-1, 1], "to": [0, 1]}}"#
        var message = try error(generator)
        #expect(message.contains("metadata 'ceiling.glue' is for classifiers only, and this model is a generator"), "\(message)")
        var classifier = ModelBuilder.smallClassifier()
        classifier.extraMetadata["ceiling.prior"] = #"{"distribution": "normal"}"#
        message = try error(classifier)
        #expect(message.contains("metadata 'ceiling.prior' is for generators only"), "\(message)")
    }

    @Test func classNamesMustMatchTheLogits() throws {
        var b = ModelBuilder.smallClassifier()
        b.extraMetadata["ceiling.classes"] = #"["a", "b"]"#
        var message = try error(b)
        #expect(message.contains("'ceiling.classes' names 2 classes, but the classifier has 3 logits"), "\(message)")
        b.extraMetadata["ceiling.classes"] = #"["a", "b", 3]"#
        message = try error(b)
        #expect(message.contains("'ceiling.classes' must be a list of strings"), "\(message)")
        b.extraMetadata["ceiling.classes"] = #"["a", "b", "c"]"#
        #expect(RawModelFile.loadError(b.data) == nil)
    }

    @Test func priorValues() throws {
        var b = ModelBuilder.single("relu", inputShape: [4])
        for (prior, expected) in [(#"{"distribution": "normal", "std": 0}"#, "'std' must be positive"),
                                  (#"{"distribution": "normal", "mean": "zero"}"#, "'mean' must be a finite number"),
                                  (#"{"distribution": "normal", "sd": 1}"#, "unknown field 'sd'"),
                                  (#"{"mean": 0}"#, "'distribution' must be a string")] {
            b.extraMetadata["ceiling.prior"] = prior
            let message = try error(b)
            #expect(message.contains("metadata 'ceiling.prior'") && message.contains(expected), "\(message)")
        }
    }

    @Test func misspeltNodeField() throws {
        var b = ModelBuilder.single("relu", inputShape: [4])
        b.nodes[0]["atrs"] = ["x": 1]
        let message = try error(b)
        #expect(message.contains("metadata 'ceiling.graph', node 'n': unknown field 'atrs'"), "\(message)")
    }

    @Test func nodeFieldsOfTheWrongType() throws {
        var b = ModelBuilder.single("relu", inputShape: [4])
        b.nodes[0]["inputs"] = "input"
        var message = try error(b)
        #expect(message.contains("node 'n': 'inputs' must be a list of strings"), "\(message)")
        b = ModelBuilder.single("relu", inputShape: [4])
        b.nodes[0]["name"] = 7
        message = try error(b)
        #expect(message.contains("node 0: 'name' must be a string, got 7"), "\(message)")
        b = ModelBuilder.single("linear", inputShape: [1], params: ["weight": ([1, 1], [1])])
        b.nodes[0]["params"] = ["weight": 5]
        message = try error(b)
        #expect(message.contains("'params', 'weight'") || message.contains("'weight' must be a tensor name"), "\(message)")
    }

    @Test func glueFields() throws {
        var b = ModelBuilder.smallClassifier()
        for (glue, expected) in [(#"{"rnage": {"from": [-1, 1], "to": [0, 1]}}"#, "unknown field 'rnage'"),
                                 (#"{"range": {"from": [-1, 1], "to": [0, 1e39]}}"#, "which Float32 cannot hold"),
                                 (#"{"range": {"from": [0, 1e300], "to": [0, 1e-300]}}"#, "which Float32 cannot hold"),
                                 (#"{"range": {"from": [-1, 1], "to": [1, 1]}}"#, "distinct ends"),
                                 (#"{"normalize": {"mean": [], "std": []}}"#, "non-empty mean and std"),
                                 (#"{"normalize": {"mean": [0.5], "std": [1e-50]}}"#, "std positive"),
                                 (#"{"normalize": {"mean": [1e30], "std": [1e-30]}}"#, "not finite in Float32"),
                                 (#"{"resize": [8.0, 8]}"#, "'resize' must be a list of integers"),
                                 (#"{"resize": [8]}"#, "glue resize must be [height, width]")] {
            b.glue = glue
            let message = try error(b)
            #expect(message.contains(expected), "\(glue): \(message)")
        }
    }

    /// A node name with a terminal escape sequence or a bidirectional override is quoted escaped.
    @Test func controlCharactersInNamesAreEscaped() throws {
        var b = ModelBuilder.single("relu", inputShape: [4])
        b.nodes[0]["name"] = "n\u{1B}[2J\u{202E}x"
        b.nodes[0]["op"] = "swish"
        let message = try error(b)
        #expect(message.contains("node 'n\\u{1B}[2J\\u{202E}x' uses unknown operation 'swish'"), "\(message)")
        #expect(!message.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x202E })
    }
}
