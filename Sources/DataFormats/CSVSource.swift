import Model

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A row source reading RFC 4180 CSV: a header row naming fields, then one record per row.
///
/// Quoted cells may hold commas, doubled quotes and line breaks; lines may end in CRLF.
/// Vector, JSON and Array cells hold JSON text (`"[0.1, 0.2]"`). An empty cell is null (so a
/// nullable field gets null and a field with a default gets its default), except that a VarChar
/// cell is the empty string when quoted (`""`) or when the field is neither nullable nor has a
/// default. Bool cells are `true` or `false` in any case; numbers may have spaces around them. Columns not in the schema are
/// dynamic keys (when the dynamic field is enabled): their cells are read as JSON when they
/// parse as JSON and as strings otherwise, and empty cells are left out; a `$meta` column holds
/// a JSON object of dynamic keys.
final class CSVSource: RowSource {
  private enum Column {
    case field(Int)
    case dynamic(String)
    case meta
  }

  private let input: InputFile
  private var builder: RowBuilder
  private var columns: [Column] = []
  /// The cells of the current record: ranges in the buffer, and whether the cell was quoted.
  private var cells: [(start: Int, end: Int, quoted: Bool)] = []
  /// The 1-based line where the next record starts.
  private var line = 1
  private var finished = false
  private var failure: ImportError?

  init(input: InputFile, shape: RowShape) throws(ImportError) {
    self.input = input
    self.builder = RowBuilder(shape: shape)
    _ = try input.require(3)
    let buffer = input.buffer
    if input.available >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { input.start = 3 }
    guard let header = try nextRecord() else {
      finished = true
      return
    }
    try splitCells(start: header.start, end: header.end, line: header.line)
    var seen: [String: Int] = [:]
    var givenFields = Set<Int>()
    for (offset, cell) in cells.enumerated() {
      var start = cell.start
      var end = cell.end
      if !cell.quoted {
        while start < end, buffer[start] == 0x20 || buffer[start] == 0x09 { start += 1 }
        while end > start, buffer[end - 1] == 0x20 || buffer[end - 1] == 0x09 { end -= 1 }
      }
      let name = String(decoding: UnsafeBufferPointer(start: input.buffer + start, count: end - start), as: UTF8.self)
      let problem = { (message: String) in ImportError(file: input.path, line: header.line, message: message) }
      guard !name.isEmpty else { throw problem("column \(offset + 1) of the header has no name") }
      if seen[name] != nil { throw problem("column '\(name)' appears twice in the header") }
      seen[name] = offset
      switch shape.role(of: name) {
      case .field(let index):
        columns.append(.field(index))
        givenFields.insert(index)
      case .autoIDPrimaryKey: throw problem(shape.autoIDMessage())
      case .meta:
        guard shape.schema.enableDynamicField else { throw problem(shape.unknownFieldMessage(name)) }
        columns.append(.meta)
      case .other:
        guard shape.schema.enableDynamicField else { throw problem(shape.unknownFieldMessage(name)) }
        columns.append(.dynamic(name))
      }
    }
    if let missing = shape.firstMissingField(given: { givenFields.contains($0) }) {
      throw ImportError(file: input.path, line: header.line, message: shape.missingFieldMessage(missing))
    }
    input.start = header.next
  }

  var bytesRead: Int64 { input.offset }
  var totalBytes: Int64 { input.size }

  func next(maxRows: Int) throws(ImportError) -> [Row]? {
    if let failure { throw failure }
    if finished { return nil }
    var rows: [Row] = []
    rows.reserveCapacity(min(maxRows, 65536))
    do throws(ImportError) {
      while rows.count < maxRows {
        guard let record = try nextRecord() else {
          finished = true
          break
        }
        if record.end > record.start {
          try splitCells(start: record.start, end: record.end, line: record.line)
          guard cells.count == columns.count else {
            throw ImportError(
              file: input.path, line: record.line,
              message: "expected \(columns.count) columns, found \(cells.count)")
          }
          rows.append(try makeRow(line: record.line))
        }
        input.start = record.next
      }
    } catch {
      failure = error
      finished = true
      throw error
    }
    return rows.isEmpty ? nil : rows
  }

