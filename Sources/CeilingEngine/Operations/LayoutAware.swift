/// Operations that a graph pass hands tensors in any TensorLayout, and that may give one back in
/// a layout other than NCHW: the convolutions, and the elementwise operations, which keep their
/// input's layout. A pass gives every other operation NCHW tensors. The operations' own
/// `forward`, `vjp` and `jvp`, which callers outside a pass use, return NCHW for NCHW inputs.
protocol LayoutAware: NetworkOperation {
    /// `forward`, its output in NCHW when `nchw` is set (no later convolution reads it).
    func forwardInLayout(_ inputs: [Tensor], nchw: Bool) -> Tensor
    /// `vjp`, each input cotangent in its input's layout (which a backward pass reads it in).
    func vjpInLayout(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor]
    /// `jvp`, the tangent in the output's layout.
    func jvpInLayout(_ tangents: [Tensor], inputs: [Tensor], output: Tensor) -> Tensor
}

/// Elementwise operations: their own methods already keep whatever layout they are given.
protocol LayoutKeeping: LayoutAware {}

extension LayoutKeeping {
    func forwardInLayout(_ inputs: [Tensor], nchw: Bool) -> Tensor { forward(inputs) }
    func vjpInLayout(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] { vjp(cotangent, inputs: inputs, output: output) }
    func jvpInLayout(_ tangents: [Tensor], inputs: [Tensor], output: Tensor) -> Tensor { jvp(tangents, inputs: inputs, output: output) }
}

extension NetworkOperation {
    /// Whether a graph pass may hand this operation tensors in layouts other than NCHW.
    var takesAnyLayout: Bool { self is any LayoutAware }

    /// `forward` inside a graph pass; `nchw` asks for an NCHW output.
    func passForward(_ inputs: [Tensor], nchw: Bool) -> Tensor {
        guard let aware = self as? any LayoutAware else { return forward(inputs.map(\.plain)) }
        return aware.forwardInLayout(inputs, nchw: nchw)
    }

    /// `vjp` inside a graph pass.
    func passVJP(_ cotangent: Tensor, inputs: [Tensor], output: Tensor) -> [Tensor] {
        guard let aware = self as? any LayoutAware else { return vjp(cotangent.plain, inputs: inputs.map(\.plain), output: output.plain) }
        return aware.vjpInLayout(cotangent, inputs: inputs, output: output)
    }

    /// `jvp` inside a graph pass.
    func passJVP(_ tangents: [Tensor], inputs: [Tensor], output: Tensor) -> Tensor {
        guard let aware = self as? any LayoutAware else { return jvp(tangents.map(\.plain), inputs: inputs.map(\.plain), output: output.plain) }
        return aware.jvpInLayout(tangents, inputs: inputs, output: output)
    }
}
