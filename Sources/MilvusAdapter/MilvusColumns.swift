import Foundation
import Model

/// Rows ↔ Milvus's columnar `FieldData`: one column per field, vectors as packed floats, JSON as
/// bytes, arrays as nested scalar columns, dynamic keys in the JSON column `$meta`.
enum MilvusColumns {
  /// Builds insert columns from rows, checking each value against its field as the embedded store does.
  static func columns(for rows: [Row], schema: CollectionSchema, includeAutoID: Bool) throws(VectorError)
    -> [Milvus_Proto_Schema_FieldData]
  {
    var result: [Milvus_Proto_Schema_FieldData] = []
    for field in schema.fields {
      if field.isPrimary && field.autoID && !includeAutoID {
        if rows.contains(where: { $0[field.name] != nil }) {
          throw .invalidArgument("the primary key field \(field.name) is auto_id, do not supply it")
        }
        continue
      }
      var values: [Value] = []
      values.reserveCapacity(rows.count)
      for (offset, row) in rows.enumerated() {
        guard let given = row[field.name] else {
          if field.nullable || field.defaultValue != nil {
            values.append(.null)
            continue
          }
          throw .invalidArgument(
            "row \(offset + 1): insert missed the field \(field.name), which is neither nullable nor has a default value"
          )
        }
        do {
          values.append(try FieldSchema.coerce(given, to: field))
        } catch {
          throw rows.count == 1 ? error : .invalidArgument("row \(offset + 1): \(error)")
        }
      }
      result.append(try column(field: field, values: values))
    }
    let known = Set(schema.fields.map(\.name))
    let extras = rows.map { row in row.filter { !known.contains($0.key) } }
    if extras.contains(where: { !$0.isEmpty }) {
      guard schema.enableDynamicField else {
        let name = extras.first { !$0.isEmpty }!.keys.sorted()[0]
        throw .invalidArgument(
          "field \(name) is not in the schema of collection \(schema.name), and its dynamic field is off")
      }
    }
    if schema.enableDynamicField {
      var data = Milvus_Proto_Schema_FieldData()
      data.fieldName = CollectionSchema.dynamicFieldName
      data.type = .json
      data.isDynamic = true
      var json = Milvus_Proto_Schema_JSONArray()
      json.data = extras.map { extra in
        var members: [String: JSONValue] = [:]
        for (key, value) in extra {
          if key == CollectionSchema.dynamicFieldName, case .json(.object(let inner)) = value {
            members.merge(inner) { current, _ in current }
          } else {
            members[key] = value.jsonValue
          }
        }
        return Data(JSONValue.object(members).jsonText.utf8)
      }
      data.scalars.jsonData = json
      result.append(data)
    }
    return result
  }

  private static func column(field: FieldSchema, values: [Value]) throws(VectorError) -> Milvus_Proto_Schema_FieldData {
    var data = Milvus_Proto_Schema_FieldData()
    data.fieldName = field.name
    data.type = MilvusSchema.dataType(field.type)
    if field.nullable || field.defaultValue != nil {
      data.validData = values.map { !$0.isNull }
    }
    switch field.type {
    case .floatVector:
      var vectors = Milvus_Proto_Schema_VectorField()
      vectors.dim = Int64(field.dim ?? 0)
      var floats: [Float] = []
      floats.reserveCapacity(values.count * (field.dim ?? 0))
      for value in values { if case .floatVector(let vector) = value { floats.append(contentsOf: vector) } }
      vectors.floatVector.data = floats
      data.vectors = vectors
    default:
      data.scalars = scalarColumn(type: field.type, elementType: field.elementType, values: values)
    }
    return data
  }

