import Model

/// The plot page: the sample's points in braille, coloured by a field, with the query and its
/// hits marked and a legend on the last row.
extension ExplorerView {
  /// The mark of a hit, and of the query vector.
  static let hitMark = "●"
  static let queryMark = "◆"

  static func drawPlot(into buffer: inout CellBuffer, rect: Rect, state: ExplorerState, theme: Theme) {
    guard let plot = state.plot else { return }
    let query = plot.query
    var title = "Plot · \(query.collection) · \(query.vectorField)"
    if let sample = plot.sample {
      title += " · \(Format.grouped(sample.points.count)) vectors · PC1 \(percent(sample.explainedFirst))"
      title += " PC2 \(percent(sample.explainedSecond))"
    }
    let footer = plotHints(state.keymap)
    let zoomText = plot.zoom == 1 ? nil : "zoom \(NumberText.fixed(plot.zoom, digits: 2, trim: true))×"
    let inner = drawPage(
      into: &buffer, rect: rect, title: title, footerLeft: footer, footerRight: zoomText, theme: theme)
    if let problem = plot.problem {
      drawMessage(into: &buffer, rect: inner, lines: [(problem, theme[.error])])
      return
    }
    guard let sample = plot.sample else {
      let limit = Format.grouped(query.limit)
      drawMessage(
        into: &buffer, rect: inner,
        lines: [("sampling up to \(limit) vectors of \(query.collection) and projecting them (PCA)…", theme[.dim])])
      return
    }
    guard !sample.points.isEmpty else {
      drawMessage(into: &buffer, rect: inner, lines: [("\(query.collection) has no vectors to plot", theme[.dim])])
      return
    }
    let canvasRect = Rect(x: inner.x, y: inner.y, width: inner.width, height: max(0, inner.height - 1))
    let coloring = plotColoring(plot, state: state)
    let colored = hasColors(theme)
    let viewport = plot.viewport(width: canvasRect.width, height: canvasRect.height)
    var canvas = BrailleCanvas(width: canvasRect.width, height: canvasRect.height, classes: coloring.classCount)
    let values = plot.colorFieldName.flatMap { sample.values[$0] }
    for (index, point) in sample.points.enumerated() {
      guard let dot = viewport.dot(point) else { continue }
      let colorClass = values.map { coloring.colorClass($0[index]) } ?? 0
      canvas.plot(x: dot.x, y: dot.y, colorClass: colorClass)
    }
    for y in 0..<canvas.height {
      for x in 0..<canvas.width {
        guard let colorClass = canvas.dominantClass(x: x, y: y) else { continue }
        let style = coloring.style(colorClass, base: .plain, colored: colored)
        buffer.put(String(canvas.character(x: x, y: y)), x: canvasRect.x + x, y: canvasRect.y + y, style: style)
      }
    }
    for hit in sample.hits {
      guard let cell = viewport.cell(hit) else { continue }
      buffer.put(hitMark, x: canvasRect.x + cell.x, y: canvasRect.y + cell.y, style: theme[.key])
    }
    if let point = sample.query, let cell = viewport.cell(point) {
      buffer.put(queryMark, x: canvasRect.x + cell.x, y: canvasRect.y + cell.y, style: theme[.selection])
    }
    drawPlotLegend(
      plot, sample: sample, coloring: coloring, colored: colored, into: &buffer,
      rect: Rect(x: inner.x, y: inner.maxY - 1, width: inner.width, height: 1), theme: theme)
  }

  /// "c colour · + - zoom · ← → ↑ ↓ pan · 0 reset · Esc back", with the keys bound now.
  static func plotHints(_ keymap: Keymap) -> String {
    func keys(_ commands: [Command]) -> String {
      commands.compactMap { keymap.keyLabel(for: $0) }.joined(separator: " ")
    }
    let items = [
      (keys([.cyclePlotColor]), "colour"), (keys([.zoomPlotIn, .zoomPlotOut]), "zoom"),
      (keys(PanDirection.allCases.map { .panPlot($0) }), "pan"), (keys([.resetPlot]), "reset"), (keys([.back]), "back"),
    ]
    return items.filter { !$0.0.isEmpty }.map { $0.0 + " " + $0.1 }.joined(separator: " · ")
  }

  /// How the plot's colour field colours the points.
  static func plotColoring(_ plot: PlotState, state: ExplorerState) -> PlotColoring {
    guard let name = plot.colorFieldName, let values = plot.sample?.values[name] else { return .single }
    return PlotColoring.of(values, type: state.schema(of: plot.query.collection)?.field(named: name)?.type)
  }

  /// Whether the theme draws in colour (the monochrome theme, and any theme under `NO_COLOR`,
  /// has none).
  static func hasColors(_ theme: Theme) -> Bool {
    theme.styles.values.contains { $0.foreground != .default || $0.background != .default }
  }

  /// The legend: the colour field and its colours (categories with their counts, or the ramp
  /// from the lowest to the highest value), then the marks of the hits and the query.
  private static func drawPlotLegend(
    _ plot: PlotState, sample: PlotSample, coloring: PlotColoring, colored: Bool, into buffer: inout CellBuffer,
    rect: Rect, theme: Theme
  ) {
    var marks: [(String, CellStyle, String)] = []
    if !sample.hits.isEmpty { marks.append((hitMark, theme[.key], " \(sample.hits.count) hits")) }
    if sample.query != nil { marks.append((queryMark, theme[.selection], " query")) }
    let marksWidth = marks.reduce(0) { $0 + DisplayWidth.of($1.0 + $1.2) + 2 }
    let limit = rect.maxX - marksWidth
    var x = rect.x
    func put(_ text: String, _ style: CellStyle = .plain) {
      guard x < limit else { return }
      x += buffer.put(text, x: x, y: rect.y, style: style, maxWidth: limit - x)
    }
    if let name = plot.colorFieldName {
      put("colour: ", theme[.dim])
      put(name + "  ", theme[.titleFocused])
      switch coloring {
      case .single:
        put("no values", theme[.dim])
      case .categories(let values, let counts, let other):
        for (index, value) in values.enumerated() {
          let entry = DisplayWidth.truncate(value, to: 16) + " \(Format.grouped(counts[index]))"
          // Stop at a category that does not fit whole, saying how many are left.
          if x + 2 + DisplayWidth.of(entry) + 2 > limit {
            put("+\(values.count - index) more", theme[.dim])
            break
          }
          put("■", coloring.style(index + 1, base: .plain, colored: colored))
          put(" " + entry + "  ")
        }
        if other > 0 { put("other \(Format.grouped(other))", theme[.dim]) }
      case .ramp(let low, let high):
        put(NumberText.fixed(low, digits: 3, trim: true) + " ")
        for step in 1...PlotColoring.rampSteps {
          put("█", coloring.style(step, base: .plain, colored: colored))
        }
        put(" " + NumberText.fixed(high, digits: 3, trim: true))
      }
    } else {
      put(plot.query.colorFields.isEmpty ? "no scalar field to colour by" : "one colour", theme[.dim])
    }
    var markX = rect.maxX - marksWidth + 2
    for (mark, style, text) in marks {
      markX += buffer.put(mark, x: markX, y: rect.y, style: style)
      markX += buffer.put(text + "  ", x: markX, y: rect.y, style: theme[.dim], maxWidth: rect.maxX - markX)
    }
  }

  /// A share as a percentage with one decimal: 0.4213 → "42.1%".
  static func percent(_ share: Double) -> String {
    NumberText.fixed(share * 100, digits: 1) + "%"
  }
}
