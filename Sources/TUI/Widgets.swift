import Model

/// Line-drawing characters; the focused pane is drawn with thick lines, so focus shows without
/// colour too.
struct BoxGlyphs: Sendable {
  var horizontal: String
  var vertical: String
  var topLeft: String
  var topRight: String
  var bottomLeft: String
  var bottomRight: String

  static let light = BoxGlyphs(
    horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘")
  static let thick = BoxGlyphs(
    horizontal: "━", vertical: "┃", topLeft: "┏", topRight: "┓", bottomLeft: "┗", bottomRight: "┛")
}

/// A table column: a heading and how wide it may be.
struct TableColumn: Sendable {
  enum Width: Sendable {
    /// Exactly this many cells (less only when the table cannot fit).
    case fixed(Int)
    /// At least `min` cells, up to `ideal` when there is room; the last flexible column takes
    /// what is left over.
    case flex(min: Int, ideal: Int)
  }

  var title: String
  var width: Width
  var alignRight = false

  /// Widths of `columns` in `total` cells with `gap` cells between them. When even the minimums
  /// do not fit, columns give way from the right (a zero-width column is not drawn).
  static func widths(_ columns: [TableColumn], total: Int, gap: Int = 1) -> [Int] {
    guard !columns.isEmpty else { return [] }
    var widths = columns.map { column -> Int in
      switch column.width {
      case .fixed(let width): return width
      case .flex(let min, _): return min
      }
    }
    let available = max(0, total - gap * (columns.count - 1))
    var extra = available - widths.reduce(0, +)
    if extra < 0 {
      for index in widths.indices.reversed() where extra < 0 {
        let cut = min(widths[index], -extra)
        widths[index] -= cut
        extra += cut
      }
      return widths
    }
    var lastFlex: Int?
    for (index, column) in columns.enumerated() {
      guard case .flex(let min, let ideal) = column.width else { continue }
      lastFlex = index
      let grant = Swift.min(extra, Swift.max(0, ideal - min))
      widths[index] += grant
      extra -= grant
    }
    if let lastFlex { widths[lastFlex] += extra }
    // An optional column (minimum 0) too narrow to say anything gives its room to the flexible
    // column before it.
    for index in widths.indices.dropFirst() {
      guard case .flex(0, _) = columns[index].width, widths[index] < 6 else { continue }
      let receiver =
        columns[..<index].lastIndex(where: {
          if case .flex = $0.width { return true }
          return false
        }) ?? index - 1
      widths[receiver] += widths[index] + gap
      widths[index] = 0
    }
    return widths
  }

  /// One table row as text exactly `total` cells wide: each cell padded (or cut with `…`) to
  /// its column.
  static func row(_ cells: [String], columns: [TableColumn], widths: [Int], total: Int, gap: Int = 1) -> String {
    var parts: [String] = []
    for (index, width) in widths.enumerated() where width > 0 {
      let text = index < cells.count ? cells[index] : ""
      parts.append(DisplayWidth.pad(text, to: width, alignRight: columns[index].alignRight))
    }
    return DisplayWidth.pad(parts.joined(separator: String(repeating: " ", count: gap)), to: total)
  }
}

extension CellBuffer {
  /// Draws a border on the edge of `rect`.
  mutating func drawBorder(_ rect: Rect, glyphs: BoxGlyphs, style: CellStyle) {
    guard rect.width >= 2, rect.height >= 2 else { return }
    let horizontal = String(repeating: glyphs.horizontal, count: rect.width - 2)
    put(glyphs.topLeft + horizontal + glyphs.topRight, x: rect.x, y: rect.y, style: style)
    put(glyphs.bottomLeft + horizontal + glyphs.bottomRight, x: rect.x, y: rect.maxY - 1, style: style)
    for row in (rect.y + 1)..<(rect.maxY - 1) {
      put(glyphs.vertical, x: rect.x, y: row, style: style)
      put(glyphs.vertical, x: rect.maxX - 1, y: row, style: style)
    }
  }

  /// Writes `text` padded to the whole width of `rect`'s row `row` (relative to its top).
  mutating func putRow(_ text: String, in rect: Rect, row: Int, style: CellStyle = .plain) {
    guard row >= 0, row < rect.height, rect.width > 0 else { return }
    put(DisplayWidth.pad(text, to: rect.width), x: rect.x, y: rect.y + row, style: style, maxWidth: rect.width)
  }

  /// Writes `text` centred on row `y` of `rect`.
  mutating func putCentered(_ text: String, in rect: Rect, y: Int, style: CellStyle = .plain) {
    let shown = DisplayWidth.truncate(text, to: rect.width)
    let x = rect.x + max(0, (rect.width - DisplayWidth.of(shown)) / 2)
    put(shown, x: x, y: y, style: style, maxWidth: rect.maxX - x)
  }
}

/// Small text formats shared by the views.
enum Format {
  /// `1234567` → `1,234,567`.
  static func grouped(_ value: Int) -> String { Quantity.grouped(value) }

  /// A latency in milliseconds: one decimal under 10 ms, whole milliseconds above.
  static func milliseconds(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
    if milliseconds < 0.05 { return "<0.1 ms" }
    if milliseconds < 10 {
      let tenths = Int((milliseconds * 10).rounded())
      return "\(tenths / 10).\(tenths % 10) ms"
    }
    return "\(Int(milliseconds.rounded())) ms"
  }

  /// A progress bar exactly `width` cells wide: blocks, then the whole percentage (rounded
  /// down, so 100% means done).
  static func progressBar(done: Int, total: Int, width: Int) -> String {
    Quantity.progressBar(done: done, total: total, width: width)
  }

  /// A status-line progress note: a 16-cell bar, then `1,000 of 5,000 rows`.
  static func progress(done: Int, of total: Int, _ noun: String) -> String {
    progressBar(done: done, total: total, width: 16) + " \(grouped(done)) of \(grouped(total)) \(noun)"
  }

  /// Words of `text` in lines of at most `width` cells; a word longer than a line is cut.
  static func wrap(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: true) {
      var word = String(word)
      let candidate = line.isEmpty ? word : line + " " + word
      if DisplayWidth.of(candidate) <= width {
        line = candidate
        continue
      }
      if !line.isEmpty { lines.append(line) }
      line = ""
      while DisplayWidth.of(word) > width {
        var head = ""
        var used = 0
        for character in word {
          let cells = DisplayWidth.of(character)
          if used + cells > width { break }
          head.append(character)
          used += cells
        }
        if head.isEmpty { break }
        lines.append(head)
        word.removeFirst(head.count)
      }
      line = word
    }
    if !line.isEmpty { lines.append(line) }
    return lines
  }
}
