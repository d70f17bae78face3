/// A small TOML reader: as much of TOML 1.0 as theme and config files need.
///
/// Comments, bare, quoted and dotted keys, tables `[a.b]`, arrays of tables `[[a]]`, basic and
/// literal strings (single- and multi-line, with escapes), integers (decimal, hex, octal,
/// binary), floats, booleans, arrays and inline tables. Dates and times are refused with a
/// message. Every error says where: line and column (columns count Unicode scalars, from 1).
public enum TOML {
  /// Parses a whole document into its root table.
  public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
    var parser = TOMLParser(text)
    return try parser.document()
  }
}

/// A place in a TOML text: line and column, both from 1.
public struct TOMLPosition: Sendable, Hashable, CustomStringConvertible {
  public var line: Int
  public var column: Int

  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }

  public var description: String { "line \(line), column \(column)" }
}

/// Why a TOML text could not be read, and where.
public struct TOMLError: Error, Sendable, Hashable, CustomStringConvertible {
  public var message: String
  public var position: TOMLPosition

  public init(_ message: String, at position: TOMLPosition) {
    self.message = message
    self.position = position
  }

  public var line: Int { position.line }
  public var column: Int { position.column }
  public var description: String { "\(message) (\(position))" }
}

/// A TOML value. Arrays of tables are arrays whose elements are tables.
public indirect enum TOMLValue: Sendable, Hashable {
  case string(String)
  case integer(Int64)
  case float(Double)
  case boolean(Bool)
  case array([TOMLValue])
  case table(TOMLTable)

  /// What kind of value this is, for messages: "a string", "an integer", …
  public var kind: String {
    switch self {
    case .string: return "a string"
    case .integer: return "an integer"
    case .float: return "a float"
    case .boolean: return "a boolean"
    case .array: return "an array"
    case .table: return "a table"
    }
  }

  public var string: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  public var integer: Int64? {
    if case .integer(let value) = self { return value }
    return nil
  }

  public var boolean: Bool? {
    if case .boolean(let value) = self { return value }
    return nil
  }

  public var array: [TOMLValue]? {
    if case .array(let value) = self { return value }
    return nil
  }

  public var table: TOMLTable? {
    if case .table(let value) = self { return value }
    return nil
  }
}

/// A table: keys in the order they were written, each with its value and where its key was.
public struct TOMLTable: Sendable, Hashable {
  /// Where the table was opened (its header, or its `{`); nil for the root and implicit tables.
  public var position: TOMLPosition?
  /// The keys, in the order they first appeared.
  public private(set) var keys: [String] = []
  private var entries: [String: Entry] = [:]

  private struct Entry: Sendable, Hashable {
    var value: TOMLValue
    var position: TOMLPosition
  }

  public init(position: TOMLPosition? = nil) {
    self.position = position
  }

  public subscript(key: String) -> TOMLValue? { entries[key]?.value }

  /// Where `key` was written (for a table made by headers, its first header).
  public func position(of key: String) -> TOMLPosition? { entries[key]?.position }

  public var isEmpty: Bool { keys.isEmpty }
  public var count: Int { keys.count }

  /// Sets `key`, keeping its place if it was already there.
  public mutating func set(_ key: String, _ value: TOMLValue, at position: TOMLPosition) {
    if entries[key] == nil { keys.append(key) }
    entries[key] = Entry(value: value, position: position)
  }
}

// MARK: - The parser

/// A table being built. Tables are shared while parsing (a header reopens a table made
/// earlier), so they are objects here and become values at the end.
private final class TableBuilder {
  /// How the table came to be, which decides what may add to it later.
  enum Origin {
    case root
    /// Made as a prefix of a header (`a` in `[a.b]`); a later `[a]` may still define it.
    case implicit
    /// Defined by a header `[a]` or `[[a]]`.
    case header
    /// Made by a dotted key (`a.b = 1` makes `a`).
    case dotted
    /// An inline table while it is being read.
    case inline
  }

