/// Milvus's field data types, named as pymilvus's `DataType` names them.
public enum DataType: String, Sendable, Hashable, CaseIterable {
  case bool = "BOOL"
  case int8 = "INT8"
  case int16 = "INT16"
  case int32 = "INT32"
  case int64 = "INT64"
  case float = "FLOAT"
  case double = "DOUBLE"
  case varChar = "VARCHAR"
  case json = "JSON"
  case array = "ARRAY"
  case floatVector = "FLOAT_VECTOR"

  /// Milvus's numeric code for the type (`schema.proto`'s `DataType`).
  public var milvusCode: Int {
    switch self {
    case .bool: return 1
    case .int8: return 2
    case .int16: return 3
    case .int32: return 4
    case .int64: return 5
    case .float: return 10
    case .double: return 11
    case .varChar: return 21
    case .array: return 22
    case .json: return 23
    case .floatVector: return 101
    }
  }

  /// Reads a type by its Milvus name (any case, `VarChar` or `VARCHAR`) or numeric code.
  public init?(milvusName name: String) {
    var upper = name.uppercased()
    if upper.hasPrefix("DATATYPE.") { upper.removeFirst("DATATYPE.".count) }
    if let type = DataType(rawValue: upper) {
      self = type
    } else if upper == "STRING" {
      self = .varChar
    } else if let code = Int(upper), let type = DataType.allCases.first(where: { $0.milvusCode == code }) {
      self = type
    } else {
      return nil
    }
  }

  /// Whether values of this type are integers.
  public var isInteger: Bool { self == .int8 || self == .int16 || self == .int32 || self == .int64 }
  /// Whether values of this type are numbers.
  public var isNumeric: Bool { isInteger || self == .float || self == .double }
  /// Whether this type may be an `Array` field's element type.
  public var isArrayElement: Bool { self != .json && self != .array && self != .floatVector }

  /// The representable range for integer types.
  public var integerRange: ClosedRange<Int64>? {
    switch self {
    case .int8: return Int64(Int8.min)...Int64(Int8.max)
    case .int16: return Int64(Int16.min)...Int64(Int16.max)
    case .int32: return Int64(Int32.min)...Int64(Int32.max)
    case .int64: return Int64.min...Int64.max
    default: return nil
    }
  }
}

/// One field of a collection, with Milvus's type parameters and flags.
public struct FieldSchema: Sendable, Hashable {
  public var name: String
  public var type: DataType
  public var description: String
  public var isPrimary: Bool
  public var autoID: Bool
  /// Dimension of a `FloatVector` field.
  public var dim: Int?
  /// Maximum length in bytes of a `VarChar` field (or of `VarChar` array elements).
  public var maxLength: Int?
  /// Element type of an `Array` field.
  public var elementType: DataType?
  /// Maximum element count of an `Array` field.
  public var maxCapacity: Int?
  public var nullable: Bool
  /// Value used when an insert omits the field (or gives null).
  public var defaultValue: Value?
  public var isPartitionKey: Bool

  public init(
    name: String, type: DataType, description: String = "", isPrimary: Bool = false, autoID: Bool = false,
    dim: Int? = nil, maxLength: Int? = nil, elementType: DataType? = nil, maxCapacity: Int? = nil,
    nullable: Bool = false, defaultValue: Value? = nil, isPartitionKey: Bool = false
  ) {
    self.name = name
    self.type = type
    self.description = description
    self.isPrimary = isPrimary
    self.autoID = autoID
    self.dim = dim
    self.maxLength = maxLength
    self.elementType = elementType
    self.maxCapacity = maxCapacity
    self.nullable = nullable
    self.defaultValue = defaultValue
    self.isPartitionKey = isPartitionKey
  }

  /// A short type label such as `FloatVector(128)`, `VarChar(256)` or `Array<Int64>[16]`.
  public var typeLabel: String {
    switch type {
    case .floatVector: return "FloatVector(\(dim ?? 0))"
    case .varChar: return "VarChar(\(maxLength ?? 0))"
    case .array:
      let element = elementType.map { DataTypeNames.display($0) } ?? "?"
      return "Array<\(element)>[\(maxCapacity ?? 0)]"
    default: return DataTypeNames.display(type)
    }
  }
}

enum DataTypeNames {
  static func display(_ type: DataType) -> String {
    switch type {
    case .bool: return "Bool"
    case .int8: return "Int8"
    case .int16: return "Int16"
    case .int32: return "Int32"
    case .int64: return "Int64"
    case .float: return "Float"
    case .double: return "Double"
    case .varChar: return "VarChar"
    case .json: return "JSON"
    case .array: return "Array"
    case .floatVector: return "FloatVector"
    }
  }
}

