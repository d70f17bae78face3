import Model

/// Why one JSON record could not become a row.
enum RecordFailure: Error {
  /// Not JSON; the position is relative to the record's first byte.
  case syntax(JSONSyntaxError)
  /// Valid JSON that is not a valid row.
  case problem(String)
}

/// Turns the bytes of one JSON object into a row: a fast single pass for well-formed input,
/// and `Model`'s parser for anything the fast pass does not take (which also words the errors).
struct JSONRowDecoder {
  var builder: RowBuilder

  init(shape: RowShape) {
    self.builder = RowBuilder(shape: shape)
  }

  mutating func decode(_ base: UnsafePointer<UInt8>, start: Int, end: Int) throws(RecordFailure) -> Row {
    builder.reset()
    var parser = FastJSON(base, start: start, end: end)
    do {
      try decodeFast(&parser)
    } catch {
      return try decodeSlow(base, start: start, end: end)
    }
    do {
      return try builder.finish()
    } catch {
      throw .problem(error.message)
    }
  }

  private mutating func decodeFast(_ parser: inout FastJSON) throws(FastJSONFailure) {
    parser.skipWhitespace()
    guard parser.peek(0x7B) else { throw FastJSONFailure() }
    try parser.enter()
    parser.pos += 1
    parser.skipWhitespace()
    if parser.peek(0x7D) {
      parser.pos += 1
    } else {
      while true {
        parser.skipWhitespace()
        guard parser.peek(0x22) else { throw FastJSONFailure() }
        let key = try parser.parseString()
        parser.skipWhitespace()
        guard parser.peek(0x3A) else { throw FastJSONFailure() }
        parser.pos += 1
        parser.skipWhitespace()
        switch builder.shape.role(of: key) {
        case .field(let index):
          let field = builder.shape.fields[index]
          if field.type == .floatVector, let vector = parser.parseFloatArray(capacity: field.dim ?? 16) {
            builder.setField(index, .floatVector(vector))
          } else {
            builder.setField(index, Value(json: try parser.parseValue()))
          }
        default:
          builder.set(key: key, json: try parser.parseValue())
        }
        parser.skipWhitespace()
        guard parser.pos < parser.end else { throw FastJSONFailure() }
        if parser.base[parser.pos] == 0x2C {
          parser.pos += 1
          continue
        }
        if parser.base[parser.pos] == 0x7D {
          parser.pos += 1
          break
        }
        throw FastJSONFailure()
      }
    }
    parser.skipWhitespace()
    guard parser.pos == parser.end else { throw FastJSONFailure() }
  }

  private mutating func decodeSlow(_ base: UnsafePointer<UInt8>, start: Int, end: Int) throws(RecordFailure) -> Row {
    let document: JSONValue
    do {
      document = try JSONValue.parse(utf8: UnsafeBufferPointer(start: base + start, count: end - start))
    } catch {
      throw .syntax(error)
    }
    guard case .object(let members) = document else {
      throw .problem("expected a JSON object, found \(Self.kind(of: document))")
    }
    builder.reset()
    for key in members.keys.sorted() { builder.set(key: key, json: members[key]!) }
    do {
      return try builder.finish()
    } catch {
      throw .problem(error.message)
    }
  }

  static func kind(of value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool: return "a boolean"
    case .int, .double: return "a number"
    case .string: return "a string"
    case .array: return "an array"
    case .object: return "an object"
    }
  }
}

/// A row source reading JSON lines, or one JSON array of objects (optionally wrapped as
/// Milvus bulk insert's `{"rows": [...]}`), streaming either way.
final class JSONSource: RowSource {
  private let input: InputFile
  private var decoder: JSONRowDecoder
  private enum Mode {
    case lines
    /// Inside the top-level array; `wrapped` when it sits in `{"rows": ...}`.
    case array(wrapped: Bool, first: Bool)
    case finished
  }
  private var mode: Mode = .lines
  /// The 1-based line of `input.start`.
  private var line = 1
  /// The file offset where that line starts (for columns in array mode).
  private var lineStart: Int64 = 0
  private var failure: ImportError?

  init(input: InputFile, shape: RowShape, allowRowsWrapper: Bool) throws(ImportError) {
    self.input = input
    self.decoder = JSONRowDecoder(shape: shape)
    _ = try input.require(4096)
    let buffer = input.buffer
    if input.available >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { input.start = 3 }
    var pos = input.start
    var newlines = 0
    var lastNewline = -1
    func skip() {
      while pos < input.end, [0x20, 0x09, 0x0A, 0x0D].contains(buffer[pos]) {
        if buffer[pos] == 0x0A {
          newlines += 1
          lastNewline = pos
        }
        pos += 1
      }
    }
    skip()
    guard pos < input.end else {
      mode = .lines
      return
    }
    if buffer[pos] == 0x5B {
      pos += 1
      mode = .array(wrapped: false, first: true)
    } else if buffer[pos] == 0x7B, allowRowsWrapper, shape.fieldIndex["rows"] == nil {
      pos += 1
      skip()
      let key = Array("\"rows\"".utf8)
      guard pos + key.count <= input.end, Array(UnsafeBufferPointer(start: buffer + pos, count: key.count)) == key
      else {
        return
      }
      pos += key.count
      skip()
      guard pos < input.end, buffer[pos] == 0x3A else { return }
      pos += 1
      skip()
      guard pos < input.end, buffer[pos] == 0x5B else { return }
      pos += 1
      mode = .array(wrapped: true, first: true)
    } else {
      return
    }
    input.start = pos
    line += newlines
    if lastNewline >= 0 { lineStart = Int64(lastNewline + 1) }
  }