  enum Slot {
    case value(TOMLValue, TOMLPosition)
    case table(TableBuilder, TOMLPosition)
    case tables([TableBuilder], TOMLPosition)

    var position: TOMLPosition {
      switch self {
      case .value(_, let position), .table(_, let position), .tables(_, let position): return position
      }
    }
  }

  var origin: Origin
  var position: TOMLPosition?
  var order: [String] = []
  var slots: [String: Slot] = [:]

  init(origin: Origin, position: TOMLPosition?) {
    self.origin = origin
    self.position = position
  }

  func set(_ key: String, _ slot: Slot) {
    if slots[key] == nil { order.append(key) }
    slots[key] = slot
  }

  func build() -> TOMLTable {
    var table = TOMLTable(position: origin == .implicit || origin == .root ? nil : position)
    for key in order {
      switch slots[key]! {
      case .value(let value, let position): table.set(key, value, at: position)
      case .table(let builder, let position): table.set(key, .table(builder.build()), at: position)
      case .tables(let builders, let position):
        table.set(key, .array(builders.map { .table($0.build()) }), at: position)
      }
    }
    return table
  }
}

/// A key as written: its parts (`a."b c".d`) and where each part starts.
private struct KeyPath {
  var parts: [(name: String, position: TOMLPosition)]

  var position: TOMLPosition { parts[0].position }

  /// The key as TOML would write it, parts quoted where they are not bare.
  func text(_ count: Int? = nil) -> String {
    parts.prefix(count ?? parts.count).map { part in
      let bare =
        !part.name.isEmpty
        && part.name.unicodeScalars.allSatisfy { TOMLParser.isBareKeyScalar($0) }
      return bare ? part.name : "\"" + part.name + "\""
    }.joined(separator: ".")
  }
}

private struct TOMLParser {
  private let scalars: [Unicode.Scalar]
  private var index = 0
  private var line = 1
  private var lineStart = 0

  init(_ text: String) {
    var scalars = Array(text.unicodeScalars)
    if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
    self.scalars = scalars
  }

  // MARK: Reading scalars

  private var position: TOMLPosition { TOMLPosition(line: line, column: index - lineStart + 1) }
  private var atEnd: Bool { index >= scalars.count }
  private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

  private func peek(_ offset: Int) -> Unicode.Scalar? {
    index + offset < scalars.count ? scalars[index + offset] : nil
  }

  private mutating func advance() {
    guard index < scalars.count else { return }
    if scalars[index] == "\n" {
      line += 1
      lineStart = index + 1
    }
    index += 1
  }

  private func looking(at text: String) -> Bool {
    for (offset, scalar) in text.unicodeScalars.enumerated() where peek(offset) != scalar { return false }
    return true
  }

  private mutating func skip(_ text: String) {
    for _ in text.unicodeScalars { advance() }
  }

  static func isBareKeyScalar(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar {
    case "A"..."Z", "a"..."z", "0"..."9", "_", "-": return true
    default: return false
    }
  }

  private static func isDigit(_ scalar: Unicode.Scalar?) -> Bool {
    guard let scalar else { return false }
    return ("0"..."9").contains(scalar)
  }

  /// How a scalar is named in messages.
  private static func describe(_ scalar: Unicode.Scalar?) -> String {
    guard let scalar else { return "the end of the file" }
    switch scalar {
    case "\n", "\r": return "the end of the line"
    case "'": return "\"'\""
    default:
      if scalar.value < 0x20 || scalar.value == 0x7F { return "control character \(hex(scalar))" }
      return "'\(scalar)'"
    }
  }

  private static func hex(_ scalar: Unicode.Scalar) -> String {
    let digits = String(scalar.value, radix: 16, uppercase: true)
    return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
  }

  private func error(_ message: String, at position: TOMLPosition? = nil) -> TOMLError {
    TOMLError(message, at: position ?? self.position)
  }