  /// Finds the next record from `input.start`, reading more as needed: its bytes (without the
  /// line break), where the next record starts, and its first line. Advances `line` past it.
  private func nextRecord() throws(ImportError) -> (start: Int, end: Int, next: Int, line: Int)? {
    while true {
      if let found = try scanRecord() { return found }
      if try !input.fill() {
        if input.start >= input.end { return nil }
        if let found = try scanRecord() { return found }
      }
    }
  }

  /// Scans one record from `input.start`; nil when it may continue past the bytes read so far.
  private func scanRecord() throws(ImportError) -> (start: Int, end: Int, next: Int, line: Int)? {
    enum State { case cellStart, unquoted, quoted, quoteInQuoted }
    let buffer = input.buffer
    let start = input.start
    let end = input.end
    if start >= end { return nil }
    var pos = start
    var state = State.cellStart
    var newlines = 0
    while pos < end {
      let byte = buffer[pos]
      switch state {
      case .cellStart, .unquoted, .quoteInQuoted:
        if byte == 0x0A {
          var recordEnd = pos
          if recordEnd > start, buffer[recordEnd - 1] == 0x0D { recordEnd -= 1 }
          let recordLine = line
          line += newlines + 1
          return (start, recordEnd, pos + 1, recordLine)
        }
        if byte == 0x2C {
          state = .cellStart
        } else if byte == 0x22 && state != .unquoted {
          state = .quoted
        } else {
          state = .unquoted
        }
        pos += 1
      case .quoted:
        // Jump to the next quote; count the line breaks on the way.
        guard let quote = memchr(buffer + pos, 0x22, end - pos) else {
          newlines += Self.countNewlines(buffer, pos, end)
          pos = end
          continue
        }
        let quotePos = buffer.distance(to: quote.assumingMemoryBound(to: UInt8.self))
        newlines += Self.countNewlines(buffer, pos, quotePos)
        pos = quotePos + 1
        state = .quoteInQuoted
      }
    }
    guard input.atEOF else { return nil }
    if state == .quoted {
      throw ImportError(file: input.path, line: line, message: "a quoted cell is not closed before the end of the file")
    }
    var recordEnd = end
    if recordEnd > start, buffer[recordEnd - 1] == 0x0D { recordEnd -= 1 }
    let recordLine = line
    line += newlines + 1
    return (start, recordEnd, end, recordLine)
  }

  private static func countNewlines(_ buffer: UnsafeMutablePointer<UInt8>, _ from: Int, _ to: Int) -> Int {
    var count = 0
    var pos = from
    while pos < to, let found = memchr(buffer + pos, 0x0A, to - pos) {
      count += 1
      pos = buffer.distance(to: found.assumingMemoryBound(to: UInt8.self)) + 1
    }
    return count
  }

  /// Splits a complete record into `cells`, removing quotes in place.
  private func splitCells(start: Int, end: Int, line: Int) throws(ImportError) {
    cells.removeAll(keepingCapacity: true)
    let buffer = input.buffer
    var pos = start
    while true {
      if pos < end, buffer[pos] == 0x22 {
        pos += 1
        let cellStart = pos
        var write = pos
        while pos < end {
          guard let quote = memchr(buffer + pos, 0x22, end - pos) else {
            pos = end
            break
          }
          let quotePos = buffer.distance(to: quote.assumingMemoryBound(to: UInt8.self))
          let run = quotePos - pos
          if write != pos, run > 0 { (buffer + write).update(from: buffer + pos, count: run) }
          write += run
          if quotePos + 1 < end, buffer[quotePos + 1] == 0x22 {
            buffer[write] = 0x22
            write += 1
            pos = quotePos + 2
          } else {
            pos = quotePos + 1
            break
          }
        }
        cells.append((cellStart, write, true))
        if pos < end, buffer[pos] != 0x2C {
          throw ImportError(
            file: input.path, line: line,
            message: "unexpected character after the closing quote of column \(cells.count)")
        }
      } else {
        let cellStart = pos
        if pos < end, let comma = memchr(buffer + pos, 0x2C, end - pos) {
          pos = buffer.distance(to: comma.assumingMemoryBound(to: UInt8.self))
        } else {
          pos = end
        }
        cells.append((cellStart, pos, false))
      }
      if pos >= end { break }
      pos += 1  // the comma
    }
  }

