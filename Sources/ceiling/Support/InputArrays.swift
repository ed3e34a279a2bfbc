import ArgumentParser
import CeilingEngine

/// The one rule for arrays a user gives: every value must be finite. A NaN or an infinity is
/// refused with the sample it sits in, whatever the command (a NaN image has no label to attack
/// and no distance to measure, and would only travel through the results).
enum InputArrays {
    static func read(_ path: String, option: String) throws -> Tensor {
        let tensor: Tensor
        do { tensor = try NPY.read(path) } catch { throw ValidationError("\(option): \(error.description)") }
        try requireFinite(tensor, path: path, option: option)
        return tensor
    }

    static func requireFinite(_ tensor: Tensor, path: String, option: String) throws {
        if let bad = tensor.data.firstIndex(where: { !$0.isFinite }) {
            throw ValidationError("\(option) \(path): sample \(bad / max(tensor.sampleSize, 1)) holds a non-finite value (\(tensor.data[bad])); inputs must be finite")
        }
    }
}
