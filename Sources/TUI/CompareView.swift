import Model

/// The compare page: the two sides' top k side by side, with the overlap and rank changes.
extension ExplorerView {
  static func drawCompare(into buffer: inout CellBuffer, rect: Rect, state: ExplorerState, theme: Theme) {
    guard let compare = state.compare else { return }
    let query = compare.query
    let outcome = compare.outcome
    let footer = hints([(.open, "left entity"), (.moveDown, "next"), (.back, "results")], keymap: state.keymap)
    let title =
      "Compare · \(query.leftLabel) \(Format.milliseconds(outcome.leftLatency)) vs "
      + "\(query.rightLabel) \(Format.milliseconds(outcome.rightLatency))"
    let inner = drawPage(
      into: &buffer, rect: rect, title: title, footerLeft: footer,
      footerRight: position(compare.cursor, count: compare.rows.count), theme: theme)
    let request = query.left
    var summary = compare.summary + " · top \(request.topK) by \(query.metric.rawValue)"
    if !request.filter.isEmpty { summary += " · filter " + request.filter }
    buffer.putRow(summary, in: inner, row: 0, style: compare.comparison.isIdentical ? theme[.progress] : .plain)
    guard !compare.rows.isEmpty else {
      drawMessage(into: &buffer, rect: inner, lines: [("no hits on either side", theme[.dim])], startRow: 2)
      return
    }
    let grid = CompareGrid(compare, width: inner.width, largerIsCloser: query.metric.largerIsCloser)
    // The sides' labels over their columns, then the column headers.
    for (side, label) in [(0, query.leftLabel), (1, query.rightLabel)] {
      let latency = side == 0 ? outcome.leftLatency : outcome.rightLatency
      let text = DisplayWidth.truncate("\(label) · \(Format.milliseconds(latency))", to: grid.sideWidth)
      buffer.put(text, x: inner.x + grid.sideX[side], y: inner.y + 1, style: theme[.titleFocused])
    }
    grid.drawRow(grid.headers, styles: [:], rowStyle: theme[.columnHeader], y: inner.y + 2, x: inner.x, into: &buffer)
    let visible = min(Layout(size: state.size).compareRows, max(0, inner.height - 3))
    let end = min(compare.rows.count, compare.cursor.offset + visible)
    guard compare.cursor.offset < end else { return }
    for index in compare.cursor.offset..<end {
      let row = compare.rows[index]
      let y = inner.y + 3 + index - compare.cursor.offset
      if index == compare.cursor.selected {
        grid.drawRow(grid.cells(row), styles: [:], rowStyle: theme[.selection], y: y, x: inner.x, into: &buffer)
        continue
      }
      var styles: [Int: CellStyle] = [:]
      switch row.move {
      case "gone"?:
        styles[grid.leftID] = theme[.error]
        styles[grid.move] = theme[.error]
      case "="?: styles[grid.move] = theme[.dim]
      case .some: styles[grid.move] = theme[.key]
      case nil: break
      }
      if row.isNew {
        styles[grid.rightID] = theme[.progress]
        styles[grid.new] = theme[.progress]
      }
      grid.drawRow(grid.cells(row), styles: styles, rowStyle: .plain, y: y, x: inner.x, into: &buffer)
    }
  }
}

/// Where the compare page's columns go: the rank, then each side's id, distance, MOVE (left) or
/// NEW (right) and, when there is room, the first output field; a `│` between the sides.
struct CompareGrid {
  var columns: [TableColumn] = []
  var widths: [Int] = []
  /// Where each side starts, from the left of the table.
  var sideX = [0, 0]
  var sideWidth = 0
  var field: String?
  // Column indexes.
  let rank = 0
  let leftID = 1
  let leftDistance = 2
  let move = 3
  var rightID = 5
  var rightDistance = 6
  var new = 7
  var total = 0

  init(_ compare: CompareState, width: Int, largerIsCloser: Bool) {
    total = width
    let rows = compare.rows
    let rankWidth = max(1, String(rows.count).count)
    let distances = rows.flatMap { [$0.left, $0.right].compactMap { $0.map { Self.distance($0.distance) } } }
    let distanceWidth = max(8, distances.map(\.count).max() ?? 0)
    let ids = rows.flatMap { [$0.left, $0.right].compactMap { $0?.id.description } }
    let idWidth = max(2, ids.map { DisplayWidth.of($0) }.max() ?? 0)
    // Each side: id, distance, mark (4), and an output field when a side has 44 cells or more.
    sideWidth = max(0, (width - rankWidth - 1 - 3) / 2)
    let candidate = compare.query.left.outputFields.first { $0 != "*" }
    field = sideWidth >= 44 ? candidate : nil
    let distanceTitle = largerIsCloser ? "SCORE" : "DISTANCE"
    func side(_ mark: String) -> [TableColumn] {
      var side = [
        TableColumn(title: "ID", width: .flex(min: 2, ideal: idWidth)),
        TableColumn(title: distanceTitle, width: .fixed(distanceWidth), alignRight: true),
        TableColumn(title: mark, width: .fixed(4)),
      ]
      if let field {
        side.append(TableColumn(title: field.uppercased(), width: .flex(min: 0, ideal: sideWidth)))
      }
      return side
    }
    let left = side("MOVE")
    let right = side("NEW")
    let leftWidths = TableColumn.widths(left, total: sideWidth)
    let rightWidths = TableColumn.widths(right, total: sideWidth)
    columns = [TableColumn(title: "#", width: .fixed(rankWidth), alignRight: true)] + left
    widths = [rankWidth] + leftWidths
    columns.append(TableColumn(title: "│", width: .fixed(1)))
    widths.append(1)
    rightID = columns.count
    rightDistance = rightID + 1
    new = rightID + 2
    columns += right
    widths += rightWidths
    sideX = [rankWidth + 1, rankWidth + 1 + sideWidth + 3]
  }

  static func distance(_ value: Float) -> String { NumberText.fixed(Double(value), digits: 4) }

  var headers: [String] { columns.map(\.title) }

  /// The cells of one row, in column order.
  func cells(_ row: CompareRow) -> [String] {
    func side(_ hit: SearchHit?, mark: String) -> [String] {
      guard let hit else { return ["", "", ""] + (field == nil ? [] : [""]) }
      var cells = [hit.id.description, Self.distance(hit.distance), mark]
      if let field { cells.append(hit.fields[field].map { NumberText.value($0, width: 32) } ?? "") }
      return cells
    }
    return [String(row.rank)] + side(row.left, mark: row.move ?? "") + ["│"]
      + side(row.right, mark: row.isNew ? "new" : "")
  }

  /// Draws one row: the whole row in `rowStyle`, then the cells of `styles` in theirs.
  func drawRow(
    _ cells: [String], styles: [Int: CellStyle], rowStyle: CellStyle, y: Int, x: Int, into buffer: inout CellBuffer
  ) {
    var column = x
    // Zero-width columns are left out, with their gap (as `TableColumn.widths` counts them).
    for (index, width) in widths.enumerated() where width > 0 {
      if column > x {
        buffer.put(" ", x: column, y: y, style: rowStyle)
        column += 1
      }
      let text = DisplayWidth.pad(
        index < cells.count ? cells[index] : "", to: width, alignRight: columns[index].alignRight)
      buffer.put(text, x: column, y: y, style: styles[index] ?? rowStyle, maxWidth: width)
      column += width
    }
    if column < x + total {
      buffer.put(String(repeating: " ", count: x + total - column), x: column, y: y, style: rowStyle)
    }
  }
}