  // MARK: Whitespace, comments, line ends

  private mutating func skipSpaces() {
    while let scalar = current, scalar == " " || scalar == "\t" { advance() }
  }

  /// A comment from `#` to the end of the line (the line end itself is left).
  private mutating func skipComment() throws(TOMLError) {
    guard current == "#" else { return }
    while let scalar = current, scalar != "\n" {
      if scalar == "\r", peek(1) == "\n" { break }
      if scalar != "\t", scalar.value < 0x20 || scalar.value == 0x7F {
        throw error("\(Self.describe(scalar)) is not allowed in a comment")
      }
      advance()
    }
  }

  /// Consumes a line end (`\n` or `\r\n`) if one is next; says whether it did.
  private mutating func skipNewline() throws(TOMLError) -> Bool {
    if current == "\n" {
      advance()
      return true
    }
    if current == "\r" {
      guard peek(1) == "\n" else { throw error("a carriage return must be followed by a line feed") }
      advance()
      advance()
      return true
    }
    return false
  }

  /// After a key/value pair or a header: spaces, perhaps a comment, then the line's end.
  private mutating func expectEndOfLine(after what: String) throws(TOMLError) {
    skipSpaces()
    try skipComment()
    if atEnd { return }
    if try skipNewline() { return }
    throw error("expected the end of the line after \(what), found \(Self.describe(current))")
  }

  /// Spaces, comments and line ends, as allowed between array elements.
  private mutating func skipBlank() throws(TOMLError) {
    while true {
      skipSpaces()
      try skipComment()
      if try !skipNewline() { return }
    }
  }

  // MARK: Document

  mutating func document() throws(TOMLError) -> TOMLTable {
    let root = TableBuilder(origin: .root, position: nil)
    var table = root
    while true {
      skipSpaces()
      guard let scalar = current else { break }
      switch scalar {
      case "#":
        try skipComment()
      case "\n", "\r":
        _ = try skipNewline()
      case "[":
        table = try header(root: root)
      default:
        try keyValue(into: table)
        try expectEndOfLine(after: "the value")
      }
    }
    return root.build()
  }

