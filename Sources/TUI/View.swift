import Model

/// Draws the explorer's state into a fresh cell buffer. Pure: the same state and theme give the
/// same frame, which is what the snapshot tests rely on.
enum ExplorerView {
  static let spinnerFrames: [Character] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

  static func render(_ state: ExplorerState, theme: Theme) -> CellBuffer {
    var buffer = CellBuffer(width: state.size.width, height: state.size.height)
    guard state.size.contains(.minimum) else {
      drawTooSmall(into: &buffer, state: state, theme: theme)
      return buffer
    }
    let layout = Layout(size: state.size)
    drawHeader(into: &buffer, rect: layout.header, state: state, theme: theme)
    if state.showHelp {
      drawHelp(into: &buffer, rect: layout.body, state: state, theme: theme)
    } else {
      switch state.page {
      case .browser:
        drawCollections(into: &buffer, layout: layout, state: state, theme: theme)
        drawSchema(into: &buffer, layout: layout, state: state, theme: theme)
        drawIndex(into: &buffer, layout: layout, state: state, theme: theme)
      case .results:
        if state.showsCompare {
          drawCompare(into: &buffer, rect: layout.body, state: state, theme: theme)
        } else {
          drawResults(into: &buffer, rect: layout.body, state: state, theme: theme)
        }
      case .entity:
        drawEntity(into: &buffer, rect: layout.body, state: state, theme: theme)
      case .entities:
        drawEntityBrowser(into: &buffer, rect: layout.body, state: state, theme: theme)
      case .plot:
        drawPlot(into: &buffer, rect: layout.body, state: state, theme: theme)
      }
      if let form = state.searchForm {
        drawSearchForm(form, into: &buffer, body: layout.body, state: state, theme: theme)
      }
    }
    drawStatus(into: &buffer, rect: layout.status, state: state, theme: theme)
    return buffer
  }

  // MARK: - Frame

  private static func drawTooSmall(into buffer: inout CellBuffer, state: ExplorerState, theme: Theme) {
    let minimum = TerminalSize.minimum
    let rect = Rect(x: 0, y: 0, width: buffer.width, height: buffer.height)
    let message = "terminal too small (need \(minimum), have \(state.size))"
    var lines = Format.wrap(message, width: rect.width).map { ($0, theme[.error]) }
    lines += Format.wrap("enlarge it, or press q to quit", width: rect.width).map { ($0, theme[.dim]) }
    let top = max(0, (rect.height - lines.count) / 2)
    for (offset, line) in lines.enumerated() where top + offset < rect.height {
      buffer.putCentered(line.0, in: rect, y: top + offset, style: line.1)
    }
  }

  private static func drawHeader(into buffer: inout CellBuffer, rect: Rect, state: ExplorerState, theme: Theme) {
    let hint = "? help  q quit "
    let separator = " │ "
    let room = rect.width - DisplayWidth.of(hint) - 2
    var text = " vscope"
    if let name = state.connectionName { text += separator + name }
    if let server = state.server {
      let kind = "\(server.kind) \(server.version)"
      let database = "db \(state.database ?? "default")"
      // The address gives way first, losing its head: the end of a path says most.
      let fixed = DisplayWidth.of(text + separator + kind + separator + separator + database)
      let address = truncateLeading(server.address, to: max(8, room - fixed))
      text += [kind, address, database].map { separator + $0 }.joined()
    } else {
      text += separator + (state.isBusy ? "connecting…" : "not connected")
    }
    let left = DisplayWidth.pad(DisplayWidth.truncate(text, to: room), to: rect.width - DisplayWidth.of(hint))
    buffer.putRow(left + hint, in: rect, row: 0, style: theme[.header])
  }

  /// `text` cut to `width` cells by dropping its start, with `…` where it was cut.
  static func truncateLeading(_ text: String, to width: Int) -> String {
    guard DisplayWidth.of(text) > width else { return text }
    guard width > 1 else { return String(repeating: "…", count: max(0, width)) }
    var kept: [Character] = []
    var used = 1
    for character in text.reversed() {
      let cells = DisplayWidth.of(character)
      if used + cells > width { break }
      kept.append(character)
      used += cells
    }
    return "…" + String(kept.reversed())
  }

