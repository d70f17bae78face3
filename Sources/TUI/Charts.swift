import Model

/// Small text charts: a histogram strip of the hits' distances on the results page and a
/// sparkline of a vector on the entity page, both drawn with the eighth blocks ▁ to █.
enum Charts {
  /// One to eight eighths of a cell, bottom up.
  static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

  /// `values` counted in `bins` equal bins from their minimum to their maximum (the maximum in
  /// the last bin; every value in the first when they are all equal).
  static func histogram(_ values: [Double], bins: Int) -> (counts: [Int], min: Double, max: Double) {
    let finite = values.filter(\.isFinite)
    guard bins > 0, let low = finite.min(), let high = finite.max() else {
      return (Array(repeating: 0, count: max(0, bins)), 0, 0)
    }
    var counts = Array(repeating: 0, count: bins)
    for value in finite {
      let bin = high > low ? Int(((value - low) / (high - low) * Double(bins)).rounded(.down)) : 0
      counts[min(max(0, bin), bins - 1)] += 1
    }
    return (counts, low, high)
  }

  /// Bars for `counts`, `rows` lines high (top line first), each bar `barWidth` cells wide with
  /// `gap` spaces between: the largest count fills every row, and any non-zero count shows at
  /// least its lowest eighth.
  static func bars(_ counts: [Int], rows: Int, barWidth: Int = 1, gap: Int = 0) -> [String] {
    guard rows > 0 else { return [] }
    let largest = counts.max() ?? 0
    let eighths = counts.map { count -> Int in
      guard count > 0, largest > 0 else { return 0 }
      return max(1, Int((Double(count) / Double(largest) * Double(rows * 8)).rounded()))
    }
    return (0..<rows).map { line in
      let floor = (rows - 1 - line) * 8
      let cells = eighths.map { height -> String in
        let filled = min(8, max(0, height - floor))
        let glyph = filled == 0 ? " " : String(blocks[filled - 1])
        return String(repeating: glyph, count: barWidth)
      }
      return cells.joined(separator: String(repeating: " ", count: gap))
    }
  }

  /// `values` averaged down to `width` buckets (or kept as they are when there are no more
  /// than `width`); bucket `i` covers the values from `i·n/width` up to `(i+1)·n/width`.
  static func downsample(_ values: [Float], to width: Int) -> [Float] {
    guard width > 0, values.count > width else { return width > 0 ? values : [] }
    return (0..<width).map { bucket in
      let start = bucket * values.count / width
      let end = max(start + 1, (bucket + 1) * values.count / width)
      var sum: Float = 0
      for index in start..<end { sum += values[index] }
      return sum / Float(end - start)
    }
  }

  /// A one-line sparkline of `values` in at most `width` cells, scaled from their minimum (▁)
  /// to their maximum (█); all equal values draw a flat line of ▄.
  static func sparkline(_ values: [Float], width: Int) -> String {
    let shown = downsample(values, to: width)
    guard let low = shown.min(), let high = shown.max() else { return "" }
    return String(
      shown.map { value -> Character in
        guard high > low else { return blocks[3] }
        let level = Int(((value - low) / (high - low) * 7).rounded())
        return blocks[min(max(0, level), 7)]
      })
  }
}

extension ExplorerView {
  /// Rows the distance histogram takes under the results (two rows of bars, then the labels).
  static let histogramRows = 3

  /// Draws the histogram of the hits' distances in the last rows of `rect`: bars over up to 20
  /// bins, the smallest and largest distance under its ends.
  static func drawDistanceHistogram(
    _ hits: [SearchHit], largerIsCloser: Bool, into buffer: inout CellBuffer, rect: Rect, theme: Theme
  ) {
    guard hits.count >= 2, rect.height >= histogramRows else { return }
    let title = largerIsCloser ? "SCORES" : "DISTANCES"
    let labelWidth = max(DisplayWidth.of(title), 9) + 1
    let room = rect.width - labelWidth
    let bins = min(20, max(10, hits.count), room)
    guard bins >= 4 else { return }
    let barWidth = min(3, max(1, (room + 1) / bins - 1))
    let gap = barWidth > 1 ? 1 : 0
    let (counts, low, high) = Charts.histogram(hits.map { Double($0.distance) }, bins: bins)
    let top = rect.maxY - histogramRows
    let x = rect.x + labelWidth
    buffer.put(title, x: rect.x, y: top, style: theme[.columnHeader], maxWidth: labelWidth - 1)
    buffer.put("\(hits.count) hits", x: rect.x, y: top + 1, style: theme[.dim], maxWidth: labelWidth - 1)
    guard high > low else {
      // One value: no spread to draw.
      buffer.put("all at \(NumberText.fixed(low, digits: 4))", x: x, y: top + 1, style: theme[.dim], maxWidth: room)
      return
    }
    let lines = Charts.bars(counts, rows: 2, barWidth: barWidth, gap: gap)
    for (row, line) in lines.enumerated() {
      buffer.put(line, x: x, y: top + row, style: theme[.progress], maxWidth: room)
    }
    let stripWidth = bins * barWidth + (bins - 1) * gap
    let lowText = NumberText.fixed(low, digits: 4)
    let highText = NumberText.fixed(high, digits: 4)
    buffer.put(lowText, x: x, y: top + 2, style: theme[.dim], maxWidth: room)
    let highX = max(x + DisplayWidth.of(lowText) + 1, x + stripWidth - DisplayWidth.of(highText))
    buffer.put(highText, x: highX, y: top + 2, style: theme[.dim], maxWidth: max(0, rect.maxX - highX))
  }

  /// Draws one line per vector of the entity from row `row` of `rect`: the field's name, a
  /// sparkline of its values and their minimum and maximum.
  static func drawSparklines(
    _ vectors: [(name: String, values: [Float])], into buffer: inout CellBuffer, rect: Rect, row: Int, theme: Theme
  ) {
    let nameWidth = min(16, vectors.map { DisplayWidth.of($0.name) }.max() ?? 0)
    for (offset, vector) in vectors.enumerated() where row + offset < rect.height {
      guard let low = vector.values.min(), let high = vector.values.max() else { continue }
      let y = rect.y + row + offset
      let range = " min \(NumberText.short(low, digits: 3)) max \(NumberText.short(high, digits: 3))"
      let width = rect.width - nameWidth - 2 - DisplayWidth.of(range)
      guard width >= 8 else { continue }
      var x = rect.x
      x += buffer.put(
        DisplayWidth.pad(DisplayWidth.truncate(vector.name, to: nameWidth), to: nameWidth + 2), x: x, y: y)
      x += buffer.put(Charts.sparkline(vector.values, width: width), x: x, y: y, style: theme[.progress])
      buffer.put(range, x: x, y: y, style: theme[.dim], maxWidth: rect.maxX - x)
    }
  }
}
