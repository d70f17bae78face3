/// A JSON syntax error with the 1-based line and column where it was found.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
  public var message: String
  public var line: Int
  public var column: Int

  public var description: String { "\(message) at line \(line), column \(column)" }
}

extension JSONValue {
  /// Parses one JSON document (RFC 8259). Integers that fit `Int64` stay integers.
  public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
    var copy = text
    let result: Result<JSONValue, JSONSyntaxError> = copy.withUTF8 { bytes in
      var parser = JSONParser(bytes: bytes)
      do throws(JSONSyntaxError) {
        return .success(try parser.parseDocument())
      } catch {
        return .failure(error)
      }
    }
    return try result.get()
  }

  /// Parses one JSON document from UTF-8 bytes.
  public static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSONValue {
    var parser = JSONParser(bytes: bytes)
    return try parser.parseDocument()
  }

  /// Compact JSON text; object keys are sorted so that output is stable.
  public var jsonText: String {
    var out = ""
    write(to: &out, indent: nil, level: 0)
    return out
  }

  /// Indented JSON text (two spaces), keys sorted.
  public var prettyJSONText: String {
    var out = ""
    write(to: &out, indent: "  ", level: 0)
    return out
  }

  /// Appends this value's JSON text to `out`; `indent` nil means compact.
  public func write(to out: inout String, indent: String?, level: Int) {
    switch self {
    case .null: out += "null"
    case .bool(let value): out += value ? "true" : "false"
    case .int(let value): out += String(value)
    case .double(let value): out += JSONValue.format(value)
    case .string(let value): JSONValue.writeString(value, to: &out)
    case .array(let elements):
      if elements.isEmpty {
        out += "[]"
        return
      }
      out += "["
      for (offset, element) in elements.enumerated() {
        if offset > 0 { out += "," }
        if let indent { out += "\n" + String(repeating: indent, count: level + 1) }
        element.write(to: &out, indent: indent, level: level + 1)
      }
      if let indent { out += "\n" + String(repeating: indent, count: level) }
      out += "]"
    case .object(let members):
      if members.isEmpty {
        out += "{}"
        return
      }
      out += "{"
      for (offset, key) in members.keys.sorted().enumerated() {
        if offset > 0 { out += "," }
        if let indent { out += "\n" + String(repeating: indent, count: level + 1) }
        JSONValue.writeString(key, to: &out)
        out += indent == nil ? ":" : ": "
        members[key]!.write(to: &out, indent: indent, level: level + 1)
      }
      if let indent { out += "\n" + String(repeating: indent, count: level) }
      out += "}"
    }
  }

  /// Formats a double the shortest way that reads back exactly; non-finite values become null.
  static func format(_ value: Double) -> String {
    guard value.isFinite else { return "null" }
    return "\(value)"
  }

  static func writeString(_ string: String, to out: inout String) {
    out += "\""
    for scalar in string.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    out += "\""
  }
}

/// A byte-level recursive-descent JSON parser.
struct JSONParser {
  let bytes: UnsafeBufferPointer<UInt8>
  var position = 0
  var depth = 0

  init(bytes: UnsafeBufferPointer<UInt8>) {
    self.bytes = bytes
  }

  mutating func parseDocument() throws(JSONSyntaxError) -> JSONValue {
    skipWhitespace()
    let value = try parseValue()
    skipWhitespace()
    if position < bytes.count { throw error("unexpected text after the JSON value") }
    return value
  }

  func error(_ message: String) -> JSONSyntaxError {
    var line = 1
    var column = 1
    for index in 0..<min(position, bytes.count) {
      if bytes[index] == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else if bytes[index] & 0xC0 != 0x80 {
        column += 1
      }
    }
    return JSONSyntaxError(message: message, line: line, column: column)
  }

  mutating func skipWhitespace() {
    while position < bytes.count {
      switch bytes[position] {
      case 0x20, 0x09, 0x0A, 0x0D: position += 1
      default: return
      }
    }
  }

  mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
    guard position < bytes.count else { throw error("unexpected end of JSON") }
    switch bytes[position] {
    case UInt8(ascii: "{"): return try parseObject()
    case UInt8(ascii: "["): return try parseArray()
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"): return try parseKeyword("true", .bool(true))
    case UInt8(ascii: "f"): return try parseKeyword("false", .bool(false))
    case UInt8(ascii: "n"): return try parseKeyword("null", .null)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
    case UInt8(ascii: "N"): return try parseKeyword("NaN", .double(.nan))
    default: throw error("unexpected character in JSON")
    }
  }

  mutating func parseKeyword(_ word: StaticString, _ value: JSONValue) throws(JSONSyntaxError) -> JSONValue {
    let count = word.utf8CodeUnitCount
    guard position + count <= bytes.count else { throw error("unexpected end of JSON") }
    for index in 0..<count where bytes[position + index] != word.utf8Start[index] {
      throw error("unexpected character in JSON")
    }
    position += count
    return value
  }

  mutating func enter() throws(JSONSyntaxError) {
    depth += 1
    if depth > 512 { throw error("JSON nested too deeply") }
  }

  mutating func parseObject() throws(JSONSyntaxError) -> JSONValue {
    try enter()
    defer { depth -= 1 }
    position += 1
    var members: [String: JSONValue] = [:]
    skipWhitespace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
      position += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
        throw error("expected a string key in JSON object")
      }
      let key = try parseString()
      skipWhitespace()
      guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
        throw error("expected ':' after a key in JSON object")
      }
      position += 1
      skipWhitespace()
      members[key] = try parseValue()
      skipWhitespace()
      guard position < bytes.count else { throw error("unexpected end of JSON") }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
        continue
      }
      if bytes[position] == UInt8(ascii: "}") {
        position += 1
        return .object(members)
      }
      throw error("expected ',' or '}' in JSON object")
    }
  }

  mutating func parseArray() throws(JSONSyntaxError) -> JSONValue {
    try enter()
    defer { depth -= 1 }
    position += 1
    var elements: [JSONValue] = []
    skipWhitespace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
      position += 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try parseValue())
      skipWhitespace()
      guard position < bytes.count else { throw error("unexpected end of JSON") }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
        continue
      }
      if bytes[position] == UInt8(ascii: "]") {
        position += 1
        return .array(elements)
      }
      throw error("expected ',' or ']' in JSON array")
    }
  }

  mutating func parseNumber() throws(JSONSyntaxError) -> JSONValue {
    let start = position
    var isInteger = true
    if bytes[position] == UInt8(ascii: "-") { position += 1 }
    if position + 8 <= bytes.count, bytes[position] == UInt8(ascii: "I") {
      _ = try parseKeyword("Infinity", .null)
      return .double(bytes[start] == UInt8(ascii: "-") ? -.infinity : .infinity)
    }
    let digitsStart = position
    while position < bytes.count {
      let byte = bytes[position]
      if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
        position += 1
      } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
        || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
      {
        isInteger = false
        position += 1
      } else {
        break
      }
    }
    guard position > digitsStart else { throw error("expected digits in JSON number") }
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    if isInteger, let value = Int64(text) { return .int(value) }
    guard let value = Double(text) else {
      position = start
      throw error("malformed JSON number '\(text)'")
    }
    return .double(value)
  }

  mutating func parseString() throws(JSONSyntaxError) -> String {
    position += 1
    let start = position
    // Fast path: no escapes.
    while position < bytes.count {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        position += 1
        return text
      }
      if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
      position += 1
    }
    var scalars = String.UnicodeScalarView()
    scalars.append(
      contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        .unicodeScalars)
    var pendingUTF8: [UInt8] = []
    func flush(_ scalars: inout String.UnicodeScalarView, _ pending: inout [UInt8]) {
      if !pending.isEmpty {
        scalars.append(contentsOf: String(decoding: pending, as: UTF8.self).unicodeScalars)
        pending.removeAll(keepingCapacity: true)
      }
    }
    while position < bytes.count {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        position += 1
        flush(&scalars, &pendingUTF8)
        return String(scalars)
      }
      if byte < 0x20 { throw error("control character in JSON string") }
      if byte != UInt8(ascii: "\\") {
        pendingUTF8.append(byte)
        position += 1
        continue
      }
      flush(&scalars, &pendingUTF8)
      position += 1
      guard position < bytes.count else { break }
      let escape = bytes[position]
      position += 1
      switch escape {
      case UInt8(ascii: "\""): scalars.append("\"")
      case UInt8(ascii: "\\"): scalars.append("\\")
      case UInt8(ascii: "/"): scalars.append("/")
      case UInt8(ascii: "b"): scalars.append("\u{08}")
      case UInt8(ascii: "f"): scalars.append("\u{0C}")
      case UInt8(ascii: "n"): scalars.append("\n")
      case UInt8(ascii: "r"): scalars.append("\r")
      case UInt8(ascii: "t"): scalars.append("\t")
      case UInt8(ascii: "u"):
        var code = try parseHex4()
        if (0xD800..<0xDC00).contains(code), position + 6 <= bytes.count,
          bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
        {
          position += 2
          let low = try parseHex4()
          guard (0xDC00..<0xE000).contains(low) else { throw error("invalid surrogate pair in JSON string") }
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape in JSON string") }
        scalars.append(scalar)
      default:
        position -= 1
        throw error("invalid escape in JSON string")
      }
    }
    throw error("unterminated JSON string")
  }

  mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
    guard position + 4 <= bytes.count else { throw error("unexpected end of JSON") }
    var code: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[position]
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw error("invalid \\u escape in JSON string")
      }
      code = code << 4 | UInt32(digit)
      position += 1
    }
    return code
  }
}
