import DataFormats
import Foundation
import Model
import Testing

@Suite struct JSONLinesTests {
  @Test func writerOutputReadsBackToEqualRows() throws {
    let scratch = try Scratch()
    let schema = everyTypeSchema()
    try schema.validate()
    let rows = everyTypeRows()
    let path = scratch.path("export.jsonl")
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try #require(FileHandle(forWritingAtPath: path))
    var writer = JSONLinesWriter(fileHandle: handle, schema: schema, bufferSize: 4096)
    try writer.write(rows)
    try writer.flush()
    try handle.close()
    #expect(writer.rowsWritten == 3)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(Int64(text.utf8.count) == writer.bytesWritten)
    #expect(text.split(separator: "\n").count == 3)
    // Float precision, shortest round trip; integers as integers; dynamic keys at the top level.
    #expect(text.contains("\"vec\":[0.1,0.2,0.3,0.4]"))
    #expect(text.contains("\"f32\":0.1,"))
    #expect(text.contains("\"i64\":9223372036854775807"))
    #expect(text.contains("\"color\":\"green\""))
    #expect(text.contains("\"note\":null"))
    #expect(!text.contains("0.10000000149011612"))

    let read = try readRows(path, schema: schema)
    #expect(read == rows)
    // The same through small batches.
    #expect(try readRows(path, schema: schema, batch: 1) == rows)
  }

  @Test func lineHasSortedKeysAndSpreadsMeta() {
    let row: Row = [
      "vec": .floatVector([0.1, -2, 1e-5]), "id": .int(7), "b": .null,
      "$meta": .json(.object(["z": .int(1), "a": .string("x\"y")])),
    ]
    #expect(
      JSONLinesWriter.line(for: row) == #"{"a":"x\"y","b":null,"id":7,"vec":[0.1,-2.0,1e-05],"z":1}"#)
    // Without the schema a Float field prints its Double; with it, the Float.
    let schema = CollectionSchema(name: "c", fields: [FieldSchema(name: "f", type: .float)])
    #expect(JSONLinesWriter.line(for: ["f": .double(Double(Float(0.1)))]) == #"{"f":0.10000000149011612}"#)
    #expect(JSONLinesWriter.line(for: ["f": .double(Double(Float(0.1)))], schema: schema) == #"{"f":0.1}"#)
    #expect(JSONLinesWriter.line(for: ["s": .string("a\u{1}\n\\")]) == #"{"s":"a\u0001\n\\"}"#)
  }

  @Test func randomFloatsRoundTripExactly() throws {
    let scratch = try Scratch()
    let schema = CollectionSchema(
      name: "c",
      fields: [
        FieldSchema(name: "id", type: .int64, isPrimary: true),
        FieldSchema(name: "v", type: .floatVector, dim: 16),
      ])
    var random = SeededRandom(seed: 42)
    var rows: [Row] = []
    for id in 0..<2000 {
      var vector: [Float] = []
      for _ in 0..<16 {
        var value = Float(bitPattern: UInt32(truncatingIfNeeded: random.next()))
        while !value.isFinite { value = Float(bitPattern: UInt32(truncatingIfNeeded: random.next())) }
        vector.append(id % 2 == 0 ? value : Float.random(in: -1...1, using: &random))
      }
      rows.append(["id": .int(Int64(id)), "v": .floatVector(vector)])
    }
    let path = scratch.write("floats.jsonl", try exportText(rows, schema: schema))
    let read = try readRows(path, schema: schema)
    #expect(read.count == rows.count)
    for (got, want) in zip(read, rows) {
      guard case .floatVector(let a)? = got["v"], case .floatVector(let b)? = want["v"] else {
        Issue.record("not a vector")
        return
      }
      #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
    }
  }

