import Model

/// What the plot page asks for: a sample of a collection's vectors with the scalar fields that
/// can colour them, and, from a results page, the query vector and the hits to mark.
struct PlotQuery: Sendable, Hashable {
  var collection: String
  var vectorField: String
  var primaryField: String
  /// Scalar fields the points can be coloured by, in schema order.
  var colorFields: [String] = []
  /// The sample's size at most.
  var limit = PlotQuery.sampleLimit
  /// The search's query vector, when the plot was opened from results.
  var queryVector: [Float]?
  /// The hits of that search, marked on the plot.
  var hitIDs: [PrimaryKey] = []

  /// Vectors sampled for a plot, at most.
  static let sampleLimit = 20_000
  /// Rows one page reads: two pages make a full sample (Milvus refuses more than 16,384).
  static let pageLimit = 10_000
  /// Primary keys one page of the sampling scan reads (Milvus's most).
  static let keyPageLimit = 16_384
  /// Sampled rows read by one `get`.
  static let fetchBatch = 1_000
  /// The sample's seed: the same data gives the same plot.
  static let sampleSeed: UInt64 = 0x9107

  /// Field types a plot can colour by: categories (text, booleans, integers) and numbers.
  static let colorTypes: Set<DataType> = [.bool, .int8, .int16, .int32, .int64, .float, .double, .varChar]
}

extension PlotQuery {
  /// The plot of `schema`'s `vectorField`, coloured by any of its scalar fields.
  init?(schema: CollectionSchema, vectorField: String? = nil) {
    guard let field = vectorField ?? schema.vectorFields.first?.name, let primary = schema.primaryField?.name else {
      return nil
    }
    collection = schema.name
    self.vectorField = field
    primaryField = primary
    colorFields = schema.fields.filter { !$0.isPrimary && PlotQuery.colorTypes.contains($0.type) }.map(\.name)
  }
}

/// A sample of vectors on the plane of their first two principal components.
struct PlotSample: Sendable, Hashable {
  var ids: [PrimaryKey]
  var points: [SIMD2<Float>]
  /// Each colour field's value for each point (`.null` where the row had none).
  var values: [String: [Value]]
  var explainedFirst: Double
  var explainedSecond: Double
  /// Where the query vector and the hits fall, when the plot was opened from results.
  var query: SIMD2<Float>?
  var hits: [SIMD2<Float>] = []

  /// Fetches the sample, fits the components and projects everything. Runs off the UI loop;
  /// `progress` hears how far it got.
  ///
  /// A collection of at most `limit` entities is read whole, in primary-key order with
  /// `EntityPager` (Milvus caps offset + limit at 16,384). A larger one is sampled uniformly, so
  /// that rows stored in some order (by category, by time) do not skew the picture: a scan of
  /// the primary keys alone picks `limit` of them (a reservoir sample with a fixed seed, so the
  /// same data gives the same plot), then only those rows are read with their vectors.
  static func fetch(
    _ request: PlotQuery, on backend: any VectorBackend, progress: (@Sendable (String) -> Void)? = nil
  ) async throws -> PlotSample {
    var rows = SampleRows(request)
    let total = try await backend.count(request.collection, filter: "", partitions: [])
    try Task.checkCancellation()
    if total <= request.limit {
      var pager = try await EntityPager(
        backend: backend, collection: request.collection, outputFields: rows.outputFields,
        pageSize: min(PlotQuery.pageLimit, max(1, request.limit)))
      while rows.ids.count < request.limit, let page = try await pager.next() {
        try Task.checkCancellation()
        rows.add(page)
        progress?(Format.progress(done: rows.ids.count, of: max(total, rows.ids.count), "vectors"))
      }
    } else {
      let keys = try await sampleKeys(request, on: backend, total: total, progress: progress)
      for start in stride(from: 0, to: keys.count, by: PlotQuery.fetchBatch) {
        try Task.checkCancellation()
        let batch = Array(keys[start..<min(start + PlotQuery.fetchBatch, keys.count)])
        rows.add(try await backend.get(request.collection, ids: batch, outputFields: rows.outputFields))
        progress?(Format.progress(done: rows.ids.count, of: keys.count, "vectors"))
      }
    }
    try Task.checkCancellation()
    let (ids, flat, values, dim) = (rows.ids, rows.flat, rows.values, rows.dim)
    let dimension = dim ?? 0
    let components = PrincipalComponents.fit(rows: flat, dim: dimension)
    var sample = PlotSample(
      ids: ids, points: components.project(rows: flat), values: values, explainedFirst: components.explainedFirst,
      explainedSecond: components.explainedSecond)
    if let vector = request.queryVector { sample.query = components.project(vector) }
    if !request.hitIDs.isEmpty {
      let rows = try await backend.get(request.collection, ids: request.hitIDs, outputFields: [request.vectorField])
      sample.hits = rows.compactMap { row in
        guard case .floatVector(let vector)? = row[request.vectorField] else { return nil }
        return components.project(vector)
      }
    }
    return sample
  }

