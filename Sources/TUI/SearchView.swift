import Model

/// The search form, the results page and the entity page.
extension ExplorerView {
  // MARK: - Frames for the pages

  /// Draws a page's thick border, title and footers; returns the rectangle inside (with one
  /// column of padding on each side).
  static func drawPage(
    into buffer: inout CellBuffer, rect: Rect, title: String, footerLeft: String?, footerRight: String?,
    theme: Theme
  ) -> Rect {
    buffer.drawBorder(rect, glyphs: .thick, style: theme[.borderFocused])
    let room = rect.width - 4
    buffer.put(
      " " + DisplayWidth.truncate(title, to: room - 2) + " ", x: rect.x + 2, y: rect.y, style: theme[.titleFocused],
      maxWidth: room)
    var leftUsed = 0
    if let footerLeft {
      leftUsed = buffer.put(
        " " + DisplayWidth.truncate(footerLeft, to: room - 2) + " ", x: rect.x + 2, y: rect.maxY - 1,
        style: theme[.titleFocused], maxWidth: room)
    }
    if let footerRight {
      let text = " \(footerRight) "
      let width = DisplayWidth.of(text)
      if leftUsed + width + 1 <= room {
        buffer.put(text, x: rect.maxX - 2 - width, y: rect.maxY - 1, style: theme[.titleFocused])
      }
    }
    let inner = rect.inner
    return Rect(x: inner.x + 1, y: inner.y, width: max(0, inner.width - 2), height: inner.height)
  }

  /// "Enter entity · m more like this": hints with the keys the keymap binds now.
  static func hints(_ items: [(Command, String)], keymap: Keymap, scope: KeyScope? = nil) -> String {
    items.compactMap { command, text -> String? in
      let binding = keymap.bindings.first { $0.command == command && (scope == nil || $0.scope == scope) }
      guard let binding, !binding.keys.isEmpty else { return nil }
      return binding.keys.map(\.label).joined(separator: " ") + " " + text
    }.joined(separator: " · ")
  }

  // MARK: - Results

