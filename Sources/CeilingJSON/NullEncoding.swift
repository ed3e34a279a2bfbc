/// An optional field written as `null` when absent, instead of being left out: readers of a
/// documented format find every key.
@propertyWrapper
public struct ExplicitNull<Value: Encodable>: Encodable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

/// Numbers whose non-finite values mean "censored" or "not available" in a documented format
/// and are written as `null` (a single number, an optional number or a list of numbers).
@propertyWrapper
public struct NonFiniteAsNull<Value: NullableNumbers>: Encodable, Sendable {
    public var wrappedValue: Value

    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue.finiteOrNil)
    }
}

/// A shape of numbers `NonFiniteAsNull` can write: the same shape with nil for every
/// non-finite value.
public protocol NullableNumbers: Sendable {
    associatedtype Nullable: Encodable
    var finiteOrNil: Nullable { get }
}

extension Double: NullableNumbers {
    public var finiteOrNil: Double? { isFinite ? self : nil }
}

extension Optional: NullableNumbers where Wrapped == Double {
    public var finiteOrNil: Double? { self.flatMap(\.finiteOrNil) }
}

extension Array: NullableNumbers where Element == Double {
    public var finiteOrNil: [Double?] { map(\.finiteOrNil) }
}