/// A collection's schema, in the shape of pymilvus's `describe_collection()`.
public struct CollectionSchema: Sendable, Hashable {
  public var name: String
  public var description: String
  public var fields: [FieldSchema]
  /// Extra keys of inserted entities are kept in the JSON field `$meta` and are filterable.
  public var enableDynamicField: Bool

  /// The name of the hidden JSON field that holds dynamic keys.
  public static let dynamicFieldName = "$meta"

  public init(name: String, description: String = "", fields: [FieldSchema], enableDynamicField: Bool = false) {
    self.name = name
    self.description = description
    self.fields = fields
    self.enableDynamicField = enableDynamicField
  }

  /// The primary-key field.
  public var primaryField: FieldSchema? { fields.first(where: \.isPrimary) }
  /// The `FloatVector` fields, in schema order.
  public var vectorFields: [FieldSchema] { fields.filter { $0.type == .floatVector } }
  /// The partition-key field, if any.
  public var partitionKeyField: FieldSchema? { fields.first(where: \.isPartitionKey) }

  /// The field called `name`.
  public func field(named name: String) -> FieldSchema? { fields.first(where: { $0.name == name }) }

  /// Checks the schema the way Milvus does before creating a collection.
  public func validate() throws(VectorError) {
    try Self.validateName(name, what: "collection")
    guard !fields.isEmpty else { throw .invalidArgument("the schema has no fields") }
    var seen = Set<String>()
    for field in fields {
      try Self.validateName(field.name, what: "field")
      guard seen.insert(field.name).inserted else {
        throw .invalidArgument("duplicated field name \(field.name) found")
      }
      switch field.type {
      case .floatVector:
        guard let dim = field.dim, (1...32768).contains(dim) else {
          throw .invalidArgument(
            "invalid dimension for field \(field.name): dim should be in range 1 ~ 32768, got \(field.dim.map(String.init) ?? "none")"
          )
        }
        if field.nullable { throw .invalidArgument("vector field \(field.name) cannot be nullable") }
      case .varChar:
        guard let length = field.maxLength, (1...65535).contains(length) else {
          throw .invalidArgument(
            "the max_length of field \(field.name) should be in range 1 ~ 65535, got \(field.maxLength.map(String.init) ?? "none")"
          )
        }
      case .array:
        guard let element = field.elementType, element.isArrayElement else {
          throw .invalidArgument("array field \(field.name) needs an element_type that is a scalar type")
        }
        guard let capacity = field.maxCapacity, (1...4096).contains(capacity) else {
          throw .invalidArgument(
            "the max_capacity of array field \(field.name) should be in range 1 ~ 4096, got \(field.maxCapacity.map(String.init) ?? "none")"
          )
        }
        if element == .varChar, field.maxLength == nil {
          throw .invalidArgument("array field \(field.name) of VARCHAR needs max_length")
        }
      default:
        break
      }
      if let value = field.defaultValue, !value.isNull {
        if field.isPrimary { throw .invalidArgument("primary field \(field.name) cannot have a default value") }
        _ = try FieldSchema.coerce(value, to: field)
      }
    }
    let primaries = fields.filter(\.isPrimary)
    guard primaries.count == 1, let primary = primaries.first else {
      throw .invalidArgument(
        primaries.isEmpty ? "the schema has no primary key field" : "there are more than one primary key fields")
    }
    guard primary.type == .int64 || primary.type == .varChar else {
      throw .invalidArgument("the data type of primary key should be Int64 or VarChar, got \(primary.typeLabel)")
    }
    if primary.nullable { throw .invalidArgument("primary field \(primary.name) cannot be nullable") }
    guard !vectorFields.isEmpty else { throw .invalidArgument("the schema needs at least one vector field") }
    let partitionKeys = fields.filter(\.isPartitionKey)
    if partitionKeys.count > 1 { throw .invalidArgument("there are more than one partition key fields") }
    if let key = partitionKeys.first {
      guard key.type == .int64 || key.type == .varChar, !key.isPrimary else {
        throw .invalidArgument("the partition key field \(key.name) must be a non-primary Int64 or VarChar field")
      }
    }
  }