  static func drawResults(into buffer: inout CellBuffer, rect: Rect, state: ExplorerState, theme: Theme) {
    guard let results = state.results else { return }
    let query = results.query
    let request = query.request
    let footer = hints(
      [
        (.open, "entity"), (.moreLikeThis, "more like this"), (.measureRecall, "recall"), (.search, "search"),
        (.back, "back"),
      ], keymap: state.keymap)
    let inner = drawPage(
      into: &buffer, rect: rect,
      title: "Results · \(request.collection) · \(query.source) · top \(request.topK) by \(query.metric.rawValue)",
      footerLeft: footer, footerRight: position(state.resultsCursor, count: results.hits.count), theme: theme)
    var summary = "\(request.vectorField ?? "vector") (dim \(results.vector.count))"
    if !request.filter.isEmpty { summary += " · filter " + request.filter }
    for (name, value) in request.params.sorted(by: { $0.key < $1.key }) { summary += " · \(name)=\(value.jsonText)" }
    if state.resultsHistory.count > 0 { summary += " · \(state.resultsHistory.count) earlier (Esc)" }
    drawResultsSummary(summary, recall: results.recall, into: &buffer, inner: inner, theme: theme)
    let table = Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: max(0, inner.height - 1))
    guard !results.hits.isEmpty else {
      let why = request.filter.isEmpty ? "" : " (the filter may exclude every entity)"
      drawMessage(into: &buffer, rect: table, lines: [("no hits" + why, theme[.dim])])
      return
    }
    let fields = outputColumns(results, schema: state.schema(of: request.collection))
    // A field holding `#rrggbb` colours gets a swatch before each value, so that neighbours in a
    // colour space can be seen to look alike.
    let swatchFields = Set(fields.filter { name in results.hits.contains { Self.hexColor($0.fields[name]) != nil } })
    var rows = results.hits.enumerated().map { rank, hit -> [String] in
      [String(rank + 1), hit.id.description, NumberText.fixed(Double(hit.distance), digits: 4)]
        + fields.map { name in
          let text = hit.fields[name].map { NumberText.value($0, width: 32) } ?? ""
          return swatchFields.contains(name) && Self.hexColor(hit.fields[name]) != nil ? "██ " + text : text
        }
    }
    let widest = { (column: Int) in rows.map { DisplayWidth.of($0[column]) }.max() ?? 0 }
    var columns = [
      TableColumn(title: "#", width: .fixed(max(1, widest(0))), alignRight: true),
      TableColumn(title: "ID", width: .flex(min: 2, ideal: max(2, widest(1)))),
      TableColumn(
        title: query.metric.largerIsCloser ? "SCORE" : "DISTANCE", width: .fixed(max(8, widest(2))), alignRight: true),
    ]
    for (offset, name) in fields.enumerated() {
      let ideal = max(DisplayWidth.of(name), widest(3 + offset))
      columns.append(TableColumn(title: name.uppercased(), width: .flex(min: min(ideal, 6), ideal: ideal)))
    }
    if fields.isEmpty {
      columns.append(TableColumn(title: "", width: .flex(min: 0, ideal: 0)))
      rows = rows.map { $0 + [""] }
    }
    let visibleRows = state.resultsTableRows
    drawTable(
      into: &buffer, rect: table, columns: columns, rows: rows, rowStyles: rows.map { _ in nil },
      cursor: state.resultsCursor, visibleRows: visibleRows, focused: true, theme: theme)
    let shownHits = min(visibleRows, results.hits.count - state.resultsCursor.offset)
    if !swatchFields.isEmpty {
      let widths = TableColumn.widths(columns, total: table.width)
      for (offset, name) in fields.enumerated() where swatchFields.contains(name) {
        let column = 3 + offset
        guard widths[column] >= 2 else { continue }
        let x = table.x + widths[..<column].filter { $0 > 0 }.reduce(0) { $0 + $1 + 1 }
        for row in 0..<shownHits {
          let hit = results.hits[state.resultsCursor.offset + row]
          guard let (red, green, blue) = Self.hexColor(hit.fields[name]) else { continue }
          for cell in 0..<2 where x + cell < table.maxX {
            buffer[x + cell, table.y + 1 + row].style.foreground = .rgb(red, green, blue)
          }
        }
      }
    }
    drawMissed(
      results, fields: fields, columns: columns, top: table.y + 1 + shownHits, inner: inner, into: &buffer,
      theme: theme)
    // The distances' histogram in the last rows, when they are free.
    let missedRows = results.recall.map { $0.missed.isEmpty ? 0 : 1 + $0.missed.count } ?? 0
    let histogramTop = inner.maxY - histogramRows
    if histogramTop - 1 >= table.y + 1 + shownHits + missedRows {
      drawDistanceHistogram(
        results.hits, largerIsCloser: query.metric.largerIsCloser, into: &buffer,
        rect: Rect(x: inner.x, y: histogramTop, width: inner.width, height: histogramRows), theme: theme)
    }
  }

  /// The colour a `#rrggbb` string names, if the value is one.
  static func hexColor(_ value: Value?) -> (UInt8, UInt8, UInt8)? {
    guard case .string(let text)? = value, text.utf8.count == 7, text.hasPrefix("#"),
      let number = UInt32(text.dropFirst(), radix: 16)
    else { return nil }
    return (UInt8(number >> 16 & 0xFF), UInt8(number >> 8 & 0xFF), UInt8(number & 0xFF))
  }

  /// The output fields the results show as columns: as asked, `*` expanded in schema order;
  /// the primary key is already in the ID column.
  static func outputColumns(_ results: SearchResults, schema: CollectionSchema?) -> [String] {
    let asked = results.query.request.outputFields
    var names: [String] = []
    for name in asked where name != "*" && !names.contains(name) { names.append(name) }
    if asked.contains("*") {
      let present = Set(results.hits.flatMap(\.fields.keys))
      let ordered = (schema?.fields.map(\.name) ?? []).filter(present.contains) + present.sorted()
      for name in ordered where !names.contains(name) { names.append(name) }
    }
    let primary = schema?.primaryField?.name
    return names.filter { $0 != primary }
  }

  // MARK: - Entity

  static func drawEntity(into buffer: inout CellBuffer, rect: Rect, state: ExplorerState, theme: Theme) {
    guard let entity = state.entity else { return }
    let fields = state.entityRows
    let footer = hints([(.moreLikeThis, "more like this"), (.search, "search"), (.back, "back")], keymap: state.keymap)
    let inner = drawPage(
      into: &buffer, rect: rect, title: "Entity · \(entity.collection) · \(entity.id)", footerLeft: footer,
      footerRight: position(state.entityCursor, count: fields.count), theme: theme)
    if let problem = entity.problem {
      drawMessage(into: &buffer, rect: inner, lines: [(problem, theme[.error])])
      return
    }
    guard entity.row != nil else {
      drawMessage(into: &buffer, rect: inner, lines: [("loading \(entity.id)…", theme[.dim])])
      return
    }
    let nameWidth = max(5, fields.map { DisplayWidth.of($0.name) }.max() ?? 0)
    let typeWidth = max(4, fields.map { DisplayWidth.of($0.type) }.max() ?? 0)
    let columns = [
      TableColumn(title: "FIELD", width: .flex(min: 5, ideal: nameWidth)),
      TableColumn(title: "TYPE", width: .fixed(typeWidth)),
      TableColumn(title: "VALUE", width: .flex(min: 10, ideal: inner.width)),
    ]
    let valueWidth = TableColumn.widths(columns, total: inner.width).last ?? 20
    let rows = fields.map { [$0.name, $0.type, NumberText.value($0.value, width: valueWidth)] }
    let styles: [CellStyle?] = fields.map { $0.value.isNull || $0.type == "dynamic" ? theme[.dim] : nil }
    drawTable(
      into: &buffer, rect: inner, columns: columns, rows: rows, rowStyles: styles, cursor: state.entityCursor,
      visibleRows: Layout(size: state.size).entityRows, focused: true, theme: theme)
    // A sparkline of each vector under the table, when there is room for them all.
    let vectors = fields.compactMap { field -> (name: String, values: [Float])? in
      guard case .floatVector(let values) = field.value else { return nil }
      return (field.name, values)
    }
    let shownFields = min(Layout(size: state.size).entityRows, fields.count - state.entityCursor.offset)
    let sparklineRow = 1 + shownFields + 1
    if !vectors.isEmpty, sparklineRow + vectors.count <= inner.height {
      drawSparklines(vectors, into: &buffer, rect: inner, row: sparklineRow, theme: theme)
    }
  }

  // MARK: - The form

  static let formLabelWidth = 13

  static func drawSearchForm(
    _ form: SearchForm, into buffer: inout CellBuffer, body: Rect, state: ExplorerState, theme: Theme
  ) {
    var shown = form.fields
    if !shown.contains(.vectorField) { shown.insert(.vectorField, at: shown.firstIndex(of: .topK) ?? shown.count) }
    let width = min(body.width - 4, 100)
    let valueWidth = max(0, width - 4 - formLabelWidth)
    // The filter's problem: a caret line, then the message (at most two lines).
    let problemText = form.filterProblem.map {
      Array(Format.wrap("column \($0.column): \($0.message)", width: valueWidth).prefix(2))
    }
    let problemLines = problemText.map { 1 + $0.count } ?? 0
    let errorLines = form.error == nil ? 0 : 1
    let height = min(body.height, 2 + 1 + shown.count + problemLines + 1 + errorLines + 1)
    let rect = Rect(
      x: body.x + (body.width - width) / 2, y: body.y + max(0, (body.height - height) / 2), width: width,
      height: height)
    for row in 0..<rect.height { buffer.putRow("", in: rect, row: row) }
    buffer.drawBorder(rect, glyphs: .thick, style: theme[.borderFocused])
    buffer.put(
      " Search · \(DisplayWidth.truncate(form.collection, to: width - 16)) ", x: rect.x + 2, y: rect.y,
      style: theme[.titleFocused])
    let inner = Rect(x: rect.x + 2, y: rect.y + 1, width: max(0, rect.width - 4), height: max(0, rect.height - 2))
    let valueX = inner.x + formLabelWidth
    var row = 1
    for field in shown where row < inner.height {
      let focused = form.field == field
      let label = (focused ? "▸ " : "  ") + formLabel(field, form: form)
      buffer.put(
        DisplayWidth.pad(label, to: formLabelWidth), x: inner.x, y: inner.y + row,
        style: focused ? theme[.titleFocused] : theme[.dim], maxWidth: formLabelWidth)
      switch field {
      case .source:
        var x = valueX
        for source in form.sources {
          let chosen = source == form.source
          let style = chosen ? (focused ? theme[.selection] : theme[.selectionInactive]) : CellStyle.plain
          x += buffer.put(" \(source.label) ", x: x, y: inner.y + row, style: style, maxWidth: inner.maxX - x)
          x += 1
        }
      case .vectorField:
        drawVectorFieldRow(form, focused: focused, x: valueX, y: inner.y + row, maxX: inner.maxX, into: &buffer, theme)
      case .metric:
        var x = valueX
        for choice in SearchForm.metricChoices {
          let chosen = choice == form.metricChoice
          let style = chosen ? (focused ? theme[.selection] : theme[.selectionInactive]) : CellStyle.plain
          let label =
            choice?.rawValue ?? (form.index == nil ? "default" : "index's") + " (\(form.defaultMetric.rawValue))"
          x += buffer.put(" \(label) ", x: x, y: inner.y + row, style: style, maxWidth: inner.maxX - x)
          x += 1
        }
      default:
        let text = form.text(of: field) ?? ""
        if text.isEmpty, !focused {
          buffer.put(
            placeholder(field, form: form), x: valueX, y: inner.y + row, style: theme[.dim], maxWidth: valueWidth)
        } else {
          let input = focused ? (form.input ?? TextField(text)) : TextField(text)
          let cut = drawInput(
            input, focused: focused, x: valueX, y: inner.y + row, width: valueWidth, into: &buffer)
          if field == .filter, let problem = form.filterProblem {
            let prefix = DisplayWidth.of(String(text.prefix(max(0, problem.column - 1))))
            let caret = min(max(0, prefix - cut), max(0, valueWidth - 1))
            buffer.put("^", x: valueX + caret, y: inner.y + row + 1, style: theme[.error])
            for (offset, line) in (problemText ?? []).enumerated() {
              buffer.put(line, x: valueX, y: inner.y + row + 2 + offset, style: theme[.error], maxWidth: valueWidth)
            }
            row += problemLines
          }
        }
      }
      row += 1
    }
    row += 1
    if let error = form.error, row < inner.height {
      buffer.put(
        DisplayWidth.truncate("✗ " + error, to: inner.width), x: inner.x, y: inner.y + row, style: theme[.error],
        maxWidth: inner.width)
      row += 1
    }
    let running = state.runningSearch != nil
    let hint = hints(
      [
        (.nextField, "next"), (.previousField, "previous"), (.choose, "choose"),
        (.runSearch, running ? "searching…" : "search"), (.closeForm, running ? "cancel" : "close"),
      ], keymap: state.keymap, scope: .form)
    if row < inner.height {
      buffer.put(
        DisplayWidth.truncate(hint, to: inner.width), x: inner.x, y: inner.y + row, style: theme[.dim],
        maxWidth: inner.width)
    }
  }

  private static func formLabel(_ field: FormField, form: SearchForm) -> String {
    switch field {
    case .source: return "source"
    case .value:
      switch form.source {
      case .entity: return "id"
      case .text: return "text"
      case .literal, .random: return "vector"
      }
    case .vectorField: return "field"
    case .topK: return "top k"
    case .param: return form.paramName ?? "param"
    case .filter: return "filter"
    case .output: return "output"
    case .metric: return "metric"
    case .partitions: return "partitions"
    }
  }

  private static func placeholder(_ field: FormField, form: SearchForm) -> String {
    let dim = form.vectorFieldSchema?.dim ?? 0
    switch field {
    case .value:
      switch form.source {
      case .entity: return "primary key of the entity to search like"
      case .text: return "words for the embedding command"
      case .literal, .random: return "[0.1, 0.2, …] with \(dim) values"
      }
    case .param: return "default"
    case .filter: return "none: every entity"
    case .output: return "primary key only"
    case .partitions: return "all partitions"
    default: return ""
    }
  }

  /// The vector field's row: its name (a choice when there are several), dimension and index.
  private static func drawVectorFieldRow(
    _ form: SearchForm, focused: Bool, x start: Int, y: Int, maxX: Int, into buffer: inout CellBuffer, _ theme: Theme
  ) {
    var x = start
    let names = form.schema.vectorFields.map(\.name)
    if names.count > 1 {
      for name in names {
        let chosen = name == form.vectorField
        let style = chosen ? (focused ? theme[.selection] : theme[.selectionInactive]) : CellStyle.plain
        x += buffer.put(" \(name) ", x: x, y: y, style: style, maxWidth: maxX - x)
        x += 1
      }
    } else {
      x += buffer.put(form.vectorField + "  ", x: x, y: y, maxWidth: maxX - x)
    }
    var detail = "dim \(form.vectorFieldSchema?.dim ?? 0)"
    if let index = form.index {
      detail += " · \(index.spec.indexType) \(index.spec.metric.rawValue)"
    } else {
      detail += " · no index: exact COSINE"
    }
    buffer.put(detail, x: x, y: y, style: theme[.dim], maxWidth: max(0, maxX - x))
  }

  /// A text field's text in `width` cells, with the cursor when focused: the end shows, and
  /// `cut` says how many cells of the text's start gave way (with `…` in the first cell).
  static func fieldText(_ text: String, focused: Bool, width: Int) -> (text: String, cut: Int) {
    let full = text + (focused ? "▏" : "")
    let total = DisplayWidth.of(full)
    guard total > width else { return (full, 0) }
    let shown = truncateLeading(full, to: width)
    return (shown, total - DisplayWidth.of(shown.dropFirst()) - 1)
  }
}
