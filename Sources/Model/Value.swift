/// A JSON document, as stored in a `JSON` field or in the dynamic field `$meta`.
///
/// Integers and floating-point numbers are kept apart so that `id == 3` and large
/// 64-bit ids survive a round trip exactly.
public indirect enum JSONValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case int(Int64)
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  /// The value at `key` when this is an object.
  public subscript(key: String) -> JSONValue? {
    if case .object(let members) = self { return members[key] }
    return nil
  }

  /// The value at `index` when this is an array.
  public subscript(index: Int) -> JSONValue? {
    if case .array(let elements) = self, elements.indices.contains(index) { return elements[index] }
    return nil
  }

  /// The number as a `Double`, when this is a number.
  public var numberValue: Double? {
    switch self {
    case .int(let value): return Double(value)
    case .double(let value): return value
    default: return nil
    }
  }
}

/// One field's value in an entity.
///
/// The field's `DataType` says how wide a number is stored; values carry the widest
/// representation (`Int64`, `Double`) so that arithmetic and comparisons are uniform.
public enum Value: Sendable, Hashable {
  case null
  case bool(Bool)
  case int(Int64)
  case double(Double)
  case string(String)
  case json(JSONValue)
  /// The elements of an `Array` field; each is a scalar value.
  case array([Value])
  case floatVector([Float])

  /// Whether this is `.null`.
  public var isNull: Bool {
    if case .null = self { return true }
    return false
  }

  /// The number as a `Double`, when this is a number.
  public var numberValue: Double? {
    switch self {
    case .int(let value): return Double(value)
    case .double(let value): return value
    default: return nil
    }
  }

  /// Converts a JSON value into the closest field value (objects stay JSON).
  public init(json: JSONValue) {
    switch json {
    case .null: self = .null
    case .bool(let value): self = .bool(value)
    case .int(let value): self = .int(value)
    case .double(let value): self = .double(value)
    case .string(let value): self = .string(value)
    case .array, .object: self = .json(json)
    }
  }

  /// The value as JSON (vectors become arrays of numbers).
  public var jsonValue: JSONValue {
    switch self {
    case .null: return .null
    case .bool(let value): return .bool(value)
    case .int(let value): return .int(value)
    case .double(let value): return .double(value)
    case .string(let value): return .string(value)
    case .json(let value): return value
    case .array(let elements): return .array(elements.map(\.jsonValue))
    case .floatVector(let vector): return .array(vector.map { .double(Double($0)) })
    }
  }
}

/// A primary key: Milvus allows `Int64` or `VarChar` primary keys.
public enum PrimaryKey: Sendable, Hashable, Comparable, CustomStringConvertible {
  case int(Int64)
  case string(String)

  /// The key as a field value.
  public var value: Value {
    switch self {
    case .int(let value): return .int(value)
    case .string(let value): return .string(value)
    }
  }

  public var description: String {
    switch self {
    case .int(let value): return String(value)
    case .string(let value): return value
    }
  }

  public static func < (lhs: PrimaryKey, rhs: PrimaryKey) -> Bool {
    switch (lhs, rhs) {
    case (.int(let a), .int(let b)): return a < b
    case (.string(let a), .string(let b)): return a < b
    case (.int, .string): return true
    case (.string, .int): return false
    }
  }
}

/// One entity: field name → value. Dynamic-field keys appear as ordinary names.
public typealias Row = [String: Value]
