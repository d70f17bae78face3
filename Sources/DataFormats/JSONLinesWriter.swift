import Foundation
import Model

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes rows as JSON lines: one JSON object per row, keys sorted, buffered.
///
/// Vectors are arrays of numbers printed at `Float` precision, shortest round trip (`0.1`, not
/// `0.10000000149011612`); integers print as integers; dynamic keys are top-level keys, like
/// pymilvus's query results (a `$meta` object in a row is spread into top-level keys); null is
/// `null`. Given the schema, `Float` fields (and `Array<Float>` elements) also print at `Float`
/// precision. Non-finite numbers print as `null`, as `JSONValue.jsonText` does. `RowReader`
/// reads the output back to equal rows.
///
/// Call `flush()` when done: the writer does not own the file and does not close it.
public struct JSONLinesWriter: Sendable {
  private let fd: Int32
  private let floatFields: Set<String>
  private let bufferSize: Int
  private var buffer: [UInt8] = []
  /// Rows written (including rows still in the buffer).
  public private(set) var rowsWritten = 0
  /// Bytes handed to the operating system so far.
  public private(set) var bytesWritten: Int64 = 0

  /// A writer to an open file descriptor; `schema` (optional) lets `Float` fields print at `Float` precision.
  public init(fileDescriptor: Int32, schema: CollectionSchema? = nil, bufferSize: Int = 1 << 20) {
    self.fd = fileDescriptor
    self.floatFields = Self.floatFields(of: schema)
    self.bufferSize = max(4096, bufferSize)
    buffer.reserveCapacity(self.bufferSize + 4096)
  }

  /// A writer to an open `FileHandle` (which must stay open while writing).
  public init(fileHandle: FileHandle, schema: CollectionSchema? = nil, bufferSize: Int = 1 << 20) {
    self.init(fileDescriptor: fileHandle.fileDescriptor, schema: schema, bufferSize: bufferSize)
  }

  /// Appends one row as a line; writes the buffer out when it is full.
  public mutating func write(_ row: Row) throws(VectorError) {
    RowEncoder.encode(row, floatFields: floatFields, into: &buffer)
    buffer.append(0x0A)
    rowsWritten += 1
    if buffer.count >= bufferSize { try flush() }
  }

  /// Appends rows, one line each.
  public mutating func write(_ rows: [Row]) throws(VectorError) {
    for row in rows { try write(row) }
  }

  /// Writes out everything buffered.
  public mutating func flush() throws(VectorError) {
    var offset = 0
    let count = buffer.count
    let failure: String? = buffer.withUnsafeBytes { bytes in
      while offset < count {
        let written = writeToFile(fd, bytes.baseAddress! + offset, count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          return String(cString: strerror(errno))
        }
        offset += written
      }
      return nil
    }
    bytesWritten += Int64(offset)
    buffer.removeFirst(offset)
    if let failure { throw .io("cannot write the export file: \(failure)") }
  }

  /// One row as a line of JSON (without the line break), as the writer writes it.
  public static func line(for row: Row, schema: CollectionSchema? = nil) -> String {
    var bytes: [UInt8] = []
    RowEncoder.encode(row, floatFields: floatFields(of: schema), into: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  private static func floatFields(of schema: CollectionSchema?) -> Set<String> {
    Set(
      (schema?.fields ?? []).filter { $0.type == .float || ($0.type == .array && $0.elementType == .float) }.map(
        \.name))
  }
}

@inline(__always)
private func writeToFile(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
  write(fd, pointer, count)
}

/// Row and JSON encoding into UTF-8 bytes.
enum RowEncoder {
  static func encode(_ row: Row, floatFields: Set<String>, into out: inout [UInt8]) {
    var entries = row
    if case .json(.object(let meta))? = row[CollectionSchema.dynamicFieldName] {
      entries[CollectionSchema.dynamicFieldName] = nil
      for (key, value) in meta where entries[key] == nil { entries[key] = Value(json: value) }
    }
    out.append(0x7B)
    var first = true
    for key in entries.keys.sorted() {
      if !first { out.append(0x2C) }
      first = false
      writeString(key, into: &out)
      out.append(0x3A)
      writeValue(entries[key]!, asFloat: floatFields.contains(key), into: &out)
    }
    out.append(0x7D)
  }

  static func writeValue(_ value: Value, asFloat: Bool, into out: inout [UInt8]) {
    switch value {
    case .null: out.append(contentsOf: "null".utf8)
    case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
    case .int(let integer): out.append(contentsOf: String(integer).utf8)
    case .double(let number):
      if asFloat, let single = Float(exactly: number) {
        writeFloat(single, into: &out)
      } else {
        writeDouble(number, into: &out)
      }
    case .string(let text): writeString(text, into: &out)
    case .json(let json): writeJSON(json, into: &out)
    case .array(let elements):
      out.append(0x5B)
      for (offset, element) in elements.enumerated() {
        if offset > 0 { out.append(0x2C) }
        writeValue(element, asFloat: asFloat, into: &out)
      }
      out.append(0x5D)
    case .floatVector(let vector):
      out.append(0x5B)
      for (offset, component) in vector.enumerated() {
        if offset > 0 { out.append(0x2C) }
        writeFloat(component, into: &out)
      }
      out.append(0x5D)
    }
  }

  static func writeFloat(_ value: Float, into out: inout [UInt8]) {
    if value.isFinite {
      out.append(contentsOf: value.description.utf8)
    } else {
      out.append(contentsOf: "null".utf8)
    }
  }

  static func writeDouble(_ value: Double, into out: inout [UInt8]) {
    if value.isFinite {
      out.append(contentsOf: value.description.utf8)
    } else {
      out.append(contentsOf: "null".utf8)
    }
  }

  static func writeJSON(_ value: JSONValue, into out: inout [UInt8]) {
    switch value {
    case .null: out.append(contentsOf: "null".utf8)
    case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
    case .int(let integer): out.append(contentsOf: String(integer).utf8)
    case .double(let number): writeDouble(number, into: &out)
    case .string(let text): writeString(text, into: &out)
    case .array(let elements):
      out.append(0x5B)
      for (offset, element) in elements.enumerated() {
        if offset > 0 { out.append(0x2C) }
        writeJSON(element, into: &out)
      }
      out.append(0x5D)
    case .object(let members):
      out.append(0x7B)
      for (offset, key) in members.keys.sorted().enumerated() {
        if offset > 0 { out.append(0x2C) }
        writeString(key, into: &out)
        out.append(0x3A)
        writeJSON(members[key]!, into: &out)
      }
      out.append(0x7D)
    }
  }

  static func writeString(_ text: String, into out: inout [UInt8]) {
    out.append(0x22)
    for byte in text.utf8 {
      switch byte {
      case 0x22: out.append(contentsOf: [0x5C, 0x22])
      case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
      case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
      case 0x0D: out.append(contentsOf: [0x5C, 0x72])
      case 0x09: out.append(contentsOf: [0x5C, 0x74])
      case 0..<0x20:
        let hex = { (digit: UInt8) -> UInt8 in digit < 10 ? 0x30 + digit : 0x61 + digit - 10 }
        out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex(byte >> 4), hex(byte & 0xF)])
      default: out.append(byte)
      }
    }
    out.append(0x22)
  }
}