  private static func drawStatus(into buffer: inout CellBuffer, rect: Rect, state: ExplorerState, theme: Theme) {
    buffer.putRow("", in: rect, row: 0)
    if let line = state.commandLine {
      var x = rect.x
      if let name = state.confirmDrop {
        x += buffer.put(
          "type \(name) to drop it (anything else cancels): ", x: x, y: rect.y, style: theme[.error],
          maxWidth: rect.width - 12)
      } else {
        x += buffer.put(":", x: x, y: rect.y)
      }
      let room = max(0, rect.maxX - x)
      drawInput(state.commandInput ?? TextField(line), focused: true, x: x, y: rect.y, width: room, into: &buffer)
      if let completion = state.completion {
        drawCompletion(completion, into: &buffer, y: rect.y - 1, width: rect.width, theme: theme)
      }
      return
    }
    if state.isBusy {
      let frame = spinnerFrames[state.spinnerFrame % spinnerFrames.count]
      let labels = state.operations.values.sorted { $0.id < $1.id }.map { operation in
        operation.request.label + (state.progressNotes[operation.id].map { ": " + $0 } ?? "")
      }
      let used = buffer.put(
        " \(frame) " + labels.joined(separator: ", ") + "…", x: rect.x, y: rect.y, maxWidth: rect.width)
      buffer.put("  Esc cancels", x: rect.x + used, y: rect.y, style: theme[.dim], maxWidth: rect.width - used)
      return
    }
    guard let status = state.status else {
      buffer.put(" ready", x: rect.x, y: rect.y, style: theme[.dim])
      return
    }
    let latency = status.latency.map { " · " + Format.milliseconds($0) } ?? ""
    let room = rect.width - DisplayWidth.of(latency) - 1
    let mark = status.isError ? "✗ " : "✓ "
    let used = buffer.put(
      " " + DisplayWidth.truncate(mark + status.text, to: room - 1), x: rect.x, y: rect.y,
      style: status.isError ? theme[.error] : .plain, maxWidth: room)
    buffer.put(latency, x: rect.x + used, y: rect.y, style: theme[.dim], maxWidth: rect.width - used)
  }

  /// The names Tab offers, on the row above the command line; the one in the line highlighted.
  private static func drawCompletion(
    _ completion: Completion, into buffer: inout CellBuffer, y: Int, width: Int, theme: Theme
  ) {
    guard y >= 0 else { return }
    buffer.put(String(repeating: " ", count: width), x: 0, y: y, style: theme[.selectionInactive])
    var x = 1
    for (index, name) in completion.candidates.enumerated() {
      let cell = " \(name) "
      let cells = DisplayWidth.of(cell)
      if x + cells > width - 2 {
        buffer.put("…", x: x, y: y, style: theme[.selectionInactive])
        break
      }
      let style = index == completion.selected ? theme[.selection] : theme[.selectionInactive]
      x += buffer.put(cell, x: x, y: y, style: style)
    }
  }

  /// Draws a pane's border and title; returns the rectangle inside the border.
  private static func drawPane(
    _ pane: Pane, into buffer: inout CellBuffer, rect: Rect, title: String, footerLeft: String? = nil,
    footerRight: String? = nil, state: ExplorerState, theme: Theme
  ) -> Rect {
    let focused = state.focus == pane
    buffer.drawBorder(
      rect, glyphs: focused ? .thick : .light, style: focused ? theme[.borderFocused] : theme[.border])
    let titleStyle = focused ? theme[.titleFocused] : theme[.title]
    let room = rect.width - 4
    buffer.put(
      " " + DisplayWidth.truncate("\(pane.rawValue) \(title)", to: room - 2) + " ", x: rect.x + 2, y: rect.y,
      style: titleStyle, maxWidth: room)
    var leftUsed = 0
    if let footerLeft {
      leftUsed = buffer.put(
        " " + DisplayWidth.truncate(footerLeft, to: room - 2) + " ", x: rect.x + 2, y: rect.maxY - 1,
        style: titleStyle, maxWidth: room)
    }
    if let footerRight {
      let text = " \(footerRight) "
      let width = DisplayWidth.of(text)
      if leftUsed + width + 1 <= room {
        buffer.put(text, x: rect.maxX - 2 - width, y: rect.maxY - 1, style: titleStyle)
      }
    }
    // One column of padding inside the border on each side.
    let inner = rect.inner
    return Rect(x: inner.x + 1, y: inner.y, width: max(0, inner.width - 2), height: inner.height)
  }

  /// "3/12" under a list with a selection.
  static func position(_ cursor: ListCursor, count: Int) -> String? {
    count > 0 ? "\(cursor.selected + 1)/\(count)" : nil
  }

