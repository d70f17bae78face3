import Model

/// The entity browser's page: the filter line (with a caret under a filter error), the count,
/// and one page of rows.
extension ExplorerView {
  static func drawEntityBrowser(into buffer: inout CellBuffer, rect: Rect, state: ExplorerState, theme: Theme) {
    guard let browser = state.entityBrowser else { return }
    let footer = hints(
      [
        (.filter, "filter"), (.open, "entity"), (.moreLikeThis, "similar"), (.pageDown, "next"), (.pageUp, "prev"),
        (.back, "back"),
      ], keymap: state.keymap, scope: nil)
    let rows = browser.shownRows
    let first = browser.page * browser.pageSize
    var position: String?
    if let rows, !rows.isEmpty {
      position = "\(Format.grouped(first + 1))–\(Format.grouped(first + rows.count))"
      if let total = browser.total { position! += " of \(Format.grouped(total))" }
    }
    let inner = drawPage(
      into: &buffer, rect: rect, title: "Entities · \(browser.collection)", footerLeft: footer,
      footerRight: position, theme: theme)
    // A filter error too long for the caret's line takes the line below it.
    let top = drawBrowserFilter(browser, into: &buffer, inner: inner, theme: theme)
    let table = Rect(x: inner.x, y: inner.y + top, width: inner.width, height: max(0, inner.height - top))
    if let problem = browser.problem {
      drawMessage(into: &buffer, rect: table, lines: [(problem, theme[.error])])
      return
    }
    guard let rows else {
      drawMessage(into: &buffer, rect: table, lines: [("loading page \(browser.page + 1)…", theme[.dim])])
      return
    }
    guard !rows.isEmpty else {
      let why = browser.filter.isEmpty ? "no entities in \(browser.collection)" : "no entity matches the filter"
      drawMessage(into: &buffer, rect: table, lines: [(why, theme[.dim])])
      return
    }
    let fields = browser.columnFields
    let cells = rows.map { row in
      fields.map { field -> String in
        guard let value = row[field.name] else { return "" }
        return NumberText.value(value, width: field.type == .floatVector ? 24 : 40)
      }
    }
    let widest = { (column: Int) in cells.map { DisplayWidth.of($0[column]) }.max() ?? 0 }
    var columns: [TableColumn] = []
    for (index, field) in fields.enumerated() {
      let ideal = max(DisplayWidth.of(field.name), widest(index))
      if field.isPrimary {
        columns.append(TableColumn(title: field.name.uppercased(), width: .fixed(ideal)))
      } else {
        columns.append(
          TableColumn(title: field.name.uppercased(), width: .flex(min: min(ideal, 6), ideal: ideal)))
      }
    }
    let styles: [CellStyle?] = rows.map { _ in nil }
    drawTable(
      into: &buffer, rect: table, columns: columns, rows: cells, rowStyles: styles, cursor: browser.cursor,
      visibleRows: Layout(size: state.size).browserRows, focused: !browser.editing, theme: theme)
  }

  /// The filter line, then the caret and the error under it, or the count; returns the rows used.
  private static func drawBrowserFilter(
    _ browser: EntityBrowser, into buffer: inout CellBuffer, inner: Rect, theme: Theme
  ) -> Int {
    let label = "filter "
    let labelWidth = DisplayWidth.of(label)
    let valueX = inner.x + labelWidth
    let valueWidth = max(0, inner.width - labelWidth)
    buffer.put(label, x: inner.x, y: inner.y, style: browser.editing ? theme[.titleFocused] : theme[.dim])
    var cut = 0
    if browser.filterText.isEmpty, !browser.editing {
      buffer.put("none: every entity (/ edits)", x: valueX, y: inner.y, style: theme[.dim], maxWidth: valueWidth)
    } else {
      cut = drawInput(
        browser.filterInput, focused: browser.editing, x: valueX, y: inner.y, width: valueWidth, into: &buffer)
    }
    if let problem = browser.filterProblem {
      let prefix = DisplayWidth.of(String(browser.filterText.prefix(max(0, problem.column - 1))))
      let caret = min(max(0, prefix - cut), max(0, valueWidth - 1))
      let message = "column \(problem.column): \(problem.message)"
      let caretX = valueX + caret
      buffer.put("^", x: caretX, y: inner.y + 1, style: theme[.error])
      let width = DisplayWidth.of(message)
      if caretX + 2 + width <= inner.maxX {
        buffer.put(message, x: caretX + 2, y: inner.y + 1, style: theme[.error])
        return 2
      }
      if valueX + width <= caretX - 1 {
        buffer.put(message, x: caretX - 1 - width, y: inner.y + 1, style: theme[.error])
        return 2
      }
      buffer.putRow(DisplayWidth.truncate(message, to: inner.width), in: inner, row: 2, style: theme[.error])
      return 3
    }
    var summary: String
    if let total = browser.total {
      summary = "\(Format.grouped(total)) entit\(total == 1 ? "y" : "ies")"
      summary += browser.filter.isEmpty ? " (count(*))" : " match (count(*))"
      if browser.filterText.trimmingSpaces != browser.filter { summary += " · Enter runs the edited filter" }
    } else {
      summary = "counting…"
    }
    let pages = browser.total.map { max(1, ($0 + browser.pageSize - 1) / browser.pageSize) }
    summary += " · page \(browser.page + 1)" + (pages.map { " of \(Format.grouped($0))" } ?? "")
    buffer.put(summary, x: valueX, y: inner.y + 1, style: theme[.dim], maxWidth: valueWidth)
    return 2
  }
}
