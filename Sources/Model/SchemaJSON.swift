/// The JSON form of a schema: the shape of pymilvus's `describe_collection()` dict, so a schema
/// can be copied from Python into `vscope create --schema` and back.
extension CollectionSchema {
  /// The schema as pymilvus's `describe_collection()` prints it (types by name).
  public func describeJSON(extra: [String: JSONValue] = [:]) -> JSONValue {
    var object: [String: JSONValue] = [
      "collection_name": .string(name),
      "description": .string(description),
      "auto_id": .bool(primaryField?.autoID ?? false),
      "enable_dynamic_field": .bool(enableDynamicField),
      "fields": .array(fields.enumerated().map { $0.element.describeJSON(fieldID: 100 + $0.offset) }),
    ]
    for (key, value) in extra { object[key] = value }
    return .object(object)
  }

  /// Reads a schema from the `describe_collection()` shape; `name` overrides `collection_name`.
  public init(describeJSON json: JSONValue, name overrideName: String? = nil) throws(VectorError) {
    guard case .object(let object) = json else { throw .invalidArgument("a schema must be a JSON object") }
    let name: String
    if let overrideName {
      name = overrideName
    } else if case .string(let given)? = object["collection_name"] {
      name = given
    } else {
      throw .invalidArgument("the schema has no collection_name")
    }
    guard case .array(let fieldValues)? = object["fields"] else {
      throw .invalidArgument("the schema needs a \"fields\" array")
    }
    let collectionAutoID = object["auto_id"].flatMap(SchemaJSONReader.bool) ?? false
    var fields: [FieldSchema] = []
    for (offset, value) in fieldValues.enumerated() {
      var field = try FieldSchema(describeJSON: value, position: offset + 1)
      if field.isPrimary, collectionAutoID { field.autoID = true }
      fields.append(field)
    }
    self.init(
      name: name,
      description: object["description"].flatMap(SchemaJSONReader.string) ?? "",
      fields: fields,
      enableDynamicField: object["enable_dynamic_field"].flatMap(SchemaJSONReader.bool) ?? false)
  }
}

extension FieldSchema {
  /// One entry of `describe_collection()["fields"]`.
  public func describeJSON(fieldID: Int) -> JSONValue {
    var object: [String: JSONValue] = [
      "field_id": .int(Int64(fieldID)),
      "name": .string(name),
      "description": .string(description),
      "type": .string(type.rawValue),
    ]
    var params: [String: JSONValue] = [:]
    if let dim { params["dim"] = .int(Int64(dim)) }
    if let maxLength { params["max_length"] = .int(Int64(maxLength)) }
    if let maxCapacity { params["max_capacity"] = .int(Int64(maxCapacity)) }
    object["params"] = .object(params)
    if isPrimary {
      object["is_primary"] = .bool(true)
      object["auto_id"] = .bool(autoID)
    }
    if let elementType { object["element_type"] = .string(elementType.rawValue) }
    if nullable { object["nullable"] = .bool(true) }
    if let defaultValue, !defaultValue.isNull { object["default_value"] = defaultValue.jsonValue }
    if isPartitionKey { object["is_partition_key"] = .bool(true) }
    return .object(object)
  }

  /// Reads one field; `position` (1-based) names it in errors when it has no name.
  public init(describeJSON json: JSONValue, position: Int) throws(VectorError) {
    guard case .object(let object) = json else {
      throw .invalidArgument("field \(position) of the schema must be a JSON object")
    }
    guard case .string(let name)? = object["name"] else {
      throw .invalidArgument("field \(position) of the schema has no name")
    }
    guard let typeValue = object["type"], let type = SchemaJSONReader.dataType(typeValue) else {
      throw .invalidArgument(
        "field \(name) has no valid type; use one of \(DataType.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    // Parameters may sit under "params" (pymilvus) or at the top level (MilvusClient's add_field style).
    var params: [String: JSONValue] = [:]
    if case .object(let given)? = object["params"] { params = given }
    for key in ["dim", "max_length", "max_capacity"] where params[key] == nil {
      if let value = object[key] { params[key] = value }
    }
    func integer(_ key: String) throws(VectorError) -> Int? {
      guard let value = params[key] else { return nil }
      guard let number = SchemaJSONReader.int(value) else {
        throw .invalidArgument("the \(key) of field \(name) must be an integer")
      }
      return number
    }
    var elementType: DataType?
    if let value = object["element_type"] {
      guard let parsed = SchemaJSONReader.dataType(value) else {
        throw .invalidArgument("field \(name) has an invalid element_type")
      }
      elementType = parsed
    }
    let defaultValue = object["default_value"].map(Value.init(json:))
    self.init(
      name: name, type: type,
      description: object["description"].flatMap(SchemaJSONReader.string) ?? "",
      isPrimary: object["is_primary"].flatMap(SchemaJSONReader.bool) ?? false,
      autoID: object["auto_id"].flatMap(SchemaJSONReader.bool) ?? false,
      dim: try integer("dim"), maxLength: try integer("max_length"), elementType: elementType,
      maxCapacity: try integer("max_capacity"),
      nullable: object["nullable"].flatMap(SchemaJSONReader.bool) ?? false,
      defaultValue: defaultValue.flatMap { $0.isNull ? nil : $0 },
      isPartitionKey: object["is_partition_key"].flatMap(SchemaJSONReader.bool) ?? false)
  }
}

enum SchemaJSONReader {
  static func bool(_ value: JSONValue) -> Bool? {
    switch value {
    case .bool(let flag): return flag
    case .string(let text):
      return ["true", "1"].contains(text.lowercased())
        ? true : (["false", "0"].contains(text.lowercased()) ? false : nil)
    case .int(let number): return number != 0
    default: return nil
    }
  }

  static func string(_ value: JSONValue) -> String? {
    if case .string(let text) = value { return text }
    return nil
  }

  static func int(_ value: JSONValue) -> Int? {
    switch value {
    case .int(let number): return Int(number)
    case .double(let number) where number == number.rounded(): return Int(number)
    case .string(let text): return Int(text)
    default: return nil
    }
  }

  static func dataType(_ value: JSONValue) -> DataType? {
    switch value {
    case .string(let text): return DataType(milvusName: text)
    case .int(let code): return DataType(milvusName: String(code))
    default: return nil
    }
  }
}