  /// A scalar column; nulls become the type's zero value (their `validData` entry says null).
  static func scalarColumn(type: DataType, elementType: DataType?, values: [Value]) -> Milvus_Proto_Schema_ScalarField {
    var scalars = Milvus_Proto_Schema_ScalarField()
    switch type {
    case .bool:
      var array = Milvus_Proto_Schema_BoolArray()
      array.data = values.map { if case .bool(let flag) = $0 { flag } else { false } }
      scalars.boolData = array
    case .int8, .int16, .int32:
      var array = Milvus_Proto_Schema_IntArray()
      array.data = values.map { if case .int(let number) = $0 { Int32(truncatingIfNeeded: number) } else { 0 } }
      scalars.intData = array
    case .int64:
      var array = Milvus_Proto_Schema_LongArray()
      array.data = values.map { if case .int(let number) = $0 { number } else { 0 } }
      scalars.longData = array
    case .float:
      var array = Milvus_Proto_Schema_FloatArray()
      array.data = values.map { Float($0.numberValue ?? 0) }
      scalars.floatData = array
    case .double:
      var array = Milvus_Proto_Schema_DoubleArray()
      array.data = values.map { $0.numberValue ?? 0 }
      scalars.doubleData = array
    case .varChar:
      var array = Milvus_Proto_Schema_StringArray()
      array.data = values.map { if case .string(let text) = $0 { text } else { "" } }
      scalars.stringData = array
    case .json:
      var array = Milvus_Proto_Schema_JSONArray()
      array.data = values.map { $0.isNull ? Data("null".utf8) : Data($0.jsonValue.jsonText.utf8) }
      scalars.jsonData = array
    case .array:
      var array = Milvus_Proto_Schema_ArrayArray()
      let element = elementType ?? .int64
      array.elementType = MilvusSchema.dataType(element)
      array.data = values.map { value in
        let elements: [Value]
        if case .array(let given) = value { elements = given } else { elements = [] }
        return scalarColumn(type: element, elementType: nil, values: elements)
      }
      scalars.arrayData = array
    case .floatVector:
      break
    }
    return scalars
  }

  /// The values of one column, row by row (`validData` false gives null).
  static func values(of data: Milvus_Proto_Schema_FieldData) -> [Value] {
    var values: [Value]
    switch data.field {
    case .vectors(let vectors):
      let dim = Int(vectors.dim)
      if case .floatVector(let floats) = vectors.data, dim > 0 {
        values = stride(from: 0, to: floats.data.count - dim + 1, by: dim).map {
          .floatVector(Array(floats.data[$0..<$0 + dim]))
        }
      } else {
        values = []
      }
    case .scalars(let scalars):
      values = scalarValues(scalars)
    default:
      values = []
    }
    if !data.validData.isEmpty {
      if values.count == data.validData.count {
        for (index, valid) in data.validData.enumerated() where !valid { values[index] = .null }
      } else {
        // Some servers send only the valid rows' values: spread them over the valid positions.
        var compact = values.makeIterator()
        values = data.validData.map { $0 ? (compact.next() ?? .null) : .null }
      }
    }
    return values
  }

  static func scalarValues(_ scalars: Milvus_Proto_Schema_ScalarField) -> [Value] {
    switch scalars.data {
    case .boolData(let array): return array.data.map(Value.bool)
    case .intData(let array): return array.data.map { .int(Int64($0)) }
    case .longData(let array): return array.data.map(Value.int)
    case .floatData(let array): return array.data.map { .double(Double($0)) }
    case .doubleData(let array): return array.data.map(Value.double)
    case .stringData(let array): return array.data.map(Value.string)
    case .jsonData(let array):
      return array.data.map { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        return (try? JSONValue.parse(text)).map(Value.json) ?? .string(text)
      }
    case .arrayData(let array): return array.data.map { .array(scalarValues($0)) }
    default: return []
    }
  }

  /// Rows from a columnar result, with dynamic keys spread as top-level keys: all of them when
  /// `allDynamic`, otherwise only those named in `wanted`.
  static func rows(from columns: [Milvus_Proto_Schema_FieldData], count: Int, wanted: Set<String>, allDynamic: Bool)
    -> [Row]
  {
    var rows = [Row](repeating: [:], count: count)
    for column in columns {
      let values = values(of: column)
      if column.isDynamic || column.fieldName == CollectionSchema.dynamicFieldName {
        for (index, value) in values.enumerated() where index < count {
          guard case .json(.object(let members)) = value else { continue }
          for (key, member) in members where allDynamic || wanted.contains(key) {
            if rows[index][key] == nil { rows[index][key] = Value(json: member) }
          }
        }
        continue
      }
      for (index, value) in values.enumerated() where index < count { rows[index][column.fieldName] = value }
    }
    return rows
  }

  static func keys(_ ids: Milvus_Proto_Schema_IDs) -> [PrimaryKey] {
    switch ids.idField {
    case .intID(let array): return array.data.map(PrimaryKey.int)
    case .strID(let array): return array.data.map(PrimaryKey.string)
    default: return []
    }
  }

  /// `id in [1, 2]` / `id in ["a", "b"]`: how Milvus addresses entities by key.
  static func keyFilter(_ keys: [PrimaryKey], field: String) -> String {
    let list = keys.map { key -> String in
      switch key {
      case .int(let number): return String(number)
      case .string(let text):
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
          + "\""
      }
    }
    return "\(field) in [\(list.joined(separator: ", "))]"
  }
}
