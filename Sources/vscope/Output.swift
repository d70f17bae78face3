import Foundation
import Model

/// Messages and progress on stderr; results on stdout.
enum Console {
  static func error(_ message: String) {
    FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
  }

  static func info(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
  }

  /// Rewrites one progress line on stderr when it is a terminal.
  static func progress(_ message: String) {
    guard isatty(2) != 0 else { return }
    FileHandle.standardError.write(Data(("\r\u{1B}[K" + message).utf8))
  }

  /// Rewrites the progress line with a bar: `copying songs ████░░░░  40% 1,000/2,500 rows`.
  static func progress(_ label: String, done: Int, of total: Int, _ noun: String) {
    let bar = Quantity.progressBar(done: done, total: total, width: 25)
    progress("\(label) \(bar) \(Quantity.grouped(done))/\(Quantity.grouped(total)) \(noun)")
  }

  static func endProgress() {
    guard isatty(2) != 0 else { return }
    FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
  }

  /// Prints one JSON document on stdout.
  static func printJSON(_ value: JSONValue) {
    print(value.prettyJSONText)
  }
}

/// A plain-text table with columns sized by display width (wide characters count twice).
struct TextTable {
  var headers: [String]
  var rows: [[String]] = []
  /// Columns whose cells are right-aligned (numbers).
  var rightAligned: Set<Int> = []
  /// The widest a cell may be before it is cut with `…`.
  var maxCellWidth = 60

  init(_ headers: [String], rightAligned: Set<Int> = []) {
    self.headers = headers
    self.rightAligned = rightAligned
  }

  mutating func add(_ row: [String]) { rows.append(row) }

  func render() -> String {
    var widths = headers.map { DisplayWidth.of($0) }
    for row in rows {
      for (column, cell) in row.enumerated() where column < widths.count {
        widths[column] = max(widths[column], min(maxCellWidth, DisplayWidth.of(cell)))
      }
    }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { column, cell in
        DisplayWidth.pad(
          cell.replacingOccurrences(of: "\n", with: " "), to: widths[column], alignRight: rightAligned.contains(column))
      }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }
    var lines = [line(headers), widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")]
    lines.append(contentsOf: rows.map(line))
    return lines.joined(separator: "\n")
  }
}

enum Format {
  /// Seconds since `start`, e.g. `3.2 s`.
  static func elapsed(since start: ContinuousClock.Instant) -> String {
    let duration = ContinuousClock.now - start
    let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    return String(format: "%.1f s", seconds)
  }

  /// A value for a table cell: vectors shortened, JSON compact.
  static func cell(_ value: Value?) -> String {
    guard let value else { return "" }
    switch value {
    case .null: return "null"
    case .bool(let flag): return flag ? "true" : "false"
    case .int(let number): return String(number)
    case .double(let number): return number.formatted(.number.precision(.significantDigits(1...7)).grouping(.never))
    case .string(let text): return text
    case .json(let json): return json.jsonText
    case .array(let elements): return "[" + elements.map { cell($0) }.joined(separator: ", ") + "]"
    case .floatVector(let vector):
      let shown = vector.prefix(4).map { $0.formatted(.number.precision(.significantDigits(1...4))) }
      return "[" + shown.joined(separator: ", ") + (vector.count > 4 ? ", … (\(vector.count))" : "") + "]"
    }
  }

  /// A distance or score with enough digits to tell neighbours apart.
  static func distance(_ value: Float) -> String {
    String(format: "%.6g", Double(value))
  }

  /// JSON for a value; vectors keep float32 precision in their shortest form.
  static func json(_ value: Value) -> JSONValue {
    switch value {
    case .floatVector(let vector): return .array(vector.map(json))
    case .array(let elements): return .array(elements.map(json))
    default: return value.jsonValue
    }
  }

  /// A float32 as the shortest decimal that reads back to it (`0.1`, not `0.10000000149011612`).
  static func json(_ value: Float) -> JSONValue {
    .double(Double("\(value)") ?? Double(value))
  }

  static func json(_ row: Row) -> JSONValue {
    .object(row.mapValues(json))
  }

  static func json(_ key: PrimaryKey) -> JSONValue {
    switch key {
    case .int(let number): return .int(number)
    case .string(let text): return .string(text)
    }
  }
}
