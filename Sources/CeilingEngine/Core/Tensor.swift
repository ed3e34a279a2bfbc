/// A dense Float32 tensor in row-major (C) order. The first axis is the batch axis everywhere in
/// the engine: images are NCHW, vectors are [N, features].
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var data: [Float]
    /// NCHW except inside a graph pass (see TensorLayout).
    @usableFromInline var layout: TensorLayout = .nchw

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "tensor shape \(shape) does not hold \(data.count) values")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// Builds a tensor by letting `fill` write every element; skips the zero-fill of `init(zeros:)`.
    @inlinable
    public init(shape: [Int], fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        self.init(shape: shape, layout: .nchw, fill: fill)
    }

    /// The same for values in `layout`.
    @inlinable
    init(shape: [Int], layout: TensorLayout, fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let count = shape.reduce(1, *)
        self.shape = shape
        self.layout = layout
        self.data = [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
            fill(buffer)
            initialised = count
        }
    }

    public var count: Int { data.count }
    public var batch: Int { shape[0] }
    /// The shape of one sample: every axis but the batch axis.
    public var sampleShape: [Int] { Array(shape.dropFirst()) }
    /// Number of values in one sample.
    public var sampleSize: Int { shape.count > 1 ? shape.dropFirst().reduce(1, *) : 1 }

    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, data: data)
    }

    /// Samples `range` of the batch, as a new tensor.
    public func samples(_ range: Range<Int>) -> Tensor {
        let size = sampleSize
        return Tensor(shape: [range.count] + sampleShape, data: Array(data[(range.lowerBound * size)..<(range.upperBound * size)]))
    }

    /// Concatenates tensors of equal sample shape along the batch axis.
    public static func concatenate(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty)
        let sampleShape = parts[0].sampleShape
        precondition(parts.allSatisfy { $0.sampleShape == sampleShape }, "concatenate needs equal sample shapes")
        return Tensor(shape: [parts.reduce(0) { $0 + $1.batch }] + sampleShape, data: parts.flatMap(\.data))
    }

    /// The batch repeated `times` times, copy-major: sample `r * batch + n` is sample `n`.
    public func repeated(_ times: Int) -> Tensor {
        var out = [Float]()
        out.reserveCapacity(data.count * times)
        for _ in 0..<times { out.append(contentsOf: data) }
        return Tensor(shape: [batch * times] + sampleShape, data: out)
    }

    /// Sum of elementwise products, in Double to keep adjoint checks meaningful.
    public func dot(_ other: Tensor) -> Double {
        precondition(count == other.count)
        var sum = 0.0
        for i in 0..<count { sum += Double(data[i]) * Double(other.data[i]) }
        return sum
    }
}

/// Formats a shape the way PyTorch users read it: `[N, 3, 32, 32]`.
public func describe(shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}
