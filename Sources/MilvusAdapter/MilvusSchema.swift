import Foundation
import Model
internal import SwiftProtobuf

/// Conversions between the shared model's schemas and Milvus's `schema.proto` messages.
enum MilvusSchema {
  static func dataType(_ type: DataType) -> Milvus_Proto_Schema_DataType {
    switch type {
    case .bool: return .bool
    case .int8: return .int8
    case .int16: return .int16
    case .int32: return .int32
    case .int64: return .int64
    case .float: return .float
    case .double: return .double
    case .varChar: return .varChar
    case .json: return .json
    case .array: return .array
    case .floatVector: return .floatVector
    }
  }

  /// The model's type for a Milvus type, or nil for types vscope does not show yet (binary and
  /// sparse vectors, geometry…).
  static func dataType(_ type: Milvus_Proto_Schema_DataType) -> DataType? {
    switch type {
    case .bool: return .bool
    case .int8: return .int8
    case .int16: return .int16
    case .int32: return .int32
    case .int64: return .int64
    case .float: return .float
    case .double: return .double
    case .varChar, .string: return .varChar
    case .json: return .json
    case .array: return .array
    case .floatVector: return .floatVector
    default: return nil
    }
  }

  static func proto(_ schema: CollectionSchema) -> Milvus_Proto_Schema_CollectionSchema {
    var message = Milvus_Proto_Schema_CollectionSchema()
    message.name = schema.name
    message.description_p = schema.description
    message.enableDynamicField = schema.enableDynamicField
    message.autoID = schema.primaryField?.autoID ?? false
    message.fields = schema.fields.enumerated().map { offset, field in
      var proto = Milvus_Proto_Schema_FieldSchema()
      proto.fieldID = Int64(100 + offset)
      proto.name = field.name
      proto.description_p = field.description
      proto.dataType = dataType(field.type)
      proto.isPrimaryKey = field.isPrimary
      proto.autoID = field.autoID
      proto.nullable = field.nullable
      proto.isPartitionKey = field.isPartitionKey
      if let element = field.elementType { proto.elementType = dataType(element) }
      var params: [Milvus_Proto_Common_KeyValuePair] = []
      if let dim = field.dim { params.append(pair("dim", String(dim))) }
      if let maxLength = field.maxLength { params.append(pair("max_length", String(maxLength))) }
      if let capacity = field.maxCapacity { params.append(pair("max_capacity", String(capacity))) }
      proto.typeParams = params
      if let value = field.defaultValue, let protoValue = valueField(value, type: field.type) {
        proto.defaultValue = protoValue
      }
      return proto
    }
    return message
  }

  static func model(_ message: Milvus_Proto_Schema_CollectionSchema, name: String) throws(VectorError)
    -> CollectionSchema
  {
    var fields: [FieldSchema] = []
    for proto in message.fields where !proto.isDynamic {
      guard let type = dataType(proto.dataType) else {
        throw .unsupported(
          "collection \(name) has field \(proto.name) of type \(proto.dataType), which vscope cannot show yet")
      }
      let params = Dictionary(proto.typeParams.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
      var field = FieldSchema(
        name: proto.name, type: type, description: proto.description_p, isPrimary: proto.isPrimaryKey,
        autoID: proto.autoID || (proto.isPrimaryKey && message.autoID), dim: params["dim"].flatMap { Int($0) },
        maxLength: params["max_length"].flatMap { Int($0) }, elementType: nil,
        maxCapacity: params["max_capacity"].flatMap { Int($0) }, nullable: proto.nullable,
        isPartitionKey: proto.isPartitionKey)
      if type == .array { field.elementType = dataType(proto.elementType) }
      if proto.hasDefaultValue { field.defaultValue = value(proto.defaultValue) }
      fields.append(field)
    }
    return CollectionSchema(
      name: name, description: message.description_p, fields: fields, enableDynamicField: message.enableDynamicField)
  }

  static func pair(_ key: String, _ value: String) -> Milvus_Proto_Common_KeyValuePair {
    var pair = Milvus_Proto_Common_KeyValuePair()
    pair.key = key
    pair.value = value
    return pair
  }

  static func valueField(_ value: Value, type: DataType) -> Milvus_Proto_Schema_ValueField? {
    var field = Milvus_Proto_Schema_ValueField()
    switch (value, type) {
    case (.bool(let flag), _): field.boolData = flag
    case (.int(let number), .int8), (.int(let number), .int16), (.int(let number), .int32):
      field.intData = Int32(truncatingIfNeeded: number)
    case (.int(let number), _): field.longData = number
    case (.double(let number), .float): field.floatData = Float(number)
    case (.double(let number), _): field.doubleData = number
    case (.string(let text), _): field.stringData = text
    default: return nil
    }
    return field
  }

  static func value(_ field: Milvus_Proto_Schema_ValueField) -> Value? {
    switch field.data {
    case .boolData(let flag): return .bool(flag)
    case .intData(let number): return .int(Int64(number))
    case .longData(let number): return .int(number)
    case .floatData(let number): return .double(Double(number))
    case .doubleData(let number): return .double(number)
    case .stringData(let text): return .string(text)
    default: return nil
    }
  }
}