  /// `request.limit` primary keys drawn uniformly from a scan of every key, in key order.
  private static func sampleKeys(
    _ request: PlotQuery, on backend: any VectorBackend, total: Int, progress: (@Sendable (String) -> Void)?
  ) async throws -> [PrimaryKey] {
    var pager = try await EntityPager(
      backend: backend, collection: request.collection, outputFields: [request.primaryField],
      pageSize: PlotQuery.keyPageLimit)
    var random = SplitMix64(seed: PlotQuery.sampleSeed)
    var reservoir: [PrimaryKey] = []
    reservoir.reserveCapacity(request.limit)
    var seen = 0
    while let page = try await pager.next() {
      try Task.checkCancellation()
      for row in page {
        guard let key = EntityPager.primaryKey(row[request.primaryField]) else { continue }
        seen += 1
        if reservoir.count < request.limit {
          reservoir.append(key)
        } else {
          let slot = Int(random.next() % UInt64(seen))
          if slot < request.limit { reservoir[slot] = key }
        }
      }
      progress?(Format.progress(done: seen, of: max(total, seen), "keys scanned"))
    }
    return reservoir.sorted()
  }

  /// The smallest rectangle holding every point, the query and the hits: (lower-left, upper-right).
  var bounds: (lower: SIMD2<Double>, upper: SIMD2<Double>) {
    var all = points + hits
    if let query { all.append(query) }
    guard let first = all.first else { return (SIMD2(-1, -1), SIMD2(1, 1)) }
    var lower = SIMD2<Double>(first)
    var upper = lower
    for point in all {
      let value = SIMD2<Double>(point)
      lower = pointwiseMin(lower, value)
      upper = pointwiseMax(upper, value)
    }
    return (lower, upper)
  }
}

/// The rows of a plot sample as they arrive: keys, vectors (all of one dimension) and the colour
/// fields' values.
private struct SampleRows {
  let request: PlotQuery
  var ids: [PrimaryKey] = []
  var flat: [Float] = []
  var values: [String: [Value]] = [:]
  var dim: Int?

  init(_ request: PlotQuery) { self.request = request }

  var outputFields: [String] { [request.primaryField, request.vectorField] + request.colorFields }

  mutating func add(_ rows: [Row]) {
    for row in rows where ids.count < request.limit {
      guard case .floatVector(let vector)? = row[request.vectorField],
        let id = EntityPager.primaryKey(row[request.primaryField])
      else { continue }
      if dim == nil { dim = vector.count }
      guard vector.count == dim else { continue }
      ids.append(id)
      flat += vector
      for field in request.colorFields { values[field, default: []].append(row[field] ?? .null) }
    }
  }
}

/// Which way a pan key moves the plot's view.
enum PanDirection: String, Sendable, Hashable, CaseIterable {
  case left, right, up, down
}

/// The plot page: what it shows, how it is coloured, zoomed and panned.
struct PlotState: Sendable, Hashable {
  var query: PlotQuery
  /// nil while the sample loads.
  var sample: PlotSample?
  /// Why the sample could not be read.
  var problem: String?
  /// The field colouring the points (an index into `query.colorFields`); nil: one colour.
  var colorField: Int?
  /// 1 shows every point; each zoom step multiplies it by `zoomStep`.
  var zoom = 1.0
  /// The view's centre, offset from the data's centre in units of the data's half extent.
  var pan = SIMD2<Double>(0, 0)
  /// Where Esc goes back to.
  var origin: Page

