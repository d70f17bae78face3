import Model

/// The recall meter on the results page: recall@k in the summary line, and the exact neighbours
/// the index missed listed below the hits, in the error style.
extension ExplorerView {
  /// The results page's summary line, led by the recall report when there is one.
  static func drawResultsSummary(
    _ summary: String, recall: RecallReport?, into buffer: inout CellBuffer, inner: Rect, theme: Theme
  ) {
    guard let recall else {
      buffer.putRow(summary, in: inner, row: 0, style: theme[.dim])
      return
    }
    buffer.putRow("", in: inner, row: 0)
    let used = buffer.put(
      recall.summary, x: inner.x, y: inner.y, style: recall.missed.isEmpty ? theme[.titleFocused] : theme[.error],
      maxWidth: inner.width)
    buffer.put(" · " + summary, x: inner.x + used, y: inner.y, style: theme[.dim], maxWidth: inner.width - used)
  }

  /// The missed neighbours under the hits shown: a title line, then one row per neighbour in the
  /// table's columns (its exact rank is unknown to the index, so `✗` stands in the rank column).
  static func drawMissed(
    _ results: SearchResults, fields: [String], columns: [TableColumn], top: Int, inner: Rect,
    into buffer: inout CellBuffer, theme: Theme
  ) {
    guard let report = results.recall, !report.missed.isEmpty, top < inner.maxY else { return }
    let room = inner.maxY - top
    let shown = report.missed.count <= room - 1 ? report.missed.count : max(0, room - 2)
    let rest = report.missed.count - shown
    buffer.put(
      DisplayWidth.truncate("missed by the index (in the exact top \(report.k)):", to: inner.width), x: inner.x,
      y: top, style: theme[.error], maxWidth: inner.width)
    let widths = TableColumn.widths(columns, total: inner.width)
    for (offset, hit) in report.missed.prefix(shown).enumerated() {
      var cells =
        ["✗", hit.id.description, NumberText.fixed(Double(hit.distance), digits: 4)]
        + fields.map { hit.fields[$0].map { NumberText.value($0, width: 32) } ?? "" }
      while cells.count < columns.count { cells.append("") }
      let text = TableColumn.row(cells, columns: columns, widths: widths, total: inner.width)
      buffer.put(text, x: inner.x, y: top + 1 + offset, style: theme[.error], maxWidth: inner.width)
    }
    if rest > 0, top + 1 + shown < inner.maxY {
      buffer.put(
        DisplayWidth.truncate("… \(rest) more (vscope search --recall lists them all)", to: inner.width),
        x: inner.x, y: top + 1 + shown, style: theme[.error], maxWidth: inner.width)
    }
  }
}
