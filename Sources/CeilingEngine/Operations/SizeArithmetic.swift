/// Arithmetic on tensor sizes that reports overflow as nil instead of trapping: sizes come
/// from model and array files, so no product or output-size formula may be trusted to fit.
public enum SizeArithmetic {
    /// The product of `factors`, or nil when it overflows `Int`.
    public static func product(_ factors: some Sequence<Int>) -> Int? {
        var result = 1
        for factor in factors {
            let (product, overflow) = result.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            result = product
        }
        return result
    }

    /// The sum of `terms`, or nil when it overflows `Int`.
    public static func sum(_ terms: Int...) -> Int? {
        var result = 0
        for term in terms {
            let (sum, overflow) = result.addingReportingOverflow(term)
            guard !overflow else { return nil }
            result = sum
        }
        return result
    }

    /// The number of positions of a sliding window along one axis, as PyTorch counts them:
    /// `floor((input + 2 padding - dilation (kernel - 1) - 1) / stride) + 1`, and 0 when the
    /// window does not fit at all (the division must not truncate a negative numerator up to
    /// 0). Nil on overflow or on arguments below their minimum.
    public static func windows(input: Int, kernel: Int, stride: Int, padding: Int, dilation: Int = 1) -> Int? {
        guard input >= 0, kernel >= 1, stride >= 1, padding >= 0, dilation >= 1,
              let span = product([dilation, kernel - 1]),
              let room = sum(input, padding, padding, -span, -1) else { return nil }
        return room < 0 ? 0 : room / stride + 1
    }

    /// The output length of a transposed convolution along one axis:
    /// `(input - 1) stride - 2 padding + dilation (kernel - 1) + extra + 1`. Nil on overflow
    /// or on arguments below their minimum.
    public static func transposed(input: Int, kernel: Int, stride: Int, padding: Int, dilation: Int, extra: Int) -> Int? {
        guard input >= 1, kernel >= 1, stride >= 1, padding >= 0, dilation >= 1, extra >= 0,
              let grown = product([input - 1, stride]),
              let span = product([dilation, kernel - 1]) else { return nil }
        return sum(grown, -padding, -padding, span, extra, 1)
    }
}