  /// Draws a list's column headers and visible rows; the selected row in the selection style.
  static func drawTable(
    into buffer: inout CellBuffer, rect: Rect, columns: [TableColumn], rows: [[String]], rowStyles: [CellStyle?],
    cursor: ListCursor, visibleRows: Int, focused: Bool, theme: Theme
  ) {
    let widths = TableColumn.widths(columns, total: rect.width)
    buffer.putRow(
      TableColumn.row(columns.map(\.title), columns: columns, widths: widths, total: rect.width), in: rect, row: 0,
      style: theme[.columnHeader])
    let end = min(rows.count, cursor.offset + visibleRows)
    guard cursor.offset < end else { return }
    for index in cursor.offset..<end {
      let text = TableColumn.row(rows[index], columns: columns, widths: widths, total: rect.width)
      var style = rowStyles[index] ?? .plain
      if index == cursor.selected { style = focused ? theme[.selection] : theme[.selectionInactive] }
      buffer.putRow(text, in: rect, row: 1 + index - cursor.offset, style: style)
    }
  }

  /// Lines of a message in a pane's body, wrapped.
  static func drawMessage(
    into buffer: inout CellBuffer, rect: Rect, lines: [(String, CellStyle)], startRow: Int = 0
  ) {
    var row = startRow
    for (text, style) in lines {
      for line in Format.wrap(text, width: rect.width) where row < rect.height {
        buffer.putRow(line, in: rect, row: row, style: style)
        row += 1
      }
    }
  }

  // MARK: - Collections

  private static func drawCollections(into buffer: inout CellBuffer, layout: Layout, state: ExplorerState, theme: Theme)
  {
    let visible = state.visibleCollections
    let cursor = state[cursor: .collections]
    var title = "Collections"
    if state.collectionsListed {
      title += state.filter.isEmpty ? " (\(visible.count))" : " (\(visible.count) of \(state.collections.count))"
    }
    var footerLeft: String?
    var filterCursor: Int?
    if state.editingFilter {
      // The footer holds " /" then the filter around its cursor; the terminal's cursor shows in it.
      let shown = state.filterInput.window(width: max(1, layout.collections.width - 7))
      footerLeft = "/" + shown.text
      filterCursor = shown.cursorColumn
    } else if !state.filter.isEmpty {
      footerLeft = "/" + state.filter + " (Esc clears)"
    }
    let inner = drawPane(
      .collections, into: &buffer, rect: layout.collections, title: title, footerLeft: footerLeft,
      footerRight: position(cursor, count: visible.count), state: state, theme: theme)
    if let filterCursor {
      buffer.cursor = CellPosition(x: layout.collections.x + 4 + filterCursor, y: layout.collections.maxY - 1)
    }
    if let error = state.listingError, !state.collectionsListed {
      var lines = [("cannot list the collections:", theme[.error]), (error, theme[.error])]
      if !state.isBusy { lines.append(("r tries again", theme[.dim])) }
      drawMessage(into: &buffer, rect: inner, lines: lines)
      return
    }
    guard state.collectionsListed else {
      drawMessage(into: &buffer, rect: inner, lines: [(state.isBusy ? "loading…" : "nothing listed yet", theme[.dim])])
      return
    }
    if state.showsWelcome {
      DemoOverlay.drawWelcome(into: &buffer, rect: inner, state: state, theme: theme)
      return
    }
    guard !visible.isEmpty else {
      let message =
        state.collections.isEmpty
        ? "no collections in \(state.database ?? "this database")"
        : "no collection name contains “\(state.filter)”"
      drawMessage(into: &buffer, rect: inner, lines: [(message, theme[.dim])])
      return
    }
    // Only the rows on screen are formatted, so a frame costs the same for 1,000 collections as
    // for 100,000; the column widths still fit every row, measured without formatting them.
    let indexText = { (summary: CollectionSummary) in
      summary.indexTypes.map { $0.isEmpty ? "—" : $0.joined(separator: ",") } ?? "?"
    }
    let window = cursor.offset..<min(visible.count, cursor.offset + layout.listRows(.collections))
    let rows = visible[window].map { summary -> [String] in
      [
        summary.name, Format.grouped(summary.info.entityCount), summary.info.loadState.rawValue, indexText(summary),
        summary.info.description,
      ]
    }
    let widestEntities = Format.grouped(visible.map { abs($0.info.entityCount) }.max() ?? 0).count
    let indexWidths = visible.map { summary in
      summary.indexTypes.map { types in types.isEmpty ? 1 : types.reduce(types.count - 1) { $0 + cells($1) } } ?? 1
    }
    let widestName = visible.map { cells($0.name) }.max() ?? 0
    let widestDescription = visible.map { cells($0.info.description) }.max() ?? 0
    let columns = [
      TableColumn(title: "NAME", width: .flex(min: 12, ideal: max(12, widestName))),
      TableColumn(title: "ENTITIES", width: .fixed(max(8, widestEntities)), alignRight: true),
      TableColumn(title: "LOAD", width: .fixed(8)),
      TableColumn(title: "INDEX", width: .fixed(max(5, min(16, indexWidths.max() ?? 0)))),
      TableColumn(title: "DESCRIPTION", width: .flex(min: 0, ideal: widestDescription)),
    ]
    var windowCursor = cursor
    windowCursor.selected -= cursor.offset
    windowCursor.offset = 0
    drawTable(
      into: &buffer, rect: inner, columns: columns, rows: rows, rowStyles: rows.map { _ in nil },
      cursor: windowCursor, visibleRows: layout.listRows(.collections), focused: state.focus == .collections,
      theme: theme)
  }

