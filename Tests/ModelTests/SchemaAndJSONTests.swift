import XCTest

@testable import Model

final class SchemaAndJSONTests: XCTestCase {
  func testJSONRoundTripKeepsIntegersAndEscapes() throws {
    let text =
      #"{"a": 9007199254740993, "b": -1.5e-3, "c": "tab\tquote\" é 😀 \u00e9", "d": [true, false, null], "e": {}}"#
    let value = try JSONValue.parse(text)
    XCTAssertEqual(value["a"], .int(9_007_199_254_740_993))
    XCTAssertEqual(value["b"], .double(-0.0015))
    XCTAssertEqual(value["c"], .string("tab\tquote\" é 😀 é"))
    XCTAssertEqual(try JSONValue.parse(value.jsonText), value)
    XCTAssertEqual(try JSONValue.parse(value.prettyJSONText), value)
  }

  func testJSONErrorsHaveLineAndColumn() {
    XCTAssertThrowsError(try JSONValue.parse("{\n  \"a\": [1, 2,,]\n}")) { error in
      let syntax = error as! JSONSyntaxError
      XCTAssertEqual(syntax.line, 2)
      XCTAssertEqual(syntax.column, 14)
    }
    for bad in ["", "{", "[1 2]", "\"abc", "tru", "{\"a\" 1}", "01x", "[1,]x"] {
      XCTAssertThrowsError(try JSONValue.parse(bad), bad)
    }
  }

  /// The shape of pymilvus's describe_collection(), as json.dumps prints it (types as numbers).
  func testSchemaReadsPymilvusDescribeOutput() throws {
    let pymilvus = """
      {"collection_name": "books", "auto_id": false, "num_shards": 1, "description": "",
       "fields": [
         {"field_id": 100, "name": "id", "description": "", "type": 5, "params": {}, "is_primary": true, "auto_id": true},
         {"field_id": 101, "name": "embedding", "description": "", "type": 101, "params": {"dim": 768}},
         {"field_id": 102, "name": "title", "description": "", "type": 21, "params": {"max_length": 512}},
         {"field_id": 103, "name": "tags", "description": "", "type": 22, "params": {"max_length": 64, "max_capacity": 16}, "element_type": 21},
         {"field_id": 104, "name": "year", "description": "", "type": "INT16", "params": {}, "nullable": true, "default_value": 2000},
         {"field_id": 105, "name": "shop", "description": "", "type": "VARCHAR", "params": {"max_length": 32}, "is_partition_key": true}
       ],
       "functions": [], "aliases": [], "collection_id": 453, "consistency_level": 2, "properties": {},
       "num_partitions": 16, "enable_dynamic_field": true}
      """
    let schema = try CollectionSchema(describeJSON: try JSONValue.parse(pymilvus))
    try schema.validate()
    XCTAssertEqual(schema.name, "books")
    XCTAssertTrue(schema.enableDynamicField)
    XCTAssertEqual(schema.primaryField?.autoID, true)
    XCTAssertEqual(schema.field(named: "embedding")?.dim, 768)
    XCTAssertEqual(schema.field(named: "tags")?.elementType, .varChar)
    XCTAssertEqual(schema.field(named: "tags")?.maxCapacity, 16)
    XCTAssertEqual(schema.field(named: "year")?.defaultValue, .int(2000))
    XCTAssertEqual(schema.partitionKeyField?.name, "shop")
    // And back: our JSON reads as the same schema.
    XCTAssertEqual(try CollectionSchema(describeJSON: schema.describeJSON()), schema)
    XCTAssertEqual(schema.describeJSON()["fields"]?[1]?["type"], .string("FLOAT_VECTOR"))
  }

  func testSchemaValidationFollowsMilvus() {
    func error(_ fields: [FieldSchema], name: String = "c") -> String {
      do {
        try CollectionSchema(name: name, fields: fields).validate()
        return "valid"
      } catch {
        return error.description
      }
    }
    let id = FieldSchema(name: "id", type: .int64, isPrimary: true)
    let vector = FieldSchema(name: "v", type: .floatVector, dim: 4)
    XCTAssertEqual(error([id, vector]), "valid")
    XCTAssertTrue(error([id]).contains("vector field"))
    XCTAssertTrue(error([vector]).contains("no primary key"))
    XCTAssertTrue(error([id, FieldSchema(name: "v", type: .floatVector)]).contains("dim"))
    XCTAssertTrue(error([id, vector, FieldSchema(name: "s", type: .varChar)]).contains("max_length"))
    XCTAssertTrue(error([id, vector, vector]).contains("duplicated field name"))
    XCTAssertTrue(error([id, vector], name: "1bad").contains("first character"))
    XCTAssertTrue(error([FieldSchema(name: "id", type: .float, isPrimary: true), vector]).contains("Int64 or VarChar"))
  }

  func testCoercionChecksRangesLengthsAndDims() {
    let int8 = FieldSchema(name: "small", type: .int8)
    XCTAssertEqual(try FieldSchema.coerce(.int(100), to: int8), .int(100))
    XCTAssertThrowsError(try FieldSchema.coerce(.int(300), to: int8))
    let text = FieldSchema(name: "t", type: .varChar, maxLength: 3)
    XCTAssertThrowsError(try FieldSchema.coerce(.string("abcd"), to: text))
    XCTAssertEqual(try FieldSchema.coerce(.string("漢"), to: text), .string("漢"))
    let vector = FieldSchema(name: "v", type: .floatVector, dim: 2)
    XCTAssertEqual(try FieldSchema.coerce(.json(.array([.int(1), .double(0.5)])), to: vector), .floatVector([1, 0.5]))
    XCTAssertThrowsError(try FieldSchema.coerce(.floatVector([1]), to: vector))
    let nullable = FieldSchema(name: "n", type: .double, nullable: true)
    XCTAssertEqual(try FieldSchema.coerce(.null, to: nullable), .null)
    let defaulted = FieldSchema(name: "d", type: .int32, defaultValue: .int(7))
    XCTAssertEqual(try FieldSchema.coerce(.null, to: defaulted), .int(7))
    XCTAssertThrowsError(try FieldSchema.coerce(.null, to: int8))
  }

  func testDisplayWidthCountsWideCharactersTwice() {
    XCTAssertEqual(DisplayWidth.of("abc"), 3)
    XCTAssertEqual(DisplayWidth.of("漢字"), 4)
    XCTAssertEqual(DisplayWidth.of("😀"), 2)
    XCTAssertEqual(DisplayWidth.of("e\u{301}"), 1)
    XCTAssertEqual(DisplayWidth.pad("漢字テスト", to: 5), "漢字…")
    XCTAssertEqual(DisplayWidth.of(DisplayWidth.pad("漢字テスト", to: 6)), 6)
  }
}
