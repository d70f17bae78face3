import DataFormats
import Foundation
import Model
import Testing

/// CSV text for rows: strings quoted (quotes doubled), vectors, JSON and arrays as quoted JSON text.
func csvText(_ rows: [Row], columns: [String], floatColumns: Set<String> = [], lineEnding: String = "\r\n") -> String {
  func quote(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
  var lines = [columns.joined(separator: ",")]
  for row in rows {
    let cells = columns.map { column -> String in
      switch row[column] {
      case nil, .null?: return ""
      case .string(let text)?: return quote(text)
      case .bool(let flag)?: return flag ? "TRUE" : "false"
      case .int(let integer)?: return String(integer)
      case .double(let number)?: return floatColumns.contains(column) ? Float(number).description : number.description
      case .floatVector(let vector)?: return quote("[" + vector.map(\.description).joined(separator: ", ") + "]")
      case .json(let json)?: return quote(json.jsonText)
      case .array?: return quote(row[column]!.jsonValue.jsonText)
      }
    }
    lines.append(cells.joined(separator: ","))
  }
  return lines.joined(separator: lineEnding) + lineEnding
}

@Suite struct CSVTests {
  static let columns = [
    "id", "flag", "i8", "i16", "i32", "i64", "f32", "f64", "title", "doc", "tags", "nums", "vec", "note", "rank",
    "color", "score", "extra", "count",
  ]

  @Test func everyTypeRoundTrips() throws {
    let scratch = try Scratch()
    let rows = everyTypeRows()
    for ending in ["\r\n", "\n"] {
      let path = scratch.write(
        "data.csv", csvText(rows, columns: Self.columns, floatColumns: ["f32"], lineEnding: ending))
      #expect(try readRows(path, schema: everyTypeSchema()) == rows)
      #expect(try readRows(path, schema: everyTypeSchema(), batch: 1) == rows)
    }
  }

  static let smallSchema = CollectionSchema(
    name: "c",
    fields: [
      FieldSchema(name: "id", type: .int64, isPrimary: true),
      FieldSchema(name: "title", type: .varChar, maxLength: 64),
      FieldSchema(name: "vec", type: .floatVector, dim: 4),
      FieldSchema(name: "note", type: .varChar, maxLength: 16, nullable: true),
      FieldSchema(name: "flag", type: .bool),
      FieldSchema(name: "rank", type: .int16, defaultValue: .int(7)),
    ])

  @Test func quotingEdgeCases() throws {
    let scratch = try Scratch()
    let text =
      "\u{FEFF}id, title ,vec,note,flag,rank\r\n"
      + "1,\"a \"\"quoted\"\" word\",\"[1,2,3,4]\",,True,\r\n"
      + "2,\"multi\nline, with comma\r\n\",\" [0.5, 0.25, 0, -1] \",\"\",FALSE, 3 \r\n"
      + "\r\n"
      + "3,plain \"text\",\"[1e-3,2,3,4]\",x,true,\n"
      + "4,\"\"\"\",\"[1,2,3,4]\",\"a,\"\"b\"\"\",false,-2"
    let path = scratch.write("edge.csv", text)
    let rows = try readRows(path, schema: Self.smallSchema)
    #expect(
      rows == [
        [
          "id": .int(1), "title": .string("a \"quoted\" word"), "vec": .floatVector([1, 2, 3, 4]), "note": .null,
          "flag": .bool(true), "rank": .int(7),
        ],
        [
          "id": .int(2), "title": .string("multi\nline, with comma\r\n"), "vec": .floatVector([0.5, 0.25, 0, -1]),
          "note": .string(""), "flag": .bool(false), "rank": .int(3),
        ],
        [
          "id": .int(3), "title": .string("plain \"text\""), "vec": .floatVector([1e-3, 2, 3, 4]),
          "note": .string("x"), "flag": .bool(true), "rank": .int(7),
        ],
        [
          "id": .int(4), "title": .string("\""), "vec": .floatVector([1, 2, 3, 4]), "note": .string("a,\"b\""),
          "flag": .bool(false), "rank": .int(-2),
        ],
      ])
  }

  @Test func headerMayOmitNullableAndDefaultFields() throws {
    let scratch = try Scratch()
    let path = scratch.write("h.csv", "vec,flag,title,id\n\"[1,2,3,4]\",false,t,9")
    #expect(
      try readRows(path, schema: Self.smallSchema) == [
        [
          "id": .int(9), "title": .string("t"), "vec": .floatVector([1, 2, 3, 4]), "note": .null, "flag": .bool(false),
          "rank": .int(7),
        ]
      ])
    // An empty cell of a VarChar field that is neither nullable nor has a default is "".
    let emptyTitle = scratch.write("t.csv", "id,title,vec,flag,note\n1,,\"[1,2,3,4]\",true,\n")
    let titled = try readRows(emptyTitle, schema: Self.smallSchema)
    #expect(titled.first?["title"] == .string(""))
    #expect(titled.first?["note"] == .null)
    let empty = scratch.write("empty.csv", "")
    #expect(try readRows(empty, schema: Self.smallSchema).isEmpty)
    let headerOnly = scratch.write("header.csv", "id,title,vec,flag\r\n")
    #expect(try readRows(headerOnly, schema: Self.smallSchema).isEmpty)
  }

  @Test func dynamicColumnsAndMeta() throws {
    let scratch = try Scratch()
    var schema = Self.smallSchema
    schema.enableDynamicField = true
    let path = scratch.write(
      "d.csv",
      "id,title,vec,flag,city,n,$meta\n1,t,\"[1,2,3,4]\",true,Paris,42,\"{\"\"k\"\": [1]}\"\n2,t,\"[1,2,3,4]\",true,,\"[1]\",\n"
    )
    let rows = try readRows(path, schema: schema)
    #expect(rows[0]["city"] == .string("Paris"))
    #expect(rows[0]["n"] == .int(42))
    #expect(rows[0]["k"] == .json(.array([.int(1)])))
    #expect(rows[1]["city"] == nil)
    #expect(rows[1]["n"] == .json(.array([.int(1)])))
    #expect(rows[1].count == 7)
  }

  @Test func badInputNamesTheLine() throws {
    let scratch = try Scratch()
    let header = "id,title,vec,flag\n"
    let good = "1,t,\"[1,2,3,4]\",true\n"
    // Line 3 holds a record that spans lines 3 and 4, so the bad record is on line 5.
    let multi = "2,\"two\nlines\",\"[1,2,3,4]\",false\n"
    func check(
      _ bad: String, _ message: String, header: String = header, sourceLocation: SourceLocation = #_sourceLocation
    ) {
      let path = scratch.write("data.csv", header + good + multi + bad + good)
      #expect(
        importError(path, schema: Self.smallSchema) == "\(path) line 5: \(message)", sourceLocation: sourceLocation)
    }
    check("3,t,\"[1,2,3,4]\"\n", "expected 4 columns, found 3")
    check("3,t,\"[1,2,3,4]\",true,\n", "expected 4 columns, found 5")
    check("3,t,\"[1,2,3]\",true\n", "the dim (3) of field data(vec) is not equal to schema dim (4)")
    check("3,t,\"[1,2,3,4\",true\n", "invalid JSON in column vec: unexpected end of JSON at column 9")
    check("3,t,[1,true\n", "invalid JSON in column vec: unexpected end of JSON at column 3")
    check("3,t,\"[1,2,3,4]\",yes\n", "the value for field flag should be Bool, got a string")
    check("3,t,\"[1,2,3,4]\",\n", "field flag is not nullable but got null")
    check("x,t,\"[1,2,3,4]\",true\n", "the value for field id should be Int64, got a string")
    check("3,t,\"[1,2,3,4]\",true,,\n", "expected 4 columns, found 6")
    check("3,\"t\"x,\"[1,2,3,4]\",true\n", "unexpected character after the closing quote of column 2")
    check(
      "3,\(String(repeating: "é", count: 33)),\"[1,2,3,4]\",true\n",
      "the length (66) of field title exceeds max length (64)")

    func headerError(
      _ header: String, schema: CollectionSchema = Self.smallSchema, _ message: String,
      sourceLocation: SourceLocation = #_sourceLocation
    ) {
      let path = scratch.write("header.csv", header + "\n")
      #expect(importError(path, schema: schema) == "\(path) line 1: \(message)", sourceLocation: sourceLocation)
    }
    headerError("id,title,vec,flag,xyz", "field 'xyz' is not in the schema of collection c")
    headerError("id,title,flag", "missing field vec: it is not nullable and has no default value")
    headerError("id,title,vec,flag,id", "column 'id' appears twice in the header")
    var autoID = Self.smallSchema
    autoID.fields[0].autoID = true
    headerError("id,title,vec,flag", schema: autoID, "the primary key field id is auto_id, do not supply it")
    headerError("title,vec,flag", "missing field id: it is not nullable and has no default value")

    let unterminated = scratch.write("u.csv", header + good + "2,\"never closed,[1,2,3,4],true\n3,t\n")
    #expect(
      importError(unterminated, schema: Self.smallSchema)
        == "\(unterminated) line 3: a quoted cell is not closed before the end of the file")
  }
}