  @Test func missingNullableAndDefaultFieldsAreFilled() throws {
    let scratch = try Scratch()
    let schema = everyTypeSchema(dynamic: false)
    let base =
      #""id": 1, "flag": true, "i8": 1, "i16": 2, "i32": 3, "i64": 4, "f32": 0.5, "f64": 0.25, "title": "t", "doc": {}, "tags": [], "nums": [1.0], "vec": [1, 2, 3, 4]"#
    let path = scratch.write(
      "rows.jsonl",
      "{\(base)}\n\n  \r\n{\(base), \"note\": null, \"rank\": null}\r\n{\(base), \"note\": \"x\", \"rank\": 9}")
    let rows = try readRows(path, schema: schema)
    #expect(rows.count == 3)
    #expect(rows[0]["note"] == .null)
    #expect(rows[0]["rank"] == .int(7))
    #expect(rows[1]["note"] == .null)
    #expect(rows[1]["rank"] == .int(7))
    #expect(rows[2]["note"] == .string("x"))
    #expect(rows[2]["rank"] == .int(9))
    #expect(rows[0]["nums"] == .array([.int(1)]))
    #expect(rows[0]["f32"] == .double(0.5))
    #expect(rows[0]["vec"] == .floatVector([1, 2, 3, 4]))
    #expect(rows[0].count == schema.fields.count)
  }

  @Test func autoIDCollectionsTakeRowsWithoutTheKey() throws {
    let scratch = try Scratch()
    let schema = CollectionSchema(
      name: "c",
      fields: [
        FieldSchema(name: "pk", type: .int64, isPrimary: true, autoID: true),
        FieldSchema(name: "v", type: .floatVector, dim: 2),
      ])
    let path = scratch.write("a.jsonl", "{\"v\": [1, 2]}\n")
    #expect(try readRows(path, schema: schema) == [["v": .floatVector([1, 2])]])
  }

