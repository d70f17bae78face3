import Engine
import XCTest

@testable import Model
@testable import TUI

/// The PCA plot, the distance histogram and the vector sparkline: the numerics on data whose
/// answer is known, the braille and viewport maths, the plot page reached by keys on a real
/// embedded store, and reviewed snapshots of the three pictures.
final class PlotTests: XCTestCase {
  // MARK: - Data with a known shape

  /// A standard normal number (Box–Muller).
  private static func gaussian(_ random: inout SplitMix64) -> Float {
    let u = max(random.nextUnit(), 1e-12)
    let v = random.nextUnit()
    return Float((-2 * log(u)).squareRoot() * cos(2 * Double.pi * v))
  }

  /// Two orthonormal directions in `dim` dimensions, not aligned with the axes.
  private static func plane(dim: Int, random: inout SplitMix64) -> ([Float], [Float]) {
    var u = (0..<dim).map { _ in gaussian(&random) }
    var v = (0..<dim).map { _ in gaussian(&random) }
    let uNorm = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
    u = u.map { $0 / uNorm }
    let overlap = zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }
    v = zip(v, u).map { $0 - overlap * $1 }
    let vNorm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return (u, v.map { $0 / vNorm })
  }

  /// Four Gaussian clusters (σ = 1 in every one of `dim` dimensions) whose centres are the
  /// corners of a 24 × 16 rectangle in a random plane: the rows, `dim` floats each, and each
  /// row's cluster.
  static func clusters(dim: Int = 32, perCluster: Int = 100, seed: UInt64 = 7) -> (rows: [[Float]], labels: [Int]) {
    var random = SplitMix64(seed: seed)
    let (u, v) = plane(dim: dim, random: &random)
    let corners: [(Float, Float)] = [(12, 8), (-12, 8), (-12, -8), (12, -8)]
    var rows: [[Float]] = []
    var labels: [Int] = []
    for index in 0..<(4 * perCluster) {
      let label = index % 4
      let (a, b) = corners[label]
      rows.append((0..<dim).map { a * u[$0] + b * v[$0] + 3 + gaussian(&random) })
      labels.append(label)
    }
    return (rows, labels)
  }

  // MARK: - PCA

  func testPCAOfPointsOnAPlaneRecoversThePlane() {
    var random = SplitMix64(seed: 11)
    let dim = 24
    let (u, v) = Self.plane(dim: dim, random: &random)
    var rows: [Float] = []
    for _ in 0..<1_000 {
      let a = Self.gaussian(&random) * 5
      let b = Self.gaussian(&random) * 2
      rows += (0..<dim).map { a * u[$0] + b * v[$0] + Float($0) }
    }
    let pca = PrincipalComponents.fit(rows: rows, dim: dim)
    XCTAssertEqual(pca.explained, 1, accuracy: 1e-4, "the plane holds all the variance")
    XCTAssertGreaterThan(pca.explainedFirst, pca.explainedSecond)
    XCTAssertEqual(pca.explainedFirst, 25.0 / 29.0, accuracy: 0.05, "variances 25 and 4, up to sampling")
    // Both components lie in the plane of u and v.
    for component in [pca.first, pca.second] {
      let inPlane =
        pow(zip(component, u).reduce(0) { $0 + $1.0 * $1.1 }, 2)
        + pow(zip(component, v).reduce(0) { $0 + $1.0 * $1.1 }, 2)
      XCTAssertEqual(inPlane, 1, accuracy: 1e-3)
    }
    let dot = zip(pca.first, pca.second).reduce(0) { $0 + $1.0 * $1.1 }
    XCTAssertEqual(dot, 0, accuracy: 1e-4, "the components are orthogonal")
    XCTAssertEqual(PrincipalComponents.fit(rows: rows, dim: dim), pca, "the same rows give the same components")
  }

  func testPCAVarianceMatchesTheCovariancesLargestEigenvalues() {
    var random = SplitMix64(seed: 3)
    let dim = 6
    let scales: [Float] = [1, 4, 0.5, 2, 3, 0.2]
    var rows: [Float] = []
    for _ in 0..<400 { rows += (0..<dim).map { scales[$0] * Self.gaussian(&random) + Float($0) } }
    // The covariance, and its eigenvalues by Jacobi on the whole matrix.
    let count = rows.count / dim
    var mean = [Double](repeating: 0, count: dim)
    for row in 0..<count { for column in 0..<dim { mean[column] += Double(rows[row * dim + column]) / Double(count) } }
    var covariance = [Double](repeating: 0, count: dim * dim)
    for row in 0..<count {
      for i in 0..<dim {
        for j in 0..<dim {
          covariance[i * dim + j] +=
            (Double(rows[row * dim + i]) - mean[i]) * (Double(rows[row * dim + j]) - mean[j]) / Double(count)
        }
      }
    }
    let eigenvalues = PrincipalComponents.symmetricEigen(covariance, size: dim).values.sorted(by: >)
    let pca = PrincipalComponents.fit(rows: rows, dim: dim)
    XCTAssertEqual(pca.firstVariance, eigenvalues[0], accuracy: eigenvalues[0] * 1e-3)
    XCTAssertEqual(pca.secondVariance, eigenvalues[1], accuracy: eigenvalues[1] * 1e-3)
    XCTAssertEqual(pca.totalVariance, eigenvalues.reduce(0, +), accuracy: 1e-3)
  }

  func testPCAOfDegenerateInputs() {
    // Constant vectors: nothing to explain, every point at the origin.
    let constant = PrincipalComponents.fit(rows: [Float](repeating: 0.5, count: 10 * 8), dim: 8)
    XCTAssertEqual(constant.explained, 0)
    XCTAssertEqual(Set(constant.project(rows: [Float](repeating: 0.5, count: 10 * 8))), [SIMD2(0, 0)])
    // Two dimensions: the plane is the space.
    let flat: [Float] = [0, 0, 1, 2, 2, 1, 3, 3, -1, 0.5]
    let two = PrincipalComponents.fit(rows: flat, dim: 2)
    XCTAssertEqual(two.explained, 1, accuracy: 1e-6)
    XCTAssertEqual(two.project(rows: flat).count, 5)
    // Fewer rows than dimensions: three points in 64 dimensions span a plane.
    var random = SplitMix64(seed: 5)
    let few = (0..<(3 * 64)).map { _ in Self.gaussian(&random) }
    let sparse = PrincipalComponents.fit(rows: few, dim: 64)
    XCTAssertEqual(sparse.explained, 1, accuracy: 1e-4)
    // One row, and none.
    XCTAssertEqual(PrincipalComponents.fit(rows: [1, 2, 3], dim: 3).project([1, 2, 3]), SIMD2(0, 0))
    XCTAssertEqual(PrincipalComponents.fit(rows: [], dim: 4).project(rows: []), [])
    XCTAssertNil(two.project([1, 2, 3]), "a vector of another dimension has no place on the plane")
  }

  func testClustersStayApartOnThePlotGrid() {
    let (rows, labels) = Self.clusters()
    let pca = PrincipalComponents.fit(rows: rows.flatMap { $0 }, dim: 32)
    XCTAssertGreaterThan(pca.explained, 0.8, "the rectangle's plane holds most of the variance")
    let points = pca.project(rows: rows.flatMap { $0 })
    var sample = PlotSample(ids: [], points: points, values: [:], explainedFirst: 0, explainedSecond: 0)
    sample.ids = points.indices.map { .int(Int64($0)) }
    var plot = PlotState(query: PlotQuery(collection: "c", vectorField: "v", primaryField: "id"), origin: .browser)
    plot.sample = sample
    // The plot grid of the 120 × 40 page: cells, as the view draws them.
    let viewport = plot.viewport(width: 116, height: 35)
    var cells: [[SIMD2<Double>]] = Array(repeating: [], count: 4)
    for (index, point) in points.enumerated() {
      let cell = try! XCTUnwrap(viewport.cell(point), "every point is on the canvas at zoom 1")
      // A cell is about twice as high as it is wide: count rows double to compare distances.
      cells[labels[index]].append(SIMD2(Double(cell.x), Double(cell.y) * 2))
    }
    let centroids = cells.map { $0.reduce(SIMD2<Double>.zero, +) / Double($0.count) }
    let spreads = zip(cells, centroids).map { members, centre in
      (members.reduce(0) { $0 + (($1 - centre) * ($1 - centre)).sum() } / Double(members.count)).squareRoot()
    }
    let largestSpread = spreads.max()!
    XCTAssertGreaterThan(largestSpread, 0)
    for a in 0..<4 {
      for b in (a + 1)..<4 {
        let gap = ((centroids[a] - centroids[b]) * (centroids[a] - centroids[b])).sum().squareRoot()
        XCTAssertGreaterThan(gap, 4 * largestSpread, "clusters \(a) and \(b) are apart on the grid")
      }
    }
  }

  func testPCAFitsAndProjects20000VectorsOf128Dimensions() {
    var random = SplitMix64(seed: 1)
    let rows = (0..<(20_000 * 128)).map { _ in Float(random.nextUnit()) }
    let clock = ContinuousClock()
    let elapsed = clock.measure {
      let pca = PrincipalComponents.fit(rows: rows, dim: 128)
      XCTAssertEqual(pca.project(rows: rows).count, 20_000)
    }
    // Measured, not asserted (machines differ): printed for the record.
    print("PCA of 20,000 × 128 (fit + projection, debug build): \(elapsed)")
  }

  // MARK: - The sample

  /// 5,000 rows stored in key order by group: the first 4,000 are `a`, the last 1,000 `b`.
  private func orderedStore() async throws -> EmbeddedBackend {
    let backend = try EmbeddedBackend(directory: temporaryDirectory(self))
    try await backend.createCollection(
      CollectionSchema(
        name: "ordered",
        fields: [
          FieldSchema(name: "id", type: .int64, isPrimary: true),
          FieldSchema(name: "v", type: .floatVector, dim: 4),
          FieldSchema(name: "group", type: .varChar, maxLength: 4),
        ]))
    let rows: [Row] = (0..<5000).map { index in
      let group = index < 4000 ? "a" : "b"
      let offset: Float = group == "a" ? 0 : 10
      return [
        "id": .int(Int64(index)), "group": .string(group),
        "v": .floatVector([offset + Float(index % 7), Float(index % 5), 1, offset]),
      ]
    }
    _ = try await backend.insert("ordered", rows: rows, partition: nil)
    return backend
  }

  func testALargeCollectionIsSampledUniformlyNotByItsFirstKeys() async throws {
    let backend = try await orderedStore()
    var query = PlotQuery(collection: "ordered", vectorField: "v", primaryField: "id", colorFields: ["group"])
    query.limit = 1000
    let notes = NoteBox()
    let sample = try await PlotSample.fetch(query, on: backend) { notes.add($0) }
    XCTAssertEqual(sample.ids.count, 1000)
    XCTAssertEqual(sample.ids, sample.ids.sorted(), "in key order")
    XCTAssertEqual(Set(sample.ids).count, 1000, "no key twice")
    // The first 1,000 keys are all `a`; a uniform sample has about 200 of `b`.
    let groups = try XCTUnwrap(sample.values["group"])
    let inB = groups.filter { $0 == .string("b") }.count
    XCTAssertTrue((140...260).contains(inB), "\(inB) of 1,000 from the last fifth")
    for (id, group) in zip(sample.ids, groups) {
      guard case .int(let key) = id else { return XCTFail("\(id)") }
      XCTAssertEqual(group, .string(key < 4000 ? "a" : "b"), "each value belongs to its key")
    }
    XCTAssertEqual(notes.all.last, "███████████ 100% 1,000 of 1,000 vectors")
    XCTAssertTrue(notes.all.contains("███████████ 100% 5,000 of 5,000 keys scanned"), "\(notes.all)")
    // The same data gives the same plot.
    let again = try await PlotSample.fetch(query, on: backend)
    XCTAssertEqual(again.ids, sample.ids)
    XCTAssertEqual(again.points, sample.points)

    // Up to the limit, every row is taken.
    query.limit = 5000
    let whole = try await PlotSample.fetch(query, on: backend)
    XCTAssertEqual(whole.ids, (0..<5000).map { PrimaryKey.int(Int64($0)) })
    await backend.close()
  }

  // MARK: - Braille, viewport

  func testBrailleDotsAreNumberedAsUnicodeDoes() {
    XCTAssertEqual(BrailleCanvas.character(0), "⠀")
    XCTAssertEqual(BrailleCanvas.character(0xFF), "⣿")
    let leftColumn = (0..<4).reduce(UInt8(0)) { $0 | BrailleCanvas.bit(x: 0, y: $1) }
    let rightColumn = (0..<4).reduce(UInt8(0)) { $0 | BrailleCanvas.bit(x: 1, y: $1) }
    XCTAssertEqual(BrailleCanvas.character(leftColumn), "⡇")
    XCTAssertEqual(BrailleCanvas.character(rightColumn), "⢸")
    XCTAssertEqual(BrailleCanvas.character(BrailleCanvas.bit(x: 0, y: 3) | BrailleCanvas.bit(x: 1, y: 3)), "⣀")
    var canvas = BrailleCanvas(width: 2, height: 1, classes: 3)
    canvas.plot(x: 0, y: 0, colorClass: 1)
    canvas.plot(x: 1, y: 3, colorClass: 2)
    canvas.plot(x: 1, y: 2, colorClass: 2)
    canvas.plot(x: 3, y: 1, colorClass: 1)
    canvas.plot(x: 4, y: 0)
    canvas.plot(x: 0, y: 4)
    XCTAssertEqual(canvas.character(x: 0, y: 0), "⢡", "dots 1, 6 and 8")
    XCTAssertEqual(canvas.character(x: 1, y: 0), "⠐", "dot 5")
    XCTAssertEqual(canvas.dominantClass(x: 0, y: 0), 2, "two points of class 2, one of class 1")
    XCTAssertEqual(canvas.dominantClass(x: 1, y: 0), 1)
    XCTAssertEqual(canvas.dots, [0xA1, 0x10], "points off the canvas are dropped")
  }

  func testViewportZoomAndPan() {
    // A 2 × 2 box on 10 × 5 cells: 20 × 20 dots, scale 20 / 2.1 dots per unit.
    let box = (lower: SIMD2<Double>(-1, -1), upper: SIMD2<Double>(1, 1))
    let whole = PlotViewport(lower: box.lower, upper: box.upper, zoom: 1, pan: .zero, width: 10, height: 5)
    XCTAssertEqual(whole.scale, 20 / 2.1, accuracy: 1e-9)
    XCTAssertEqual(whole.dot(SIMD2(0, 0))?.x, 10)
    XCTAssertEqual(whole.dot(SIMD2(0, 0))?.y, 10)
    XCTAssertEqual(whole.dot(SIMD2(1, 1)).map { [$0.x, $0.y] }, [19, 0], "top right: y grows downwards")
    XCTAssertEqual(whole.dot(SIMD2(-1, -1)).map { [$0.x, $0.y] }, [0, 19])
    XCTAssertEqual(whole.cell(SIMD2(1, 1)).map { [$0.x, $0.y] }, [9, 0])
    // Zoomed twice about the centre: half the box shows; (0.5, 0) lands where (1, 0) was.
    let zoomed = PlotViewport(lower: box.lower, upper: box.upper, zoom: 2, pan: .zero, width: 10, height: 5)
    XCTAssertEqual(zoomed.dot(SIMD2(0.5, 0))?.x, whole.dot(SIMD2(1, 0))?.x)
    XCTAssertNil(zoomed.dot(SIMD2(1, 0)), "outside the zoomed view")
    // Panned right by a whole half box: the right edge comes to the centre.
    let panned = PlotViewport(lower: box.lower, upper: box.upper, zoom: 1, pan: SIMD2(1, 0), width: 10, height: 5)
    XCTAssertEqual(panned.center.x, 1.05, accuracy: 1e-12)
    XCTAssertEqual(panned.dot(SIMD2(1.1, 0))?.x, 10)
    // The state's keys: steps shrink as the zoom grows, and 0 resets.
    var plot = PlotState(query: PlotQuery(collection: "c", vectorField: "v", primaryField: "id"), origin: .browser)
    plot.zoom(in: true)
    XCTAssertEqual(plot.zoom, 1.5)
    plot.pan(dx: 1, dy: -2)
    XCTAssertEqual(plot.pan.x, 0.25 / 1.5, accuracy: 1e-12)
    XCTAssertEqual(plot.pan.y, -0.5 / 1.5, accuracy: 1e-12)
    plot.zoom(in: false)
    XCTAssertEqual(plot.zoom, 1, accuracy: 1e-12)
    plot.resetView()
    XCTAssertEqual(plot.pan, .zero)
  }

  func testColouringByCategoriesAndByNumbers() {
    let genres: [Value] = [.string("jazz"), .string("soul"), .string("jazz"), .null, .string("funk"), .string("jazz")]
    let byGenre = PlotColoring.of(genres, type: .varChar)
    XCTAssertEqual(byGenre, .categories(values: ["jazz", "funk", "soul"], counts: [3, 1, 1], other: 0))
    XCTAssertEqual(genres.map(byGenre.colorClass), [1, 3, 1, 0, 2, 1], "nulls take no colour")
    let ratings: [Value] = [.double(0), .double(1), .double(0.5), .double(0.99)]
    let byRating = PlotColoring.of(ratings, type: .double)
    XCTAssertEqual(byRating, .ramp(min: 0, max: 1))
    XCTAssertEqual(ratings.map(byRating.colorClass), [1, 8, 5, 8])
    let years = (0..<20).map { Value.int(1990 + Int64($0)) }
    XCTAssertEqual(PlotColoring.of(years, type: .int16), .ramp(min: 1990, max: 2009), "many integers: a ramp")
    let flags: [Value] = [.bool(true), .bool(false), .bool(true)]
    XCTAssertEqual(
      PlotColoring.of(flags, type: .bool), .categories(values: ["true", "false"], counts: [2, 1], other: 0))
    let many = (0..<12).map { Value.string("v\($0 % 10)") }
    guard case .categories(let values, _, let other) = PlotColoring.of(many, type: .varChar) else {
      return XCTFail("text is always categories")
    }
    XCTAssertEqual(values.count, PlotColoring.categoryLimit)
    XCTAssertEqual(other, 2, "the two least common values are the rest")
    let style = byGenre.style(1, base: .plain, colored: true)
    XCTAssertNotEqual(style, byGenre.style(2, base: .plain, colored: true))
    XCTAssertEqual(byGenre.style(1, base: .plain, colored: false), .plain, "no colours in a monochrome theme")
  }

  // MARK: - Histogram, sparkline

  func testHistogramBinsAndBars() {
    let values = (0...10).map(Double.init)
    let histogram = Charts.histogram(values, bins: 5)
    XCTAssertEqual(histogram.counts, [2, 2, 2, 2, 3], "the maximum falls in the last bin")
    XCTAssertEqual(histogram.min, 0)
    XCTAssertEqual(histogram.max, 10)
    XCTAssertEqual(Charts.histogram([0.3, 0.3, 0.3], bins: 4).counts, [3, 0, 0, 0])
    XCTAssertEqual(Charts.histogram([], bins: 3).counts, [0, 0, 0])
    XCTAssertEqual(Charts.bars([0, 1, 2, 4], rows: 1), [" ▂▄█"])
    XCTAssertEqual(Charts.bars([1, 8], rows: 1), ["▁█"], "a small count still shows")
    XCTAssertEqual(Charts.bars([8, 16, 3], rows: 2), [" █ ", "██▃"])
    XCTAssertEqual(Charts.bars([1, 2], rows: 1, barWidth: 2, gap: 1), ["▄▄ ██"])
  }

  func testSparklineDownsamplesByAveraging() {
    XCTAssertEqual(Charts.downsample([1, 2, 3, 4, 5, 6], to: 3), [1.5, 3.5, 5.5])
    XCTAssertEqual(Charts.downsample([1, 2, 3, 4, 5, 6, 7], to: 3), [1.5, 3.5, 6], "buckets of 2, 2 and 3")
    XCTAssertEqual(Charts.downsample([1, 2], to: 5), [1, 2], "short vectors are kept as they are")
    XCTAssertEqual(Charts.sparkline((0..<8).map(Float.init), width: 8), "▁▂▃▄▅▆▇█")
    XCTAssertEqual(Charts.sparkline((0..<8).map(Float.init), width: 4), "▁▃▆█")
    XCTAssertEqual(Charts.sparkline([2, 2, 2], width: 10), "▄▄▄")
    XCTAssertEqual(Charts.sparkline((0..<768).map { sin(Float($0) / 40) }, width: 50).count, 50)
  }

  // MARK: - The plot page, by keys, on a real store

  static let points = CollectionSchema(
    name: "points",
    fields: [
      FieldSchema(name: "id", type: .int64, isPrimary: true),
      FieldSchema(name: "vector", type: .floatVector, dim: 32),
      FieldSchema(name: "cluster", type: .varChar, maxLength: 16),
      FieldSchema(name: "score", type: .double),
    ])

  /// An embedded store with one collection of four clusters (100 rows each).
  private func clusterStore() async throws -> EmbeddedBackend {
    let backend = try EmbeddedBackend(directory: temporaryDirectory(self))
    try await backend.createCollection(Self.points)
    let (rows, labels) = Self.clusters()
    let names = ["north-east", "north-west", "south-west", "south-east"]
    let values: [Row] = rows.indices.map { index in
      [
        "id": .int(Int64(index + 1)), "vector": .floatVector(rows[index]), "cluster": .string(names[labels[index]]),
        "score": .double(Double(index % 100) / 100),
      ]
    }
    _ = try await backend.insert("points", rows: values, partition: nil)
    return backend
  }

  /// Performs the backend calls among `effects` as the runtime would, at a fixed latency; a
  /// failing call throws.
  @discardableResult
  private func settle(_ state: inout ExplorerState, _ effects: [Effect], backend: any VectorBackend) async throws
    -> [Request]
  {
    try await state.perform(effects, on: backend, latency: .microseconds(4_200))
  }

  func testPlotPageByKeysFromTheBrowserAndFromResults() async throws {
    let backend = try await clusterStore()
    defer { Task { await backend.close() } }
    var state = try await loadedState(backend: backend, size: TerminalSize(width: 120, height: 40))
    let effects = state.press(.character("p"))
    XCTAssertEqual(state.page, .plot)
    guard case .run(let operation)? = effects.first, case .plotSample(let query) = operation.request else {
      return XCTFail("p asks for a sample")
    }
    XCTAssertEqual(query.collection, "points")
    XCTAssertEqual(query.vectorField, "vector")
    XCTAssertEqual(query.colorFields, ["cluster", "score"])
    XCTAssertTrue(state.frame.text.contains("sampling up to 20,000 vectors of points"))
    try await settle(&state, effects, backend: backend)
    let plot = try XCTUnwrap(state.plot)
    let sample = try XCTUnwrap(plot.sample)
    XCTAssertEqual(sample.points.count, 400)
    XCTAssertEqual(Set(sample.ids), Set((1...400).map { PrimaryKey.int(Int64($0)) }))
    XCTAssertGreaterThan(sample.explainedFirst + sample.explainedSecond, 0.8)
    XCTAssertEqual(plot.colorFieldName, "cluster")
    XCTAssertEqual(
      ExplorerView.plotColoring(plot, state: state),
      .categories(
        values: ["north-east", "north-west", "south-east", "south-west"], counts: [100, 100, 100, 100], other: 0))
    let frame = state.frame.text
    XCTAssertTrue(frame.contains("Plot · points · vector · 400 vectors · PC1"), frame)
    XCTAssertTrue(frame.contains("■ north-east 100"), frame)
    XCTAssertTrue(frame.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }, "braille dots drawn")
    state.press(.character("c"))
    XCTAssertEqual(state.plot?.colorFieldName, "score")
    XCTAssertEqual(ExplorerView.plotColoring(state.plot!, state: state), .ramp(min: 0, max: 0.99))
    XCTAssertTrue(state.frame.text.contains("colour: score  0 ████████ 0.99"), state.frame.text)
    state.press(.character("c"))
    XCTAssertNil(state.plot?.colorFieldName)
    state.press(.character("c"))
    XCTAssertEqual(state.plot?.colorFieldName, "cluster")
    state.press(.character("+"), .character("+"))
    XCTAssertEqual(state.plot?.zoom, 2.25)
    XCTAssertTrue(state.frame.text.contains("zoom 2.25×"))
    state.press(.character("-"), .character("l"), .up)
    XCTAssertEqual(state.plot?.zoom ?? 0, 1.5, accuracy: 1e-12)
    XCTAssertEqual(state.plot?.pan.x ?? 0, 0.25 / 1.5, accuracy: 1e-12)
    XCTAssertEqual(state.plot?.pan.y ?? 0, 0.25 / 1.5, accuracy: 1e-12)
    XCTAssertEqual(state.page, .plot, "j, k, arrows pan the plot; they do not leave it")
    state.press(.character("0"))
    XCTAssertEqual(state.plot?.zoom, 1)
    XCTAssertEqual(state.plot?.pan, .zero)
    state.press(.escape)
    XCTAssertEqual(state.page, .browser)
    XCTAssertTrue(state.press(.character("p")).isEmpty, "the same plot again: nothing to fetch")
    XCTAssertEqual(state.page, .plot)
    state.press(.escape)

    // From results: the query vector and the hits are projected and marked.
    try await settle(&state, state.press(.character("s"), .enter), backend: backend)
    XCTAssertEqual(state.page, .results)
    let results = try XCTUnwrap(state.results)
    let fromResults = state.press(.character("p"))
    guard case .run(let second)? = fromResults.first, case .plotSample(let marked) = second.request else {
      return XCTFail("p on results asks for a sample with the hits")
    }
    XCTAssertEqual(marked.hitIDs, results.hits.map(\.id))
    XCTAssertEqual(marked.queryVector, results.vector)
    try await settle(&state, fromResults, backend: backend)
    let markedSample = try XCTUnwrap(state.plot?.sample)
    XCTAssertEqual(markedSample.hits.count, results.hits.count)
    XCTAssertNotNil(markedSample.query)
    XCTAssertTrue(state.frame.text.contains(ExplorerView.queryMark), "the query is marked")
    XCTAssertTrue(state.frame.text.contains("\(results.hits.count) hits"))
    state.press(.escape)
    XCTAssertEqual(state.page, .results, "Esc goes back to the results")
  }

  func testPlotOfAnEmptyCollectionSaysSo() async throws {
    let backend = try EmbeddedBackend(directory: temporaryDirectory(self))
    try await backend.createCollection(Self.points)
    var state = try await loadedState(backend: backend, size: TerminalSize(width: 80, height: 24))
    try await settle(&state, state.press(.character("p")), backend: backend)
    await backend.close()
    XCTAssertEqual(state.plot?.sample?.points.count, 0)
    XCTAssertTrue(state.frame.text.contains("points has no vectors to plot"))
  }

  // MARK: - Snapshots

  func testSnapshotsOfThePlotTheHistogramAndTheSparkline() async throws {
    let backend = try await clusterStore()
    for size in SnapshotTests.sizes {
      var state = try await loadedState(backend: backend, size: size)
      state.server?.address = "/srv/vscope-data"
      // A literal query vector near the north-east cluster, top 10.
      let (rows, _) = Self.clusters()
      state.press(.character("s"), .left, .tab)
      state.type("[" + rows[0].map { NumberText.short($0, digits: 2) }.joined(separator: ", ") + "]")
      try await settle(&state, state.press(.enter), backend: backend)
      XCTAssertEqual(state.page, .results)
      Snapshot.assertMatches(state.frame, named: "results-histogram-\(size.width)x\(size.height)")
      try await settle(&state, state.press(.enter), backend: backend)
      XCTAssertEqual(state.page, .entity)
      Snapshot.assertMatches(state.frame, named: "entity-sparkline-\(size.width)x\(size.height)")
      state.press(.escape)
      try await settle(&state, state.press(.character("p")), backend: backend)
      XCTAssertEqual(state.page, .plot)
      Snapshot.assertMatches(state.frame, named: "plot-\(size.width)x\(size.height)")
    }
    await backend.close()
  }
}