  /// `[a.b]` or `[[a.b]]`: returns the table that the following key/value pairs go into.
  private mutating func header(root: TableBuilder) throws(TOMLError) -> TableBuilder {
    let start = position
    let isArray = peek(1) == "["
    advance()
    if isArray { advance() }
    skipSpaces()
    let path = try keyPath()
    skipSpaces()
    let closing = isArray ? "]]" : "]"
    guard looking(at: closing) else {
      throw error("expected '\(closing)' after the table name \(path.text()), found \(Self.describe(current))")
    }
    skip(closing)
    let name = path.text()
    // The prefix: make missing tables; go into the last table of an array of tables.
    var table = root
    for (depth, part) in path.parts.dropLast().enumerated() {
      switch table.slots[part.name] {
      case nil:
        let made = TableBuilder(origin: .implicit, position: part.position)
        table.set(part.name, .table(made, part.position))
        table = made
      case .table(let next, _):
        table = next
      case .tables(let list, _):
        table = list[list.count - 1]
      case .value(_, let defined):
        throw error(
          "\(path.text(depth + 1)) is already a value (line \(defined.line)), so it cannot hold the table [\(name)]",
          at: part.position)
      }
    }
    let last = path.parts[path.parts.count - 1]
    let opened: TableBuilder
    if isArray {
      opened = TableBuilder(origin: .header, position: start)
      switch table.slots[last.name] {
      case nil:
        table.set(last.name, .tables([opened], start))
      case .tables(let list, let defined):
        table.set(last.name, .tables(list + [opened], defined))
      case .table(_, let defined), .value(_, let defined):
        throw error("\(name) is already defined (line \(defined.line)) and is not an array of tables", at: start)
      }
    } else {
      switch table.slots[last.name] {
      case nil:
        opened = TableBuilder(origin: .header, position: start)
        table.set(last.name, .table(opened, start))
      case .table(let existing, let defined):
        switch existing.origin {
        case .implicit:
          existing.origin = .header
          existing.position = start
          table.set(last.name, .table(existing, start))
          opened = existing
        case .dotted:
          throw error("table [\(name)] was already made by dotted keys (line \(defined.line))", at: start)
        case .header, .root, .inline:
          throw error("table [\(name)] is defined twice (first on line \(defined.line))", at: start)
        }
      case .tables(_, let defined):
        throw error("\(name) is an array of tables (line \(defined.line)); write [[\(name)]] to add to it", at: start)
      case .value(_, let defined):
        throw error("\(name) is already a value (line \(defined.line)), so it cannot be a table", at: start)
      }
    }
    try expectEndOfLine(after: "the table header [\(isArray ? "[" : "")\(name)\(closing)")
    return opened
  }

  /// `key = value`, the key perhaps dotted, into `table`.
  private mutating func keyValue(into table: TableBuilder) throws(TOMLError) {
    let path = try keyPath()
    skipSpaces()
    guard current == "=" else {
      throw error("expected '=' after the key \(path.text()), found \(Self.describe(current))")
    }
    advance()
    skipSpaces()
    let value = try self.value()
    var target = table
    for (depth, part) in path.parts.dropLast().enumerated() {
      switch target.slots[part.name] {
      case nil:
        let made = TableBuilder(origin: .dotted, position: part.position)
        target.set(part.name, .table(made, part.position))
        target = made
      case .table(let next, let defined):
        guard next.origin == .dotted else {
          throw error(
            "table \(path.text(depth + 1)) is defined by a header (line \(defined.line)); dotted keys cannot add to it",
            at: part.position)
        }
        target = next
      case .tables(_, let defined):
        throw error(
          "\(path.text(depth + 1)) is an array of tables (line \(defined.line)); dotted keys cannot add to it",
          at: part.position)
      case .value(_, let defined):
        throw error(
          "\(path.text(depth + 1)) is already a value (line \(defined.line)), so it cannot hold \(path.text())",
          at: part.position)
      }
    }
    let last = path.parts[path.parts.count - 1]
    if let existing = target.slots[last.name] {
      throw error("duplicate key \(path.text()) (first defined on line \(existing.position.line))", at: last.position)
    }
    target.set(last.name, .value(value, last.position))
  }

  // MARK: Keys

  private mutating func keyPath() throws(TOMLError) -> KeyPath {
    var parts = [try simpleKey()]
    while true {
      let save = (index, line, lineStart)
      skipSpaces()
      guard current == "." else {
        (index, line, lineStart) = save
        break
      }
      advance()
      skipSpaces()
      parts.append(try simpleKey())
    }
    return KeyPath(parts: parts)
  }

  private mutating func simpleKey() throws(TOMLError) -> (name: String, position: TOMLPosition) {
    let start = position
    switch current {
    case "\"":
      if looking(at: "\"\"\"") { throw error("a key cannot be a multi-line string") }
      return (try basicString(), start)
    case "'":
      if looking(at: "'''") { throw error("a key cannot be a multi-line string") }
      return (try literalString(), start)
    case let scalar? where Self.isBareKeyScalar(scalar):
      var name = ""
      while let scalar = current, Self.isBareKeyScalar(scalar) {
        name.unicodeScalars.append(scalar)
        advance()
      }
      return (name, start)
    default:
      throw error("expected a key, found \(Self.describe(current))")
    }
  }

  // MARK: Values

  private mutating func value() throws(TOMLError) -> TOMLValue {
    switch current {
    case "\"":
      return .string(looking(at: "\"\"\"") ? try multilineBasicString() : try basicString())
    case "'":
      return .string(looking(at: "'''") ? try multilineLiteralString() : try literalString())
    case "[":
      return try array()
    case "{":
      return try inlineTable()
    case "t" where looking(at: "true"), "f" where looking(at: "false"):
      let word = current == "t" ? "true" : "false"
      let start = position
      skip(word)
      if let next = current, Self.isBareKeyScalar(next) {
        var whole = word
        while let scalar = current, Self.isBareKeyScalar(scalar) {
          whole.unicodeScalars.append(scalar)
          advance()
        }
        throw error("expected a value, found '\(whole)' (strings need quotes)", at: start)
      }
      return .boolean(word == "true")
    case let scalar? where Self.isDigit(scalar) || scalar == "+" || scalar == "-" || scalar == "i" || scalar == "n":
      return try number()
    case nil, "\n", "\r", "#":
      throw error("expected a value, found \(Self.describe(current))")
    default:
      var word = ""
      var offset = 0
      while let scalar = peek(offset), Self.isBareKeyScalar(scalar), offset < 20 {
        word.unicodeScalars.append(scalar)
        offset += 1
      }
      if !word.isEmpty { throw error("expected a value, found '\(word)' (strings need quotes)") }
      throw error("expected a value, found \(Self.describe(current))")
    }
  }

  private mutating func array() throws(TOMLError) -> TOMLValue {
    advance()  // [
    var elements: [TOMLValue] = []
    while true {
      try skipBlank()
      if current == "]" {
        advance()
        return .array(elements)
      }
      if atEnd { throw error("unterminated array: expected ']'") }
      elements.append(try value())
      try skipBlank()
      switch current {
      case ",": advance()
      case "]":
        advance()
        return .array(elements)
      case nil:
        throw error("unterminated array: expected ']'")
      default:
        throw error("expected ',' or ']' in the array, found \(Self.describe(current))")
      }
    }
  }

  private mutating func inlineTable() throws(TOMLError) -> TOMLValue {
    let start = position
    advance()  // {
    let table = TableBuilder(origin: .inline, position: start)
    skipSpaces()
    if current == "}" {
      advance()
      return .table(table.build())
    }
    while true {
      skipSpaces()
      if current == "\n" || current == "\r" || atEnd {
        throw error("an inline table must end on the line it starts on: expected '}'")
      }
      if current == "}" { throw error("a trailing comma is not allowed in an inline table") }
      try keyValue(into: table)
      skipSpaces()
      switch current {
      case ",": advance()
      case "}":
        advance()
        return .table(table.build())
      case "\n", "\r", nil:
        throw error("an inline table must end on the line it starts on: expected '}'")
      default:
        throw error("expected ',' or '}' in the inline table, found \(Self.describe(current))")
      }
    }
  }

  // MARK: Strings

  private mutating func checkStringScalar(_ scalar: Unicode.Scalar, allowNewline: Bool) throws(TOMLError) {
    if scalar == "\t" || (allowNewline && scalar == "\n") { return }
    if scalar.value < 0x20 || scalar.value == 0x7F {
      throw error("\(Self.describe(scalar)) is not allowed in a string (use an escape)")
    }
  }

  /// `"…"` with escapes, on one line.
  private mutating func basicString() throws(TOMLError) -> String {
    let start = position
    advance()  // "
    var result = ""
    while true {
      guard let scalar = current, scalar != "\n", scalar != "\r" else {
        throw error("unterminated string: expected '\"' before \(Self.describe(current))", at: start)
      }
      if scalar == "\"" {
        advance()
        return result
      }
      if scalar == "\\" {
        result.unicodeScalars.append(try escape())
        continue
      }
      try checkStringScalar(scalar, allowNewline: false)
      result.unicodeScalars.append(scalar)
      advance()
    }
  }

  /// `"""…"""`: escapes, line ends kept (a newline right after the opening quotes is not), a
  /// backslash at a line's end joins it to the next non-blank text.
  private mutating func multilineBasicString() throws(TOMLError) -> String {
    let start = position
    skip("\"\"\"")
    _ = try skipNewline()
    var result = ""
    while true {
      guard let scalar = current else { throw error("unterminated string: expected '\"\"\"'", at: start) }
      if scalar == "\"", looking(at: "\"\"\"") {
        var quotes = 0
        while current == "\"" {
          quotes += 1
          advance()
        }
        if quotes > 5 { throw error("too many quotes at the end of a multi-line string") }
        result += String(repeating: "\"", count: quotes - 3)
        return result
      }
      if scalar == "\\" {
        // A line-ending backslash: skip the line end and all blank space after it.
        var offset = 1
        while let next = peek(offset), next == " " || next == "\t" { offset += 1 }
        if peek(offset) == "\n" || (peek(offset) == "\r" && peek(offset + 1) == "\n") {
          for _ in 0..<offset { advance() }
          while true {
            skipSpaces()
            if try !skipNewline() { break }
          }
          continue
        }
        result.unicodeScalars.append(try escape())
        continue
      }
      if scalar == "\r" {
        _ = try skipNewline()
        result += "\n"
        continue
      }
      try checkStringScalar(scalar, allowNewline: true)
      result.unicodeScalars.append(scalar)
      advance()
    }
  }

  /// `'…'`: no escapes, on one line.
  private mutating func literalString() throws(TOMLError) -> String {
    let start = position
    advance()  // '
    var result = ""
    while true {
      guard let scalar = current, scalar != "\n", scalar != "\r" else {
        throw error("unterminated string: expected \"'\" before \(Self.describe(current))", at: start)
      }
      if scalar == "'" {
        advance()
        return result
      }
      try checkStringScalar(scalar, allowNewline: false)
      result.unicodeScalars.append(scalar)
      advance()
    }
  }

  /// `'''…'''`: no escapes, line ends kept (a newline right after the opening quotes is not).
  private mutating func multilineLiteralString() throws(TOMLError) -> String {
    let start = position
    skip("'''")
    _ = try skipNewline()
    var result = ""
    while true {
      guard let scalar = current else { throw error("unterminated string: expected \"'''\"", at: start) }
      if scalar == "'", looking(at: "'''") {
        var quotes = 0
        while current == "'" {
          quotes += 1
          advance()
        }
        if quotes > 5 { throw error("too many quotes at the end of a multi-line string") }
        result += String(repeating: "'", count: quotes - 3)
        return result
      }
      if scalar == "\r" {
        _ = try skipNewline()
        result += "\n"
        continue
      }
      try checkStringScalar(scalar, allowNewline: true)
      result.unicodeScalars.append(scalar)
      advance()
    }
  }

  /// An escape after `\` in a basic string.
  private mutating func escape() throws(TOMLError) -> Unicode.Scalar {
    let start = position
    advance()  // backslash
    guard let letter = current else { throw error("unterminated string after '\\'") }
    advance()
    switch letter {
    case "b": return "\u{08}"
    case "t": return "\t"
    case "n": return "\n"
    case "f": return "\u{0C}"
    case "r": return "\r"
    case "e": return "\u{1B}"
    case "\"": return "\""
    case "\\": return "\\"
    case "u", "U":
      let count = letter == "u" ? 4 : 8
      var digits = ""
      for _ in 0..<count {
        guard let digit = current, digit.properties.isASCIIHexDigit else {
          throw error("\\\(letter) needs \(count) hexadecimal digits", at: start)
        }
        digits.unicodeScalars.append(digit)
        advance()
      }
      guard let value = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(value) else {
        throw error("\\\(letter)\(digits) is not a Unicode scalar value", at: start)
      }
      return scalar
    default:
      throw error(
        "invalid escape '\\\(letter)' (allowed: \\b \\t \\n \\f \\r \\e \\\" \\\\ \\uXXXX \\UXXXXXXXX)", at: start)
    }
  }

  // MARK: Numbers

  private mutating func number() throws(TOMLError) -> TOMLValue {
    let start = position
    var token = ""
    while let scalar = current,
      Self.isBareKeyScalar(scalar) || scalar == "+" || scalar == "." || scalar == ":"
    {
      token.unicodeScalars.append(scalar)
      advance()
    }
    let invalid = TOMLError("invalid number '\(token)'", at: start)
    var body = Substring(token)
    var negative = false
    if let sign = body.first, sign == "+" || sign == "-" {
      negative = sign == "-"
      body = body.dropFirst()
    }
    switch body {
    case "inf": return .float(negative ? -.infinity : .infinity)
    case "nan": return .float(.nan)
    default: break
    }
    if let first = body.first, !first.isNumber {
      throw TOMLError("expected a value, found '\(token)' (strings need quotes)", at: start)
    }
    if body.contains(":") || (body.count >= 10 && body.dropFirst(4).first == "-") {
      throw TOMLError("dates and times are not supported here; write the value as a string", at: start)
    }
    if let radix = Self.radix(of: body) {
      guard token.first != "+", token.first != "-" else {
        throw TOMLError("a hexadecimal, octal or binary integer cannot have a sign", at: start)
      }
      guard let digits = Self.digits(body.dropFirst(2), radix: radix), let value = Int64(digits, radix: radix) else {
        throw invalid
      }
      return .integer(value)
    }
    if body.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
      return .float(try float(body, negative: negative, token: token, at: start))
    }
    guard let digits = Self.digits(body, radix: 10) else { throw invalid }
    if digits.count > 1, digits.first == "0" {
      throw TOMLError("leading zeros are not allowed in '\(token)'", at: start)
    }
    guard let value = Int64((negative ? "-" : "") + digits) else {
      throw TOMLError("integer \(token) does not fit in 64 bits", at: start)
    }
    return .integer(value)
  }