  @Test func metaObjectSpreadsIntoDynamicKeys() throws {
    let scratch = try Scratch()
    let schema = CollectionSchema(
      name: "c",
      fields: [
        FieldSchema(name: "id", type: .varChar, isPrimary: true, maxLength: 8),
        FieldSchema(name: "v", type: .floatVector, dim: 2),
      ], enableDynamicField: true)
    let path = scratch.write(
      "m.jsonl",
      """
      {"id": "a", "v": [1, 2], "$meta": {"x": 1, "y": [1, "b"], "top": "meta"}, "top": "given"}
      {"id": "b", "v": [1, 2], "$meta": null}
      """)
    let rows = try readRows(path, schema: schema)
    #expect(
      rows[0] == [
        "id": .string("a"), "v": .floatVector([1, 2]), "x": .int(1), "y": .json(.array([.int(1), .string("b")])),
        "top": .string("given"),
      ])
    #expect(rows[1] == ["id": .string("b"), "v": .floatVector([1, 2])])
  }

  @Test func jsonArrayFilesAndRowsWrapper() throws {
    let scratch = try Scratch()
    let schema = everyTypeSchema()
    let rows = everyTypeRows()
    let objects = rows.map { JSONLinesWriter.line(for: $0, schema: schema) }
    let pretty = "\u{FEFF}[\n  " + objects.joined(separator: ",\n  ") + "\n]\n"
    let array = scratch.write("rows.json", pretty)
    #expect(try readRows(array, schema: schema) == rows)
    #expect(try readRows(array, schema: schema, batch: 2) == rows)
    let wrapped = scratch.write("bulk.json", "{\n \"rows\" : [" + objects.joined(separator: ",") + "] }")
    #expect(try readRows(wrapped, schema: schema) == rows)
    let empty = scratch.write("empty.json", " [ ] ")
    #expect(try readRows(empty, schema: schema).isEmpty)
    // A .json file may also hold JSON lines.
    let lines = scratch.write("lines.json", objects.joined(separator: "\n"))
    #expect(try readRows(lines, schema: schema) == rows)
  }

  @Test func jsonArrayErrorsNameTheLine() throws {
    let scratch = try Scratch()
    let schema = CollectionSchema(
      name: "c",
      fields: [
        FieldSchema(name: "id", type: .int64, isPrimary: true),
        FieldSchema(name: "v", type: .floatVector, dim: 2),
      ])
    let dim = scratch.write("d.json", "[\n{\"id\": 1, \"v\": [1, 2]},\n{\"id\": 2,\n \"v\": [1]}\n]")
    #expect(
      importError(dim, schema: schema)
        == "\(dim) line 3: the dim (1) of field data(v) is not equal to schema dim (2)")
    let syntax = scratch.write("s.json", "[\n  {\"id\": 1, \"v\": [1, 2]},\n  {\"id\": 2, \"v\": [1 2]}\n]")
    #expect(
      importError(syntax, schema: schema)
        == "\(syntax) line 3: invalid JSON: expected ',' or ']' in JSON array at column 21")
    let scalar = scratch.write("n.json", "[{\"id\": 1, \"v\": [1, 2]}, 5]")
    #expect(
      importError(scalar, schema: schema) == "\(scalar) line 1: each element of the JSON array should be a JSON object")
    let unclosed = scratch.write("u.json", "[{\"id\": 1, \"v\": [1, 2]}\n")
    #expect(
      importError(unclosed, schema: schema)
        == "\(unclosed) line 2: unexpected end of JSON: the array is not closed with ']'")
    let trailing = scratch.write("t.json", "[{\"id\": 1, \"v\": [1, 2]}] x")
    #expect(
      importError(trailing, schema: schema) == "\(trailing) line 1: invalid JSON: unexpected text after the JSON array")
  }

  @Test func badRowsNameTheLineAndProblem() throws {
    let scratch = try Scratch()
    let good =
      #"{"id": 1, "flag": true, "i8": 1, "i16": 2, "i32": 3, "i64": 4, "f32": 0.5, "f64": 0.25, "title": "t", "doc": {}, "tags": [], "nums": [], "vec": [1, 2, 3, 4]}"#
    func check(
      _ badLine: String, _ message: String, schema: CollectionSchema? = nil,
      sourceLocation: SourceLocation = #_sourceLocation
    ) {
      let lines = Array(repeating: good, count: 16) + [badLine, good]
      let path = scratch.write("rows.jsonl", lines.joined(separator: "\n"))
      #expect(
        importError(path, schema: schema ?? everyTypeSchema(dynamic: false)) == "\(path) line 17: \(message)",
        sourceLocation: sourceLocation)
    }
    func replacing(_ old: String, _ new: String) -> String { good.replacingOccurrences(of: old, with: new) }
    check(replacing("[1, 2, 3, 4]", "[1, 2, 3]"), "the dim (3) of field data(vec) is not equal to schema dim (4)")
    check(
      replacing("[1, 2, 3, 4]", "[1, 2, \"x\", 4]"),
      "the value for field vec should be FloatVector(4), got a JSON value")
    check(replacing("[1, 2, 3, 4]", "[1, 2, 3, NaN]"), "the vector of field vec contains NaN or infinity")
    check(replacing("\"i8\": 1", "\"i8\": 300"), "the value 300 of field i8 is out of range for Int8")
    check(replacing("\"i32\": 3", "\"i32\": 3.5"), "the value for field i32 should be Int32, got a number")
    check(replacing("\"flag\": true", "\"flag\": \"yes\""), "the value for field flag should be Bool, got a string")
    check(
      replacing("\"title\": \"t\"", "\"title\": 5"), "the value for field title should be VarChar(64), got an integer")
    check(replacing("\"tags\": []", "\"tags\": [1]"), "the value for field tags should be VarChar(16), got an integer")
    check(
      replacing("\"nums\": []", "\"nums\": [1,2,3,4,5,6,7,8,9]"),
      "the array length (9) of field nums exceeds max capacity (8)")
    check(replacing("\"f64\": 0.25", "\"f64\": null"), "field f64 is not nullable but got null")
    check(replacing("\"f64\": 0.25, ", ""), "missing field f64: it is not nullable and has no default value")
    check(replacing("\"i8\": 1", "\"i8\": 1, \"xyz\": 2"), "field 'xyz' is not in the schema of collection items")
    check(replacing("\"i8\": 1", "\"i8\": 1, \"$meta\": {}"), "field '$meta' is not in the schema of collection items")
    check("[1, 2]", "expected a JSON object, found an array")
    check(#"{"id": 3,, "flag": true}"#, "invalid JSON: expected a string key in JSON object at column 10")
    check(String(good.dropLast()), "invalid JSON: unexpected end of JSON at column \(good.count)")
    let quoteOfT = try #require(good.range(of: "\"t\"")).lowerBound.utf16Offset(in: good)
    check(replacing("\"t\"", "\"t\\q\""), "invalid JSON: invalid escape in JSON string at column \(quoteOfT + 4)")
    check(
      replacing("\"id\": 1", "\"id\": 1, \"$meta\": {\"title\": 1}"),
      "the key 'title' in $meta is the name of a field of collection items", schema: everyTypeSchema(dynamic: true))
    check(
      replacing("\"id\": 1", "\"id\": 1, \"$meta\": 5"), "the value of $meta should be a JSON object, got an integer",
      schema: everyTypeSchema(dynamic: true))
    let autoID = scratch.write("auto.jsonl", good.replacingOccurrences(of: "\"id\": 1, ", with: "") + "\n" + good)
    #expect(
      importError(autoID, schema: everyTypeSchema(autoID: true))
        == "\(autoID) line 2: the primary key field id is auto_id, do not supply it")
    // A syntax error later in the line wins over a bad value before it.
    check(
      String(replacing("\"i8\": 1", "\"i8\": 300").dropLast()),
      "invalid JSON: unexpected end of JSON at column \(good.count + 2)")
  }

  @Test func fastParserAgreesWithModelParser() throws {
    let scratch = try Scratch()
    let schema = CollectionSchema(
      name: "c",
      fields: [
        FieldSchema(name: "id", type: .int64, isPrimary: true),
        FieldSchema(name: "v", type: .floatVector, dim: 2),
        FieldSchema(name: "j", type: .json),
      ])
    let values = [
      #""\u00e9\ud83c\udf89\n\t\"\/\\""#, #"[1e2, -0, -0.0, 0.5e-3, 1E+2, 12345678901234567890, -9223372036854775808]"#,
      #"{"a": {"b": [true, false, null, NaN, -Infinity]}, "a": 2}"#, "9007199254740993", "1.7976931348623157e308",
      "4.9e-324", "01", "\"caf\u{00E9} \u{1F600}\"", "123456789.123456789", "0.30000000000000004",
    ]
    var lines: [String] = []
    for (index, value) in values.enumerated() {
      lines.append("{\"id\": \(index), \"v\": [0.1, 2e-3], \"j\": \(value)}")
    }
    let path = scratch.write("p.jsonl", lines.joined(separator: "\n"))
    let rows = try readRows(path, schema: schema)
    for (row, value) in zip(rows, values) {
      let expected = try JSONValue.parse(value)
      #expect(row["j"] == .json(expected), "\(value)")
      #expect(row["j"]?.jsonValue.jsonText == expected.jsonText, "\(value)")
    }
    #expect(rows.first?["v"] == .floatVector([Float(0.1), Float(2e-3)]))
    // Vectors of integers and of big or long numbers are read as Double, then Float.
    let vectors = ["[1, -2]", "[12345678901234567890, 1e-50]", "[0.1234567890123456789, 3.4028235e38]"]
    let vectorPath = scratch.write(
      "v.jsonl",
      vectors.enumerated().map { "{\"id\": \($0.offset), \"v\": \($0.element), \"j\": 0}" }.joined(separator: "\n"))
    let vectorRows = try readRows(vectorPath, schema: schema)
    for (row, text) in zip(vectorRows, vectors) {
      guard case .array(let elements) = try JSONValue.parse(text) else { continue }
      #expect(row["v"] == .floatVector(elements.map { Float($0.numberValue!) }), "\(text)")
    }
  }
}
