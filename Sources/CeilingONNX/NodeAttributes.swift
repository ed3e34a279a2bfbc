import CeilingEngine
import Foundation

/// Typed access to one ONNX node's attributes, with errors naming the node. Like the model
/// format's `Attributes`, it records what the translation read, so that an attribute it does
/// not handle (a semantics it would silently drop) is refused instead.
final class NodeAttributes {
    /// The largest integer an attribute may give: beyond any kernel, stride, pad or axis, and
    /// small enough that no size formula overflows.
    static let maxInteger = 1 << 30

    private let attributes: [String: Onnx_AttributeProto]
    private let context: String
    private let path: String
    private var read: Set<String> = []

    init(_ node: Onnx_NodeProto, context: String, path: String) throws(ModelFileError) {
        var attributes = [String: Onnx_AttributeProto]()
        for attribute in node.attribute {
            guard attributes[attribute.name] == nil else { throw ModelFileError(path, "\(context): attribute '\(attribute.name)' is given twice") }
            guard attribute.refAttrName.isEmpty else { throw ModelFileError(path, "\(context): attribute '\(attribute.name)' refers to a function's attribute, which ceiling does not resolve") }
            attributes[attribute.name] = attribute
        }
        self.attributes = attributes
        self.context = context
        self.path = path
    }

    private func attribute(_ name: String, _ type: Onnx_AttributeProto.AttributeType) throws(ModelFileError) -> Onnx_AttributeProto? {
        read.insert(name)
        guard let attribute = attributes[name] else { return nil }
        // Files from old writers leave `type` unset; the value fields then decide.
        guard attribute.type == type || attribute.type == .undefined else {
            throw ModelFileError(path, "\(context): attribute '\(name)' must be of type \(type), it is \(attribute.type)")
        }
        return attribute
    }

    func has(_ name: String) -> Bool { attributes[name] != nil }

    func int(_ name: String, default fallback: Int) throws(ModelFileError) -> Int {
        guard let attribute = try attribute(name, .int) else { return fallback }
        return try checked(attribute.i, name)
    }

    func ints(_ name: String) throws(ModelFileError) -> [Int]? {
        guard let attribute = try attribute(name, .ints) else { return nil }
        var values = [Int]()
        for value in attribute.ints { values.append(try checked(value, name)) }
        return values
    }

    func float(_ name: String, default fallback: Float) throws(ModelFileError) -> Float {
        guard let attribute = try attribute(name, .float) else { return fallback }
        guard attribute.f.isFinite else { throw ModelFileError(path, "\(context): attribute '\(name)' is \(attribute.f), not a finite number") }
        return attribute.f
    }

    func floats(_ name: String) throws(ModelFileError) -> [Float]? {
        try attribute(name, .floats)?.floats
    }

    func string(_ name: String, default fallback: String) throws(ModelFileError) -> String {
        guard let attribute = try attribute(name, .string) else { return fallback }
        return String(decoding: attribute.s, as: UTF8.self)
    }

    func tensor(_ name: String) throws(ModelFileError) -> Onnx_TensorProto? {
        try attribute(name, .tensor)?.t
    }

    private func checked(_ value: Int64, _ name: String) throws(ModelFileError) -> Int {
        guard (-Int64(Self.maxInteger)...Int64(Self.maxInteger)).contains(value) else {
            throw ModelFileError(path, "\(context): attribute '\(name)' holds \(value), beyond the largest size ceiling accepts (\(Self.maxInteger))")
        }
        return Int(value)
    }

    /// Refuses attributes the translation did not read.
    func refuseUnread() throws(ModelFileError) {
        if let unknown = attributes.keys.sorted().first(where: { !read.contains($0) }) {
            throw ModelFileError(path, "\(context): attribute '\(unknown)' is not supported (ceiling reads \(read.isEmpty ? "none" : read.sorted().joined(separator: ", ")))")
        }
    }
}