  static let zoomStep = 1.5
  /// A pan key moves the view by this share of what it shows.
  static let panStep = 0.25

  init(query: PlotQuery, origin: Page) {
    self.query = query
    self.origin = origin
    colorField = query.colorFields.isEmpty ? nil : 0
  }

  /// The colour field's name, if the points are coloured.
  var colorFieldName: String? { colorField.map { query.colorFields[$0] } }

  /// Colours by the next field, then none, then the first again.
  mutating func cycleColor() {
    guard !query.colorFields.isEmpty else { return }
    if let index = colorField {
      colorField = index + 1 < query.colorFields.count ? index + 1 : nil
    } else {
      colorField = 0
    }
  }

  mutating func zoom(in zoomingIn: Bool) {
    zoom = min(max(zoom * (zoomingIn ? Self.zoomStep : 1 / Self.zoomStep), 1 / 8), 1_000)
  }

  /// Moves the view by whole steps right (`dx` > 0) and up (`dy` > 0).
  mutating func pan(dx: Int, dy: Int) {
    pan += SIMD2(Double(dx), Double(dy)) * Self.panStep / zoom
  }

  mutating func resetView() {
    zoom = 1
    pan = .zero
  }

  /// The viewport that maps this plot's data onto a canvas of `width` × `height` cells.
  func viewport(width: Int, height: Int) -> PlotViewport {
    let bounds = sample?.bounds ?? (lower: SIMD2(-1, -1), upper: SIMD2(1, 1))
    return PlotViewport(lower: bounds.lower, upper: bounds.upper, zoom: zoom, pan: pan, width: width, height: height)
  }
}

/// Maps data coordinates onto the braille dots of a canvas: both axes at the same scale (so
/// distances on the plot are true to the projection), y up, the data's box with a margin
/// filling the canvas at zoom 1.
struct PlotViewport: Sendable, Hashable {
  /// The data point at the canvas's centre.
  var center: SIMD2<Double>
  /// Dots per data unit.
  var scale: Double
  /// The canvas in dots (2 per cell across, 4 down).
  var dotsWide: Int
  var dotsHigh: Int

  init(lower: SIMD2<Double>, upper: SIMD2<Double>, zoom: Double, pan: SIMD2<Double>, width: Int, height: Int) {
    dotsWide = max(1, width * 2)
    dotsHigh = max(1, height * 4)
    // A little room round the data so no point sits on the frame; a degenerate extent (one
    // point, constant vectors) gets a unit box.
    let half = pointwiseMax((upper - lower) / 2 * 1.05, SIMD2(repeating: 1e-9))
    let span = (upper - lower).max() > 0 ? half : SIMD2(1, 1)
    center = (lower + upper) / 2 + pan * span
    scale = min(Double(dotsWide) / (2 * span.x), Double(dotsHigh) / (2 * span.y)) * zoom
  }

  /// The dot (column, row from the top) where `point` falls; nil outside the canvas.
  func dot(_ point: SIMD2<Float>) -> (x: Int, y: Int)? {
    let x = ((Double(point.x) - center.x) * scale + Double(dotsWide) / 2).rounded(.down)
    let y = ((center.y - Double(point.y)) * scale + Double(dotsHigh) / 2).rounded(.down)
    guard x >= 0, y >= 0, x < Double(dotsWide), y < Double(dotsHigh) else { return nil }
    return (Int(x), Int(y))
  }

  /// The cell (column, row) where `point` falls; nil outside the canvas.
  func cell(_ point: SIMD2<Float>) -> (x: Int, y: Int)? {
    dot(point).map { ($0.x / 2, $0.y / 4) }
  }
}

/// A grid of braille cells (U+2800–U+28FF: 2 × 4 dots each) that remembers, for each cell,
/// how many of its points fell in each colour class, so a cell takes its commonest colour.
struct BrailleCanvas: Sendable, Hashable {
  let width: Int
  let height: Int
  let classes: Int
  private(set) var dots: [UInt8]
  private var counts: [Int]

  init(width: Int, height: Int, classes: Int = 1) {
    self.width = max(0, width)
    self.height = max(0, height)
    self.classes = max(1, classes)
    dots = Array(repeating: 0, count: self.width * self.height)
    counts = Array(repeating: 0, count: self.width * self.height * self.classes)
  }