  private func makeRow(line: Int) throws(ImportError) -> Row {
    builder.reset()
    let buffer = UnsafePointer(input.buffer)
    for (offset, column) in columns.enumerated() {
      let cell = cells[offset]
      switch column {
      case .field(let index):
        let field = builder.shape.fields[index]
        let value: Value
        do {
          value = try CSVCells.value(buffer, cell.start, cell.end, quoted: cell.quoted, field: field)
        } catch {
          throw ImportError(file: input.path, line: line, message: error.message)
        }
        builder.setField(index, value)
      case .dynamic(let key):
        guard cell.end > cell.start else { continue }
        let value: Value
        if let json = try? JSONValue.parse(
          utf8: UnsafeBufferPointer(start: buffer + cell.start, count: cell.end - cell.start))
        {
          value = Value(json: json)
        } else {
          value = .string(
            String(
              decoding: UnsafeBufferPointer(start: buffer + cell.start, count: cell.end - cell.start), as: UTF8.self))
        }
        builder.setDynamic(key, value)
      case .meta:
        guard cell.end > cell.start else { continue }
        do {
          builder.setMeta(try CSVCells.json(buffer, cell.start, cell.end, name: CollectionSchema.dynamicFieldName))
        } catch {
          throw ImportError(file: input.path, line: line, message: error.message)
        }
      }
      if let problem = builder.error { throw ImportError(file: input.path, line: line, message: problem) }
    }
    do {
      return try builder.finish()
    } catch {
      throw ImportError(file: input.path, line: line, message: error.message)
    }
  }
}

/// Reading one CSV cell as a field's value.
enum CSVCells {
  static func value(
    _ buffer: UnsafePointer<UInt8>, _ start: Int, _ end: Int, quoted: Bool, field: FieldSchema
  ) throws(RowProblem) -> Value {
    if field.type == .varChar {
      if start == end && !quoted && (field.nullable || field.defaultValue != nil) { return .null }
      return .string(String(decoding: UnsafeBufferPointer(start: buffer + start, count: end - start), as: UTF8.self))
    }
    var from = start
    var to = end
    while from < to, buffer[from] == 0x20 || buffer[from] == 0x09 { from += 1 }
    while to > from, buffer[to - 1] == 0x20 || buffer[to - 1] == 0x09 { to -= 1 }
    if from == to { return .null }
    let text = { String(decoding: UnsafeBufferPointer(start: buffer + from, count: to - from), as: UTF8.self) }
    switch field.type {
    case .bool:
      switch text().lowercased() {
      case "true": return .bool(true)
      case "false": return .bool(false)
      default: return .string(text())
      }
    case .int8, .int16, .int32, .int64:
      if let value = NumberParsing.integer(buffer, from, to) { return .int(value) }
      let string = text()
      if let value = Int64(string) { return .int(value) }
      if let value = Double(string) { return .double(value) }
      return .string(string)
    case .float, .double:
      if let value = NumberParsing.fastDouble(buffer, from, to) { return .double(value) }
      let string = text()
      if let value = Double(string) { return .double(value) }
      return .string(string)
    case .floatVector:
      var parser = FastJSON(buffer, start: from, end: to)
      if let vector = parser.parseFloatArray(capacity: field.dim ?? 16), parser.pos == to {
        return .floatVector(vector)
      }
      return Value(json: try json(buffer, from, to, name: field.name))
    case .json, .array:
      return Value(json: try json(buffer, from, to, name: field.name))
    case .varChar:
      return .string(text())
    }
  }

  static func json(_ buffer: UnsafePointer<UInt8>, _ start: Int, _ end: Int, name: String) throws(RowProblem)
    -> JSONValue
  {
    do {
      return try JSONValue.parse(utf8: UnsafeBufferPointer(start: buffer + start, count: end - start))
    } catch {
      throw RowProblem(message: "invalid JSON in column \(name): \(error.message) at column \(error.column)")
    }
  }
}