  private static func radix(of body: Substring) -> Int? {
    switch body.prefix(2) {
    case "0x": return 16
    case "0o": return 8
    case "0b": return 2
    default: return nil
    }
  }

  /// The digits with underscores removed; nil unless every underscore sits between two digits
  /// and every character is a digit of `radix`.
  private static func digits(_ text: Substring, radix: Int) -> String? {
    guard !text.isEmpty, text.first != "_", text.last != "_", !text.contains("__") else { return nil }
    var result = ""
    for character in text where character != "_" {
      guard let value = character.hexDigitValue, value < radix else { return nil }
      result.append(character)
    }
    return result.isEmpty ? nil : result
  }

  private func float(_ body: Substring, negative: Bool, token: String, at start: TOMLPosition) throws(TOMLError)
    -> Double
  {
    let invalid = TOMLError("invalid number '\(token)'", at: start)
    // integer part, then optional .fraction, then optional e[+-]exponent
    let exponentIndex = body.firstIndex(where: { $0 == "e" || $0 == "E" })
    let mantissa = body[..<(exponentIndex ?? body.endIndex)]
    var text = negative ? "-" : ""
    let pieces = mantissa.split(separator: ".", omittingEmptySubsequences: false)
    guard pieces.count <= 2, let whole = Self.digits(pieces[0], radix: 10) else { throw invalid }
    if whole.count > 1, whole.first == "0" { throw TOMLError("leading zeros are not allowed in '\(token)'", at: start) }
    text += whole
    if pieces.count == 2 {
      guard let fraction = Self.digits(pieces[1], radix: 10) else { throw invalid }
      text += "." + fraction
    }
    if let exponentIndex {
      var exponent = body[body.index(after: exponentIndex)...]
      var sign = ""
      if let first = exponent.first, first == "+" || first == "-" {
        sign = String(first)
        exponent = exponent.dropFirst()
      }
      guard let digits = Self.digits(exponent, radix: 10) else { throw invalid }
      text += "e" + sign + digits
    }
    guard let value = Double(text) else { throw invalid }
    return value
  }
}
