import Model

/// What an input key means for a collection.
enum KeyRole {
  /// The schema field at this index.
  case field(Int)
  /// The primary key of an auto-id collection: supplying it is an error.
  case autoIDPrimaryKey
  /// `$meta`: an object whose keys become dynamic keys.
  case meta
  /// Not in the schema: a dynamic key, or an error when the dynamic field is off.
  case other
}

/// The per-collection facts the readers need, computed once.
struct RowShape {
  let schema: CollectionSchema
  let fields: [FieldSchema]
  let fieldIndex: [String: Int]
  /// For each field, the value a row gets when the input omits it (the default, or null),
  /// or nil when the field must be given (or, for an auto-id primary key, must not be).
  let fillValues: [Value?]
  let autoIDPrimaryIndex: Int?

  init(schema: CollectionSchema) {
    self.schema = schema
    self.fields = schema.fields
    var index: [String: Int] = [:]
    for (offset, field) in schema.fields.enumerated() where index[field.name] == nil { index[field.name] = offset }
    self.fieldIndex = index
    self.autoIDPrimaryIndex = schema.fields.firstIndex(where: { $0.isPrimary && $0.autoID })
    self.fillValues = schema.fields.map { field in
      if field.isPrimary { return nil }
      return try? FieldSchema.coerce(.null, to: field)
    }
  }

  func role(of key: String) -> KeyRole {
    if let index = fieldIndex[key] {
      return index == autoIDPrimaryIndex ? .autoIDPrimaryKey : .field(index)
    }
    if key == CollectionSchema.dynamicFieldName { return .meta }
    return .other
  }

  func autoIDMessage() -> String {
    "the primary key field \(fields[autoIDPrimaryIndex ?? 0].name) is auto_id, do not supply it"
  }

  func unknownFieldMessage(_ key: String) -> String {
    "field '\(key)' is not in the schema of collection \(schema.name)"
  }

  func missingFieldMessage(_ index: Int) -> String {
    "missing field \(fields[index].name): it is not nullable and has no default value"
  }

  /// The first required field (not nullable, no default, not an auto-id key) in `given`'s complement.
  func firstMissingField(given: (Int) -> Bool) -> Int? {
    fields.indices.first { index in !given(index) && index != autoIDPrimaryIndex && fillValues[index] == nil }
  }
}

/// Assembles one row from keys and values, following pymilvus's `insert` with dicts: every
/// field must be given except an auto-id primary key (which must not be), nullable fields and
/// fields with a default value; other keys are dynamic keys when the dynamic field is enabled.
///
/// The first problem is remembered in `error` and later keys are still accepted (so that a
/// syntax error later in the record wins); `finish()` reports it.
struct RowBuilder {
  let shape: RowShape
  private(set) var row: Row = [:]
  private var given: [Bool]
  private var meta: JSONValue?
  private(set) var error: String?

  init(shape: RowShape) {
    self.shape = shape
    self.given = Array(repeating: false, count: shape.fields.count)
  }

  mutating func reset() {
    row = Row(minimumCapacity: shape.fields.count + 4)
    for index in given.indices { given[index] = false }
    meta = nil
    error = nil
  }

  mutating func fail(_ message: String) {
    if error == nil { error = message }
  }

  /// Gives field `index` the value `value`, checked and converted by `FieldSchema.coerce`.
  mutating func setField(_ index: Int, _ value: Value) {
    given[index] = true
    guard error == nil else { return }
    do {
      row[shape.fields[index].name] = try FieldSchema.coerce(value, to: shape.fields[index])
    } catch {
      fail(error.description)
    }
  }

  /// Handles the key `key` with the JSON value `value` (a field, `$meta`, or a dynamic key).
  mutating func set(key: String, json value: JSONValue) {
    switch shape.role(of: key) {
    case .field(let index): setField(index, Value(json: value))
    case .autoIDPrimaryKey: fail(shape.autoIDMessage())
    case .meta: setMeta(value)
    case .other: setDynamic(key, Value(json: value))
    }
  }

  mutating func setDynamic(_ key: String, _ value: Value) {
    guard shape.schema.enableDynamicField else { return fail(shape.unknownFieldMessage(key)) }
    row[key] = value
  }

  mutating func setMeta(_ value: JSONValue) {
    guard shape.schema.enableDynamicField else {
      return fail(shape.unknownFieldMessage(CollectionSchema.dynamicFieldName))
    }
    switch value {
    case .object: meta = value
    case .null: meta = nil
    default:
      fail(
        "the value of \(CollectionSchema.dynamicFieldName) should be a JSON object, got \(Value(json: value).kindName)")
    }
  }

  /// The finished row, with defaults and nulls for omitted fields; throws the first problem.
  mutating func finish() throws(RowProblem) -> Row {
    if let error { throw RowProblem(message: error) }
    if case .object(let members) = meta {
      for key in members.keys.sorted() {
        if shape.fieldIndex[key] != nil {
          throw RowProblem(
            message:
              "the key '\(key)' in \(CollectionSchema.dynamicFieldName) is the name of a field of collection \(shape.schema.name)"
          )
        }
        if row[key] == nil { row[key] = Value(json: members[key]!) }
      }
    }
    for index in given.indices where !given[index] {
      if let fill = shape.fillValues[index] {
        row[shape.fields[index].name] = fill
      } else if index != shape.autoIDPrimaryIndex {
        throw RowProblem(message: shape.missingFieldMessage(index))
      }
    }
    return row
  }
}

/// A problem with one row; the reader adds the file and line.
struct RowProblem: Error {
  var message: String
}