  /// Cells `text` takes: its length when it is printable ASCII (names usually are), else as
  /// `DisplayWidth` counts them.
  private static func cells(_ text: String) -> Int {
    text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } ? text.utf8.count : DisplayWidth.of(text)
  }

  // MARK: - Schema

  /// A message for a collection whose detail has not arrived; nil once it has.
  private static func detailMessage(_ state: ExplorerState, theme: Theme) -> [(String, CellStyle)]? {
    guard let name = state.selectedCollection?.name else {
      return [(state.collectionsListed ? "no collection selected" : "", theme[.dim])]
    }
    switch state.details[name] {
    case .loaded: return nil
    case .failed(let message): return [("cannot describe \(name):", theme[.error]), (message, theme[.error])]
    case .cancelled: return [("cancelled; r loads it again", theme[.dim])]
    case .loading, nil: return [("loading \(name)…", theme[.dim])]
    }
  }

  private static func drawSchema(into buffer: inout CellBuffer, layout: Layout, state: ExplorerState, theme: Theme) {
    let cursor = state[cursor: .schema]
    let count = state.schemaRowCount
    var title = "Schema"
    if let name = state.selectedCollection?.name { title += " · \(name)" }
    let footer = state.selectedDetail.map { $0.schema.enableDynamicField ? "dynamic field on" : "dynamic field off" }
    let inner = drawPane(
      .schema, into: &buffer, rect: layout.schema, title: title, footerLeft: footer,
      footerRight: position(cursor, count: count), state: state, theme: theme)
    if let message = detailMessage(state, theme: theme) {
      drawMessage(into: &buffer, rect: inner, lines: message)
      return
    }
    guard let schema = state.selectedDetail?.schema else { return }
    var rows = schema.fields.map { field in [field.name, field.typeLabel, flags(of: field), field.description] }
    var styles: [CellStyle?] = rows.map { _ in nil }
    if schema.enableDynamicField {
      rows.append([CollectionSchema.dynamicFieldName, "JSON", "dynamic", "keys not in the schema"])
      styles.append(theme[.dim])
    }
    let widest = { (column: Int) in rows.map { DisplayWidth.of($0[column]) }.max() ?? 0 }
    let columns = [
      TableColumn(title: "FIELD", width: .flex(min: 8, ideal: max(8, widest(0)))),
      TableColumn(title: "TYPE", width: .fixed(max(4, widest(1)))),
      TableColumn(title: "FLAGS", width: .flex(min: 8, ideal: max(8, widest(2)))),
      TableColumn(title: "DESCRIPTION", width: .flex(min: 0, ideal: widest(3))),
    ]
    drawTable(
      into: &buffer, rect: inner, columns: columns, rows: rows, rowStyles: styles, cursor: cursor,
      visibleRows: layout.listRows(.schema), focused: state.focus == .schema, theme: theme)
  }

  /// Milvus's field flags in a few words: `pk auto_id nullable default=0 partition_key`.
  static func flags(of field: FieldSchema) -> String {
    var flags: [String] = []
    if field.isPrimary { flags.append("pk") }
    if field.autoID { flags.append("auto_id") }
    if field.nullable { flags.append("nullable") }
    if let value = field.defaultValue, !value.isNull { flags.append("default=" + value.jsonValue.jsonText) }
    if field.isPartitionKey { flags.append("partition_key") }
    return flags.joined(separator: " ")
  }

  // MARK: - Index

  private static func drawIndex(into buffer: inout CellBuffer, layout: Layout, state: ExplorerState, theme: Theme) {
    let cursor = state[cursor: .index]
    let indexRows = state.indexRows
    var title = "Index"
    if let name = state.selectedCollection?.name { title += " · \(name)" }
    let inner = drawPane(
      .index, into: &buffer, rect: layout.index, title: title, footerRight: position(cursor, count: indexRows.count),
      state: state, theme: theme)
    if let message = detailMessage(state, theme: theme) {
      drawMessage(into: &buffer, rect: inner, lines: message)
      return
    }
    let rows = indexRows.map { row -> [String] in
      switch row {
      case .index(let status):
        return [status.spec.fieldName, status.spec.indexType, status.spec.metric.rawValue, status.state.rawValue]
      case .unindexed(let field):
        return [field.name, "—", "—", "no index"]
      }
    }
    let styles: [CellStyle?] = indexRows.map { row in
      switch row {
      case .index(let status): return status.state == .failed ? theme[.error] : nil
      case .unindexed: return theme[.dim]
      }
    }
    let widest = { (column: Int) in rows.map { DisplayWidth.of($0[column]) }.max() ?? 0 }
    let columns = [
      TableColumn(title: "FIELD", width: .flex(min: 6, ideal: max(6, widest(0)))),
      TableColumn(title: "TYPE", width: .fixed(max(4, widest(1)))),
      TableColumn(title: "METRIC", width: .fixed(6)),
      TableColumn(title: "STATE", width: .flex(min: 5, ideal: max(5, widest(3)))),
    ]
    drawTable(
      into: &buffer, rect: inner, columns: columns, rows: rows, rowStyles: styles, cursor: cursor,
      visibleRows: layout.listRows(.index), focused: state.focus == .index, theme: theme)
    guard indexRows.indices.contains(cursor.selected) else { return }
    // The selected index's details, one blank line below the table's last row.
    let tableRows = min(indexRows.count, layout.listRows(.index))
    let details = Rect(
      x: inner.x, y: min(inner.y + 2 + tableRows, inner.maxY - Layout.indexDetailLines), width: inner.width,
      height: Layout.indexDetailLines)
    switch indexRows[cursor.selected] {
    case .index(let status):
      let params = status.spec.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.jsonText)" }
      buffer.putRow("params  " + (params.isEmpty ? "none" : params.joined(separator: " ")), in: details, row: 0)
      buffer.putRow(
        "indexed \(Format.grouped(status.indexedRows)) of \(Format.grouped(status.totalRows))", in: details, row: 1)
      buffer.putRow(
        Format.progressBar(done: status.indexedRows, total: status.totalRows, width: details.width), in: details,
        row: 2, style: theme[.progress])
      if status.state == .failed {
        buffer.putRow("failed: " + status.failReason, in: details, row: 3, style: theme[.error])
      } else if status.pendingIndexRows > 0 {
        buffer.putRow(
          "pending \(Format.grouped(status.pendingIndexRows)) rows", in: details, row: 3, style: theme[.dim])
      } else {
        buffer.putRow("memory  " + memoryText(status), in: details, row: 3, style: theme[.dim])
      }
    case .unindexed(let field):
      drawMessage(
        into: &buffer, rect: details,
        lines: [("no index on \(field.name): searches scan every row exactly (as FLAT does)", theme[.dim])])
    }
  }

  /// What an index's own structures take, as far as the backend says.
  static func memoryText(_ status: IndexStatus) -> String {
    guard let bytes = status.memoryBytes else { return "not reported" }
    guard bytes > 0 else { return "none beyond the vectors" }
    return Quantity.bytes(bytes)
  }

  // MARK: - Help

  private static func drawHelp(into buffer: inout CellBuffer, rect: Rect, state: ExplorerState, theme: Theme) {
    buffer.drawBorder(rect, glyphs: .thick, style: theme[.borderFocused])
    buffer.put(" Keys ", x: rect.x + 2, y: rect.y, style: theme[.titleFocused])
    let inner = helpArea(rect)
    let help = helpLayout(state: state, width: inner.width, height: inner.height)
    let scroll = min(max(0, state.helpScroll), help.maxScroll)
    var footer = " ? or Esc closes "
    if help.maxScroll > 0 {
      let down = state.keymap.keyLabel(for: .moveDown) ?? "j"
      let up = state.keymap.keyLabel(for: .moveUp) ?? "k"
      let more = scroll < help.maxScroll ? (scroll > 0 ? "↑↓" : "↓") : "↑"
      footer = " \(more) \(down) \(up) scroll · ? or Esc closes "
    }
    buffer.put(footer, x: rect.maxX - 2 - DisplayWidth.of(footer), y: rect.maxY - 1, style: theme[.titleFocused])
    let keyWidth = 12
    for (column, lines) in help.columns.enumerated() {
      let x = inner.x + column * (help.columnWidth + help.gap)
      for (row, line) in lines.dropFirst(scroll).prefix(inner.height).enumerated() {
        let y = inner.y + row
        if line.isHeading {
          buffer.put(DisplayWidth.truncate(line.text, to: help.columnWidth), x: x, y: y, style: theme[.titleFocused])
        } else if !line.key.isEmpty {
          buffer.put(DisplayWidth.pad(line.key, to: keyWidth), x: x, y: y, style: theme[.key], maxWidth: keyWidth)
          buffer.put(DisplayWidth.truncate(line.text, to: help.columnWidth - keyWidth), x: x + keyWidth, y: y)
        }
      }
    }
  }

  /// The help box's inside, within the body.
  private static func helpArea(_ rect: Rect) -> Rect {
    Rect(x: rect.x + 2, y: rect.y + 1, width: max(0, rect.width - 4), height: max(0, rect.height - 2))
  }

  /// How far the help screen scrolls at the explorer's size: 0 when every line fits.
  static func helpMaxScroll(_ state: ExplorerState) -> Int {
    let inner = helpArea(Layout(size: state.size).body)
    return helpLayout(state: state, width: inner.width, height: inner.height).maxScroll
  }

  /// The help screen's lines in columns: one section per key scope, generated from the keymap,
  /// then the `:` commands. Whole sections go into columns; when they cannot all fit the height,
  /// the columns are balanced and scroll together.
  private static func helpLayout(
    state: ExplorerState, width: Int, height: Int
  ) -> (columns: [[HelpLine]], columnWidth: Int, gap: Int, maxScroll: Int) {
    let gap = 2
    var sections = KeyScope.allCases.compactMap { scope -> [HelpLine]? in
      let bindings = state.keymap.bindings(in: scope)
      guard !bindings.isEmpty else { return nil }
      return [HelpLine(key: "", text: scope.rawValue, isHeading: true)]
        + bindings.map { HelpLine(key: $0.keys.map(\.label).joined(separator: " "), text: $0.help, isHeading: false) }
    }
    sections.append(
      [HelpLine(key: "", text: "Commands", isHeading: true)]
        + CommandSyntax.help.map { HelpLine(key: $0.usage, text: $0.text, isHeading: false) })
    let columnCount = max(1, min(sections.count, 3, (width + gap) / (36 + gap)))
    let columnWidth = (width - gap * (columnCount - 1)) / columnCount
    let blank = HelpLine(key: "", text: "", isHeading: false)
    // A new column when a section does not fit below the last one, or when there are columns to
    // spare for the sections left.
    var columns: [[HelpLine]] = [[]]
    for (index, section) in sections.enumerated() {
      let current = columns[columns.count - 1]
      let sectionsLeft = sections.count - index
      let columnsLeft = columnCount - columns.count
      let fits = current.count + 1 + section.count <= height
      if !current.isEmpty, columnsLeft > 0, !fits || sectionsLeft <= columnsLeft {
        columns.append(section)
      } else {
        // A blank line between sections, unless it is what would push the section's end off.
        let separated = !current.isEmpty && (fits || current.count + section.count > height)
        columns[columns.count - 1] += (separated ? [blank] : []) + section
      }
    }
    if columns.allSatisfy({ $0.count <= height }) {
      return (columns, columnWidth, gap, 0)
    }
    // Too tall: balance the sections over the columns (each column about a share of the lines).
    let total = sections.reduce(0) { $0 + $1.count + 1 } - 1
    let target = (total + columnCount - 1) / columnCount
    columns = [[]]
    for section in sections {
      let current = columns[columns.count - 1]
      if !current.isEmpty, columns.count < columnCount, current.count + 1 + section.count > target {
        columns.append(section)
      } else {
        columns[columns.count - 1] += (current.isEmpty ? [] : [blank]) + section
      }
    }
    let tallest = columns.map(\.count).max() ?? 0
    return (columns, columnWidth, gap, max(0, tallest - height))
  }

  private struct HelpLine {
    var key: String
    var text: String
    var isHeading: Bool
  }
}