  /// Milvus's naming rule: a letter or underscore, then letters, digits or underscores; at most 255 characters.
  public static func validateName(_ name: String, what: String) throws(VectorError) {
    guard let first = name.unicodeScalars.first else { throw .invalidArgument("the \(what) name should not be empty") }
    guard name.unicodeScalars.count <= 255 else {
      throw .invalidArgument("the length of a \(what) name must be less than 255 characters: \(name)")
    }
    let isLetter = { (scalar: Unicode.Scalar) in
      (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || scalar == "_"
    }
    guard isLetter(first) else {
      throw .invalidArgument("the first character of a \(what) name must be an underscore or letter: \(name)")
    }
    for scalar in name.unicodeScalars where !(isLetter(scalar) || (scalar >= "0" && scalar <= "9")) {
      throw .invalidArgument(
        "a \(what) name can only contain numbers, letters and underscores: \(name)")
    }
  }
}

extension FieldSchema {
  /// Converts `value` to the representation stored for this field, checking type, range,
  /// length and capacity; returns `.null` for a missing nullable value.
  public static func coerce(_ value: Value, to field: FieldSchema) throws(VectorError) -> Value {
    func mismatch() -> VectorError {
      .invalidArgument("the value for field \(field.name) should be \(field.typeLabel), got \(value.kindName)")
    }
    if value.isNull {
      if let defaultValue = field.defaultValue, !defaultValue.isNull { return defaultValue }
      if field.nullable { return .null }
      throw .invalidArgument("field \(field.name) is not nullable but got null")
    }
    switch field.type {
    case .bool:
      guard case .bool = value else { throw mismatch() }
      return value
    case .int8, .int16, .int32, .int64:
      let integer: Int64
      switch value {
      case .int(let v): integer = v
      case .double(let v) where v == v.rounded() && abs(v) < 9.2e18: integer = Int64(v)
      default: throw mismatch()
      }
      guard field.type.integerRange!.contains(integer) else {
        throw .invalidArgument("the value \(integer) of field \(field.name) is out of range for \(field.typeLabel)")
      }
      return .int(integer)
    case .float, .double:
      guard let number = value.numberValue else { throw mismatch() }
      return .double(field.type == .float ? Double(Float(number)) : number)
    case .varChar:
      guard case .string(let text) = value else { throw mismatch() }
      if let maxLength = field.maxLength, text.utf8.count > maxLength {
        throw .invalidArgument(
          "the length (\(text.utf8.count)) of field \(field.name) exceeds max length (\(maxLength))")
      }
      return value
    case .json:
      switch value {
      case .json: return value
      case .array, .floatVector: return .json(value.jsonValue)
      default: return .json(value.jsonValue)
      }
    case .array:
      let elements: [Value]
      switch value {
      case .array(let values): elements = values
      case .json(.array(let values)): elements = values.map(Value.init(json:))
      default: throw mismatch()
      }
      if let capacity = field.maxCapacity, elements.count > capacity {
        throw .invalidArgument(
          "the array length (\(elements.count)) of field \(field.name) exceeds max capacity (\(capacity))")
      }
      let elementField = FieldSchema(
        name: field.name, type: field.elementType ?? .int64, maxLength: field.maxLength)
      var converted: [Value] = []
      converted.reserveCapacity(elements.count)
      for element in elements {
        guard !element.isNull else { throw .invalidArgument("array field \(field.name) cannot hold null elements") }
        converted.append(try coerce(element, to: elementField))
      }
      return .array(converted)
    case .floatVector:
      let vector: [Float]
      switch value {
      case .floatVector(let values): vector = values
      case .array(let values):
        var out: [Float] = []
        out.reserveCapacity(values.count)
        for element in values {
          guard let number = element.numberValue else { throw mismatch() }
          out.append(Float(number))
        }
        vector = out
      case .json(.array(let values)):
        var out: [Float] = []
        out.reserveCapacity(values.count)
        for element in values {
          guard let number = element.numberValue else { throw mismatch() }
          out.append(Float(number))
        }
        vector = out
      default: throw mismatch()
      }
      if let dim = field.dim, vector.count != dim {
        throw .invalidArgument(
          "the dim (\(vector.count)) of field data(\(field.name)) is not equal to schema dim (\(dim))")
      }
      for component in vector where !component.isFinite {
        throw .invalidArgument("the vector of field \(field.name) contains NaN or infinity")
      }
      return .floatVector(vector)
    }
  }
}

extension Value {
  /// A word for the kind of value, for error messages.
  public var kindName: String {
    switch self {
    case .null: return "null"
    case .bool: return "a boolean"
    case .int: return "an integer"
    case .double: return "a number"
    case .string: return "a string"
    case .json: return "a JSON value"
    case .array: return "an array"
    case .floatVector: return "a vector"
    }
  }
}
