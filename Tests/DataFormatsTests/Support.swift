import DataFormats
import Foundation
import Model
import Testing

/// A fresh directory for one test's files, removed when the test ends.
final class Scratch {
  let directory: String

  init() throws {
    directory = NSTemporaryDirectory() + "dataformats-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }

  deinit {
    try? FileManager.default.removeItem(atPath: directory)
  }

  /// Writes `text` to `name` and returns its path.
  @discardableResult
  func write(_ name: String, _ text: String) -> String {
    write(name, bytes: Array(text.utf8))
  }

  @discardableResult
  func write(_ name: String, bytes: [UInt8]) -> String {
    let path = directory + "/" + name
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
  }

  func path(_ name: String) -> String { directory + "/" + name }
}

/// A schema with every type: nullable and default fields, dynamic field on by default.
func everyTypeSchema(dynamic: Bool = true, autoID: Bool = false) -> CollectionSchema {
  CollectionSchema(
    name: "items",
    fields: [
      FieldSchema(name: "id", type: .int64, isPrimary: true, autoID: autoID),
      FieldSchema(name: "flag", type: .bool),
      FieldSchema(name: "i8", type: .int8),
      FieldSchema(name: "i16", type: .int16),
      FieldSchema(name: "i32", type: .int32),
      FieldSchema(name: "i64", type: .int64),
      FieldSchema(name: "f32", type: .float),
      FieldSchema(name: "f64", type: .double),
      FieldSchema(name: "title", type: .varChar, maxLength: 64),
      FieldSchema(name: "doc", type: .json),
      FieldSchema(name: "tags", type: .array, maxLength: 16, elementType: .varChar, maxCapacity: 8),
      FieldSchema(name: "nums", type: .array, elementType: .int64, maxCapacity: 8),
      FieldSchema(name: "vec", type: .floatVector, dim: 4),
      FieldSchema(name: "note", type: .varChar, maxLength: 32, nullable: true),
      FieldSchema(name: "rank", type: .int32, defaultValue: .int(7)),
    ],
    enableDynamicField: dynamic)
}

/// Rows in the form the reader produces for `everyTypeSchema()`.
func everyTypeRows() -> [Row] {
  [
    [
      "id": .int(1), "flag": .bool(true), "i8": .int(-128), "i16": .int(32767), "i32": .int(-5),
      "i64": .int(Int64.max), "f32": .double(Double(Float(0.1))), "f64": .double(0.1),
      "title": .string("hello, \"world\"\nbye"),
      "doc": .json(.object(["a": .int(1), "b": .array([.double(1.5), .string("x"), .null])])),
      "tags": .array([.string("red"), .string("blue")]), "nums": .array([.int(1), .int(-2)]),
      "vec": .floatVector([0.1, 0.2, 0.3, 0.4]), "note": .string("n"), "rank": .int(3),
      "color": .string("green"), "score": .double(2.5), "extra": .json(.object(["k": .bool(true)])),
      "count": .int(5),
    ],
    [
      "id": .int(-2), "flag": .bool(false), "i8": .int(127), "i16": .int(-32768), "i32": .int(Int64(Int32.max)),
      "i64": .int(Int64.min), "f32": .double(Double(Float(-3.25e-7))), "f64": .double(-1.0e300),
      "title": .string("tab\there, comma, quote\" and ünïcödé 🎉"), "doc": .json(.string("plain")),
      "tags": .array([]), "nums": .array([.int(Int64.max)]),
      "vec": .floatVector([1e-7, -3.4028235e38, Float.leastNormalMagnitude, 16777216]), "note": .null, "rank": .int(7),
    ],
    [
      "id": .int(3), "flag": .bool(true), "i8": .int(0), "i16": .int(0), "i32": .int(0), "i64": .int(0),
      "f32": .double(0), "f64": .double(123456789.125), "title": .string(""),
      "doc": .json(.array([.int(1), .object(["z": .null])])), "tags": .array([.string("a,b"), .string("\"q\"")]),
      "nums": .array([]), "vec": .floatVector([-0.5, 0, 1, 2.5]), "note": .string(""), "rank": .int(-1),
      "color": .string("blue"),
    ],
  ]
}

/// Reads every row of a file.
func readRows(
  _ path: String, schema: CollectionSchema, format: ImportFormat? = nil, vectorField: String? = nil,
  batch: Int = 1000
) throws -> [Row] {
  var reader = try RowReader(path: path, format: format, schema: schema, vectorField: vectorField)
  return try reader.readAll(batchSize: batch)
}

/// The description of the error reading a file throws (when opening it or reading it to the end).
func importError(
  _ path: String, schema: CollectionSchema, format: ImportFormat? = nil, vectorField: String? = nil
) -> String? {
  do {
    var reader = try RowReader(path: path, format: format, schema: schema, vectorField: vectorField)
    _ = try reader.readAll()
    return nil
  } catch {
    return error.description
  }
}

/// The bytes of a JSON-lines export of `rows`.
func exportText(_ rows: [Row], schema: CollectionSchema?) throws -> String {
  rows.map { JSONLinesWriter.line(for: $0, schema: schema) }.joined(separator: "\n") + "\n"
}

/// Deterministic pseudo-random numbers (SplitMix64).
struct SeededRandom: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
  withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

func littleEndian(_ value: Float) -> [UInt8] { littleEndian(value.bitPattern) }

/// An `.fvecs` file's bytes.
func fvecsBytes(_ vectors: [[Float]]) -> [UInt8] {
  var bytes: [UInt8] = []
  for vector in vectors {
    bytes += littleEndian(Int32(vector.count))
    for component in vector { bytes += littleEndian(component) }
  }
  return bytes
}

/// An `.npy` file's bytes: `header` is the dictionary text, padded as NumPy pads it.
func npyBytes(version: UInt8 = 1, header: String, data: [UInt8]) -> [UInt8] {
  let prefix = version == 1 ? 10 : 12
  var text = header
  while (prefix + text.utf8.count + 1) % 64 != 0 { text += " " }
  text += "\n"
  var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
  if version == 1 {
    bytes += littleEndian(UInt16(text.utf8.count))
  } else {
    bytes += littleEndian(UInt32(text.utf8.count))
  }
  return bytes + Array(text.utf8) + data
}

func npyFloatBytes(_ vectors: [[Float]]) -> [UInt8] {
  vectors.flatMap { $0.flatMap(littleEndian) }
}