  /// The bit of the dot at (`x`, `y`) inside a cell (x 0–1, y 0–3), as Unicode numbers them:
  /// dots 1–3 and 7 down the left column, 4–6 and 8 down the right.
  static func bit(x: Int, y: Int) -> UInt8 {
    let left: [UInt8] = [0x01, 0x02, 0x04, 0x40]
    let right: [UInt8] = [0x08, 0x10, 0x20, 0x80]
    return x == 0 ? left[y] : right[y]
  }

  /// The braille character with these dots raised.
  static func character(_ bits: UInt8) -> Character {
    Character(Unicode.Scalar(0x2800 + UInt32(bits))!)
  }

  /// Raises the dot at canvas dot (`x`, `y`) for a point of colour class `colorClass`.
  mutating func plot(x: Int, y: Int, colorClass: Int = 0) {
    guard x >= 0, y >= 0, x < width * 2, y < height * 4 else { return }
    let cell = (y / 4) * width + x / 2
    dots[cell] |= Self.bit(x: x % 2, y: y % 4)
    counts[cell * classes + min(max(0, colorClass), classes - 1)] += 1
  }

  /// The cell's character: blank without dots.
  func character(x: Int, y: Int) -> Character {
    let bits = dots[y * width + x]
    return bits == 0 ? " " : Self.character(bits)
  }

  /// The colour class most of the cell's points have (the lower class on a tie); nil when empty.
  func dominantClass(x: Int, y: Int) -> Int? {
    let base = (y * width + x) * classes
    var best: Int?
    for colorClass in 0..<classes where counts[base + colorClass] > 0 {
      if best == nil || counts[base + colorClass] > counts[base + best!] { best = colorClass }
    }
    return best
  }
}

/// How points are coloured by a field: categories (the commonest values, each its own colour,
/// the rest "other") or a numeric ramp from the lowest value to the highest.
enum PlotColoring: Sendable, Hashable {
  case single
  /// Categories in order of their counts, commonest first; `other` counts the rest.
  case categories(values: [String], counts: [Int], other: Int)
  case ramp(min: Double, max: Double)

  /// Categories with their own colour, at most.
  static let categoryLimit = 8
  /// Steps of the numeric ramp.
  static let rampSteps = 8

  /// Distinct xterm-256 colours that read on dark and light backgrounds (the screen maps them
  /// to the nearest of 16 or 8 colours; without colour the legend still names the values).
  static let categoryColors: [UInt8] = [75, 214, 77, 204, 141, 44, 185, 167]
  /// A blue → green → yellow ramp (viridis-like) in xterm-256 colours.
  static let rampColors: [UInt8] = [61, 67, 37, 36, 71, 113, 149, 220]

  /// How `values` colour the points: numbers (integers with many distinct values, floats) as a
  /// ramp, anything else as categories. Nulls are never a category.
  static func of(_ values: [Value], type: DataType?) -> PlotColoring {
    let present = values.filter { !$0.isNull }
    guard !present.isEmpty else { return .single }
    let numbers = present.compactMap { $0.numberValue }
    let isFloat = type == .float || type == .double
    var tally: [String: Int] = [:]
    if !isFloat || numbers.count != present.count {
      for value in present { tally[label(value), default: 0] += 1 }
    }
    if numbers.count == present.count, isFloat || tally.count > categoryLimit {
      return .ramp(min: numbers.min()!, max: numbers.max()!)
    }
    let ordered = tally.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
    let kept = ordered.prefix(categoryLimit)
    return .categories(
      values: kept.map(\.key), counts: kept.map(\.value),
      other: ordered.dropFirst(categoryLimit).reduce(0) { $0 + $1.value })
  }

  /// A value as the legend writes it.
  static func label(_ value: Value) -> String {
    switch value {
    case .string(let text): return text
    case .bool(let flag): return flag ? "true" : "false"
    case .int(let number): return String(number)
    default: return NumberText.value(value, width: 24)
    }
  }

  /// Colour classes this colouring uses: 0 is "no colour" (nulls, other categories, or all).
  var classCount: Int {
    switch self {
    case .single: return 1
    case .categories(let values, _, _): return 1 + values.count
    case .ramp: return 1 + Self.rampSteps
    }
  }