  var bytesRead: Int64 { input.offset }
  var totalBytes: Int64 { input.size }

  func next(maxRows: Int) throws(ImportError) -> [Row]? {
    if let failure { throw failure }
    do throws(ImportError) {
      switch mode {
      case .finished: return nil
      case .lines: return try nextLines(maxRows: maxRows)
      case .array: return try nextElements(maxRows: maxRows)
      }
    } catch {
      failure = error
      mode = .finished
      throw error
    }
  }

  private func error(_ message: String, line: Int? = nil) -> ImportError {
    ImportError(file: input.path, line: line ?? self.line, message: message)
  }

  private func syntaxError(_ error: JSONSyntaxError, recordLine: Int, recordColumn: Int) -> ImportError {
    let column = error.line == 1 ? recordColumn + error.column - 1 : error.column
    return self.error("invalid JSON: \(error.message) at column \(column)", line: recordLine + error.line - 1)
  }

  // MARK: JSON lines

  private func nextLines(maxRows: Int) throws(ImportError) -> [Row]? {
    var rows: [Row] = []
    rows.reserveCapacity(min(maxRows, 65536))
    while rows.count < maxRows {
      var start = input.start
      var end: Int
      var next: Int
      if let newline = input.find(0x0A, from: start) {
        end = newline
        next = newline + 1
      } else if try input.fill() {
        continue
      } else if input.start < input.end {
        // The last line has no newline. `fill` may have moved it to the front of the buffer
        // before it found the end of the file, so its start is read again.
        start = input.start
        end = input.end
        next = input.end
      } else {
        mode = .finished
        break
      }
      let base = UnsafePointer(input.buffer)
      if end > start, base[end - 1] == 0x0D { end -= 1 }
      var blank = true
      for index in start..<end where ![0x20, 0x09, 0x0D].contains(base[index]) {
        blank = false
        break
      }
      if !blank {
        do {
          rows.append(try decoder.decode(base, start: start, end: end))
        } catch {
          switch error {
          case .syntax(let syntax): throw syntaxError(syntax, recordLine: line, recordColumn: 1)
          case .problem(let message): throw self.error(message)
          }
        }
      }
      input.start = next
      line += 1
      lineStart = input.offset
    }
    return rows.isEmpty && maxRows > 0 ? nil : rows
  }

  // MARK: JSON array

  /// Skips whitespace (reading more as needed) and returns the next byte without consuming it; nil at the end.
  private func peekSignificant() throws(ImportError) -> UInt8? {
    while true {
      let buffer = input.buffer
      while input.start < input.end {
        let byte = buffer[input.start]
        if byte == 0x0A {
          input.start += 1
          line += 1
          lineStart = input.offset
        } else if byte == 0x20 || byte == 0x09 || byte == 0x0D {
          input.start += 1
        } else {
          return byte
        }
      }
      if try !input.fill() { return nil }
    }
  }

  /// The end of the JSON value starting at `input.start` (an object or array), reading more as
  /// needed; nil when the file ends first.
  private func valueExtent() throws(ImportError) -> Int? {
    while true {
      let buffer = input.buffer
      var pos = input.start
      var depth = 0
      var inString = false
      while pos < input.end {
        let byte = buffer[pos]
        if inString {
          if byte == 0x5C {
            pos += 2
            continue
          }
          if byte == 0x22 { inString = false }
        } else if byte == 0x22 {
          inString = true
        } else if byte == 0x7B || byte == 0x5B {
          depth += 1
        } else if byte == 0x7D || byte == 0x5D {
          depth -= 1
          if depth == 0 { return pos + 1 }
        }
        pos += 1
      }
      if try !input.fill() { return nil }
    }
  }

  private func nextElements(maxRows: Int) throws(ImportError) -> [Row]? {
    guard case .array(let wrapped, var first) = mode else { return nil }
    var rows: [Row] = []
    rows.reserveCapacity(min(maxRows, 65536))
    defer { if case .array = mode { mode = .array(wrapped: wrapped, first: first) } }
    while rows.count < maxRows {
      guard var byte = try peekSignificant() else {
        throw error("unexpected end of JSON: the array is not closed with ']'")
      }
      if byte == 0x5D {
        input.start += 1
        if wrapped {
          guard try peekSignificant() == 0x7D else {
            throw error("invalid JSON: expected '}' after the \"rows\" array")
          }
          input.start += 1
        }
        if try peekSignificant() != nil { throw error("invalid JSON: unexpected text after the JSON array") }
        mode = .finished
        break
      }
      if !first {
        guard byte == 0x2C else { throw error("invalid JSON: expected ',' or ']' in JSON array") }
        input.start += 1
        guard let after = try peekSignificant() else {
          throw error("unexpected end of JSON: the array is not closed with ']'")
        }
        byte = after
      }
      first = false
      guard byte == 0x7B else {
        throw error("each element of the JSON array should be a JSON object")
      }
      let recordLine = line
      let recordColumn = Int(input.offset - lineStart) + 1
      let end = try valueExtent() ?? input.end
      let start = input.start
      let base = UnsafePointer(input.buffer)
      do {
        rows.append(try decoder.decode(base, start: start, end: end))
      } catch {
        switch error {
        case .syntax(let syntax):
          throw syntaxError(syntax, recordLine: recordLine, recordColumn: recordColumn)
        case .problem(let message): throw self.error(message, line: recordLine)
        }
      }
      var pos = start
      while let newline = input.find(0x0A, from: pos), newline < end {
        line += 1
        pos = newline + 1
        lineStart = input.bufferOffset + Int64(pos)
      }
      input.start = end
    }
    return rows.isEmpty && maxRows > 0 ? nil : rows
  }
}