  /// The colour class of one value.
  func colorClass(_ value: Value) -> Int {
    switch self {
    case .single: return 0
    case .categories(let values, _, _):
      guard !value.isNull else { return 0 }
      return values.firstIndex(of: Self.label(value)).map { $0 + 1 } ?? 0
    case .ramp(let low, let high):
      guard let number = value.numberValue else { return 0 }
      guard high > low else { return 1 }
      let step = Int(((number - low) / (high - low) * Double(Self.rampSteps)).rounded(.down))
      return 1 + min(max(0, step), Self.rampSteps - 1)
    }
  }

  /// The style of a colour class; class 0 (and everything, in a theme without colours) is `base`.
  func style(_ colorClass: Int, base: CellStyle, colored: Bool) -> CellStyle {
    guard colored, colorClass > 0 else { return base }
    switch self {
    case .single: return base
    case .categories: return CellStyle(foreground: .palette(Self.categoryColors[(colorClass - 1) % 8]))
    case .ramp: return CellStyle(foreground: .palette(Self.rampColors[(colorClass - 1) % Self.rampSteps]))
    }
  }
}

extension ExplorerState {
  /// `p`: plots the vectors of the results' collection (marking the query and its hits) or of
  /// the selected collection.
  mutating func openPlot(effects: inout [Effect]) {
    guard page != .plot else { return }
    var query: PlotQuery?
    if page == .results, let results, let schema = schema(of: results.query.request.collection) {
      query = PlotQuery(schema: schema, vectorField: results.query.request.vectorField)
      query?.queryVector = results.vector.isEmpty ? nil : results.vector
      query?.hitIDs = results.hits.map(\.id)
    } else if let name = currentCollectionName, let schema = schema(of: name) {
      query = PlotQuery(schema: schema)
    } else if currentCollectionName != nil {
      status = StatusMessage("the collection's schema has not arrived yet; try again", isError: true)
      return
    }
    guard let query else {
      if currentCollectionName == nil { status = StatusMessage("select a collection to plot", isError: true) }
      return
    }
    guard let schema = schema(of: query.collection), !schema.vectorFields.isEmpty else {
      status = StatusMessage("\(query.collection) has no vector field to plot", isError: true)
      return
    }
    let origin = page
    if let plot, plot.query == query, plot.sample != nil {
      self.plot?.origin = origin
    } else {
      plot = PlotState(query: query, origin: origin)
      effects += start(.plotSample(query))
    }
    page = .plot
  }

  /// Keys of the plot page: colour, zoom, pan, reset.
  mutating func handlePlot(_ command: Command) {
    guard plot != nil else { return }
    switch command {
    case .cyclePlotColor: plot?.cycleColor()
    case .zoomPlotIn: plot?.zoom(in: true)
    case .zoomPlotOut: plot?.zoom(in: false)
    case .panPlot(let direction):
      switch direction {
      case .left: plot?.pan(dx: -1, dy: 0)
      case .right: plot?.pan(dx: 1, dy: 0)
      case .up: plot?.pan(dx: 0, dy: 1)
      case .down: plot?.pan(dx: 0, dy: -1)
      }
    case .resetPlot: plot?.resetView()
    default: break
    }
  }

  /// The plot's sample arrived.
  mutating func applyPlotSample(_ query: PlotQuery, _ sample: PlotSample, latency: Duration) {
    guard plot?.query == query else { return }
    plot?.sample = sample
    plot?.problem = nil
    // Start with a field that says something: few categories, else numbers, else the first.
    let schema = schema(of: query.collection)
    let colorings = query.colorFields.map { name in
      PlotColoring.of(sample.values[name] ?? [], type: schema?.field(named: name)?.type)
    }
    let fewCategories = colorings.firstIndex {
      if case .categories(let values, _, let other) = $0 { return values.count > 1 && other == 0 }
      return false
    }
    let numbers = colorings.firstIndex {
      if case .ramp = $0 { return true }
      return false
    }
    if let preferred = fewCategories ?? numbers { plot?.colorField = preferred }
    status = StatusMessage(
      "projected \(Format.grouped(sample.points.count)) vectors of \(query.collection).\(query.vectorField)",
      latency: latency)
  }
}
