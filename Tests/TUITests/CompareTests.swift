import Engine
import Model
import XCTest

@testable import TUI

/// `:compare` on the results page, driven by key sequences through the update function; the
/// backend calls it asks for run on real embedded stores with an HNSW index whose small `ef`
/// misses neighbours that a large one finds.
final class CompareTests: XCTestCase {
  private let small = TerminalSize(width: 80, height: 24)
  static let dim = 32

  /// Clustered points: 40 overlapping clusters of 60, each point labelled with its cluster.
  static func rows() -> [Row] {
    var random = SplitMix64(seed: 0xC0FFEE)
    let centres = (0..<40).map { _ in (0..<dim).map { _ in Float(random.nextUnit() * 2 - 1) } }
    return (0..<2_400).map { index in
      let centre = centres[index % centres.count]
      var row: Row = [:]
      row["id"] = .int(Int64(index))
      row["vector"] = .floatVector(centre.map { $0 + Float(random.nextUnit() * 1.2 - 0.6) })
      row["label"] = .string("cluster \(index % centres.count)")
      return row
    }
  }

  static func schema(_ name: String, dim: Int = CompareTests.dim) -> CollectionSchema {
    CollectionSchema(
      name: name,
      fields: [
        FieldSchema(name: "id", type: .int64, isPrimary: true),
        FieldSchema(name: "vector", type: .floatVector, dim: dim),
        FieldSchema(name: "label", type: .varChar, maxLength: 32),
      ])
  }

  /// A store in `directory` with `points` (HNSW M=4, efConstruction=16, L2) and, when asked,
  /// `narrow`, a collection of dimension 4.
  static func store(in directory: String, narrow: Bool = false) async throws -> EmbeddedBackend {
    let backend = try EmbeddedBackend(directory: directory)
    try await backend.createCollection(schema("points"))
    _ = try await backend.insert("points", rows: rows(), partition: nil)
    try await backend.createIndex(
      "points",
      spec: IndexSpec(
        fieldName: "vector", indexType: "HNSW", metric: .l2, params: ["M": .int(4), "efConstruction": .int(16)]))
    await backend.waitForIndexBuilds()
    let built = try await backend.describeIndexes("points").first?.state
    XCTAssertEqual(built, .finished)
    if narrow {
      try await backend.createCollection(schema("narrow", dim: 4))
      _ = try await backend.insert(
        "narrow", rows: [["id": .int(1), "vector": .floatVector([1, 2, 3, 4]), "label": .string("x")]],
        partition: nil)
    }
    return backend
  }

  /// Opens `embedded:/dir:NAME` read-only, as the executable's opener does.
  static let opener = LocationOpener { text in
    guard text.hasPrefix("embedded:"), let colon = text.lastIndex(of: ":") else {
      throw VectorError.invalidArgument("\(text): not an embedded location")
    }
    let directory = String(text[text.index(text.startIndex, offsetBy: 9)..<colon])
    return (try EmbeddedBackend(directory: directory, readOnly: true), String(text[text.index(after: colon)...]))
  }

  /// Performs the backend calls among `effects` as the runtime would, at a fixed latency;
  /// failures go to the status line.
  @discardableResult
  static func settle(_ state: inout ExplorerState, _ effects: [Effect], backend: any VectorBackend) async
    -> [Request]
  {
    await state.settle(effects, on: backend, latency: .microseconds(2_500))
  }

  /// The explorer on `backend` with the results of a search of `points` (a random vector, or
  /// like the entity `like`), top 10 with `ef` as typed into the form.
  static func resultsState(
    backend: any VectorBackend, size: TerminalSize, ef: String = "10", like: String? = nil,
    opener: LocationOpener? = opener
  ) async throws -> ExplorerState {
    var state = try await loadedState(backend: backend, size: size)
    state.locationOpener = opener
    state.press(.character("s"))
    XCTAssertEqual(state.searchForm?.paramName, "ef")
    if let like {
      // "More like this": the entity's own vector, inside its cluster.
      state.press(.left, .left, .tab)
      XCTAssertEqual(state.searchForm?.source, .entity)
      state.type(like)
    }
    state.press(.tab, .tab)
    XCTAssertEqual(state.searchForm?.field, .param)
    state.type(ef)
    await settle(&state, state.press(.enter), backend: backend)
    XCTAssertEqual(state.page, .results)
    XCTAssertEqual(state.results?.hits.count, 10)
    return state
  }

  /// Types `:line` and Enter.
  @discardableResult
  static func command(_ line: String, _ state: inout ExplorerState) -> [Effect] {
    state.press(.character(":"))
    state.type(line)
    return state.press(.enter)
  }

  private func statusRow(_ state: ExplorerState) -> String {
    String(state.frame.text.split(separator: "\n", omittingEmptySubsequences: false).last ?? "")
  }

  func testCompareEfShowsTheOverlapTheBackendGives() async throws {
    let directory = temporaryDirectory(self)
    let backend = try await Self.store(in: directory)
    var state = try await Self.resultsState(backend: backend, size: TerminalSize(width: 120, height: 40), like: "0")
    let results = try XCTUnwrap(state.results)
    let effects = Self.command("compare ef=512", &state)
    let made = await Self.settle(&state, effects, backend: backend)
    guard case .compare(let query)? = made.first else { return XCTFail("no compare request: \(made)") }
    XCTAssertNil(query.location)
    XCTAssertEqual(query.left.params, ["ef": .int(10)])
    XCTAssertEqual(query.right.params, ["ef": .int(512)])
    XCTAssertEqual(query.leftLabel, "points (ef=10)")
    XCTAssertEqual(query.rightLabel, "points (ef=512)")
    // The same two searches made directly on the backend.
    func search(_ ef: Int64) async throws -> [SearchHit] {
      let request = SearchRequest(
        collection: "points", vectors: [results.vector], vectorField: "vector", topK: 10, params: ["ef": .int(ef)],
        outputFields: ["label"])
      return try await backend.search(request).first ?? []
    }
    let expected = ResultComparison(left: try await search(10), right: try await search(512))
    await backend.close()
    XCTAssertLessThan(expected.overlap, 10, "ef=10 should miss neighbours that ef=512 finds on this data")
    XCTAssertEqual(state.results?.hits.map(\.id), try XCTUnwrap(state.compare).outcome.left.map(\.id))
    let compare = try XCTUnwrap(state.compare)
    XCTAssertTrue(state.showsCompare)
    XCTAssertEqual(compare.comparison, expected)
    let ratio = NumberText.fixed(expected.overlapRatio, digits: 2)
    let shift = NumberText.fixed(expected.meanRankShift, digits: 2)
    let text = state.frame.text
    XCTAssertTrue(text.contains("overlap@10 \(expected.overlap)/10 (\(ratio)) · mean rank shift \(shift)"), text)
    XCTAssertTrue(text.contains("Compare · points (ef=10)"), text)
    XCTAssertTrue(text.contains("vs points (ef=512)"), text)
    // Every left neighbour the right lost says `gone`; every right neighbour the left lacked, `new`.
    let gone = expected.entries.filter { $0.rightRank == nil }.count
    let new = expected.entries.filter { $0.leftRank == nil }.count
    XCTAssertEqual(gone, 10 - expected.overlap)
    XCTAssertEqual(text.components(separatedBy: " gone ").count - 1, gone, text)
    XCTAssertEqual(text.components(separatedBy: " new ").count - 1, new, text)
    XCTAssertTrue(statusRow(state).contains("compared points (ef=10) with points (ef=512): overlap@10"))
  }

  func testCompareWithASecondStoreOfTheSameRowsIsIdentical() async throws {
    let other = temporaryDirectory(self)
    try await Self.store(in: other).close()
    let backend = try await Self.store(in: temporaryDirectory(self))
    var state = try await Self.resultsState(backend: backend, size: small, ef: "64")
    let location = "embedded:\(other):points"
    await Self.settle(&state, Self.command("compare \(location)", &state), backend: backend)
    await backend.close()
    let compare = try XCTUnwrap(state.compare, state.status?.text ?? "")
    XCTAssertEqual(compare.query.rightLabel, location)
    XCTAssertEqual(compare.query.right.params, ["ef": .int(64)], "the form's parameters hold on both sides")
    XCTAssertEqual(compare.outcome.left.map(\.id), compare.outcome.right.map(\.id))
    XCTAssertTrue(compare.comparison.isIdentical)
    let text = state.frame.text
    XCTAssertTrue(text.contains("overlap@10 10/10 (1.00) · identical"), text)
    XCTAssertFalse(text.contains(" gone "), text)
    XCTAssertFalse(text.contains(" new "), text)
  }

  func testCompareErrorsReachTheStatusLine() async throws {
    let other = temporaryDirectory(self)
    try await Self.store(in: other, narrow: true).close()
    let backend = try await Self.store(in: temporaryDirectory(self))
    var state = try await loadedState(backend: backend, size: small)
    state.locationOpener = Self.opener
    // Not on the results page.
    XCTAssertEqual(Self.command("compare ef=64", &state), [])
    XCTAssertEqual(state.status?.text, ":compare runs on the results page: search first (s)")
    state = try await Self.resultsState(backend: backend, size: small)
    // Refused before any call: no words, an unknown location form, a word that is not k=v.
    for (line, message) in [
      ("compare", "usage: " + CompareSyntax.usage),
      ("compare catalog", "unknown location catalog: use " + CompareSyntax.locationForms),
      ("compare ef=64 fast", "expected key=value, got fast"),
      ("compare ef=", "ef needs a value"),
    ] {
      XCTAssertEqual(Self.command(line, &state), [], line)
      XCTAssertEqual(state.status, StatusMessage(message, isError: true), line)
    }
    // Failures of the call: a missing collection, another dimension, a missing store.
    for (location, message) in [
      ("embedded:\(other):missing", "collection not found"),
      ("embedded:\(other):narrow", "vector dimension mismatch: the query vector has dim 32, narrow.vector has dim 4"),
    ] {
      let made = await Self.settle(&state, Self.command("compare \(location)", &state), backend: backend)
      XCTAssertEqual(made.count, 1)
      let status = try XCTUnwrap(state.status)
      XCTAssertTrue(status.isError)
      XCTAssertTrue(status.text.hasPrefix("comparing with \(location) failed: "), status.text)
      XCTAssertTrue(status.text.contains(message), status.text)
      XCTAssertNil(state.compare)
      XCTAssertEqual(state.page, .results)
    }
    // Without an opener only `:compare k=v` is offered.
    state.locationOpener = nil
    XCTAssertEqual(Self.command("compare embedded:\(other):points", &state), [])
    XCTAssertEqual(state.status, StatusMessage("this explorer cannot open other locations", isError: true))
    await backend.close()
  }

  func testKeysOnTheComparePage() async throws {
    let backend = try await Self.store(in: temporaryDirectory(self))
    var state = try await Self.resultsState(backend: backend, size: small)
    // Esc cancels a running compare.
    let running = Self.command("compare ef=512", &state)
    guard case .run(let operation)? = running.first else { return XCTFail("no call: \(running)") }
    XCTAssertTrue(statusRow(state).contains("comparing points (ef=10) with points (ef=512)…"), statusRow(state))
    XCTAssertEqual(state.press(.escape), [.cancel(operation.id)])
    XCTAssertEqual(state.status?.text, "cancelled comparing points (ef=10) with points (ef=512)")
    XCTAssertNil(state.compare)
    XCTAssertEqual(state.page, .results)
    // Run it, then walk the ranks.
    await Self.settle(&state, Self.command("compare ef=512", &state), backend: backend)
    let compare = try XCTUnwrap(state.compare)
    XCTAssertEqual(compare.rows.count, 10)
    state.press(.character("j"), .character("j"))
    XCTAssertEqual(state.compare?.cursor.selected, 2)
    XCTAssertEqual(state.resultsCursor.selected, 0, "the results underneath do not move")
    state.press(.character("G"))
    XCTAssertEqual(state.compare?.cursor.selected, 9)
    state.press(.character("j"))
    XCTAssertEqual(state.compare?.cursor.selected, 0, "j wraps round")
    // Enter opens the left entity at the rank; Esc comes back to the compare page.
    state.press(.character("k"))
    let id = try XCTUnwrap(compare.rows[9].left?.id)
    await Self.settle(&state, state.press(.enter), backend: backend)
    XCTAssertEqual(state.page, .entity)
    XCTAssertEqual(state.entity?.id, id)
    XCTAssertNotNil(state.entity?.row)
    XCTAssertTrue(state.frame.text.contains("Entity · points · \(id)"))
    state.press(.escape)
    XCTAssertTrue(state.showsCompare)
    XCTAssertEqual(state.compare?.cursor.selected, 9)
    // Esc goes back to the results, as they were.
    state.press(.escape)
    XCTAssertFalse(state.showsCompare)
    XCTAssertEqual(state.page, .results)
    XCTAssertTrue(state.frame.text.contains("Results · points"))
    // A new search drops the comparison.
    await Self.settle(&state, Self.command("compare ef=512", &state), backend: backend)
    XCTAssertTrue(state.showsCompare)
    await Self.settle(&state, state.press(.character("s"), .enter), backend: backend)
    XCTAssertNil(state.compare)
    XCTAssertEqual(state.page, .results)
    await backend.close()
  }

  func testCompareIsCompletedAndParsed() {
    var state = ExplorerState(size: small)
    state.press(.character(":"))
    state.type("comp")
    state.press(.tab)
    XCTAssertEqual(state.commandLine, "compare ")
    // The help screen lists it, from the command table.
    var help = ExplorerState(size: TerminalSize(width: 120, height: 40))
    help.press(.character("?"))
    XCTAssertTrue(help.frame.text.contains(":compare    k=v …: results vs params"), help.frame.text)
    XCTAssertTrue(help.frame.text.contains(":compare L  results vs the same at L"), help.frame.text)
    guard
      case .success(let parsed) = CompareSyntax.parse(["milvus://localhost:19530/db/items", "nprobe=16", "radius=0.5"])
    else { return XCTFail("not parsed") }
    XCTAssertEqual(parsed.location, "milvus://localhost:19530/db/items")
    XCTAssertEqual(parsed.params, ["nprobe": .int(16), "radius": .double(0.5)])
    XCTAssertEqual(CompareSyntax.label("items", params: parsed.params), "items (nprobe=16 radius=0.5)")
  }

  func testRowsSayHowEachNeighbourMoved() {
    func hits(_ ids: [Int64]) -> [SearchHit] {
      ids.enumerated().map { SearchHit(id: .int($0.element), distance: Float($0.offset)) }
    }
    let rows = CompareState.rows(left: hits([1, 2, 3, 4]), right: hits([2, 1, 3, 9, 4]))
    XCTAssertEqual(rows.map(\.move), ["+1", "-1", "=", "+1", nil])
    XCTAssertEqual(rows.map(\.isNew), [false, false, false, true, false])
    let gone = CompareState.rows(left: hits([1, 2]), right: hits([2, 7]))
    XCTAssertEqual(gone.map(\.move), ["gone", "-1"])
    XCTAssertEqual(gone.map(\.isNew), [false, true])
  }
}

/// The compare page at the smallest and a roomy terminal, compared with reviewed snapshots.
final class CompareSnapshotTests: XCTestCase {
  func testComparePage() async throws {
    for size in SnapshotTests.sizes {
      let backend = try await CompareTests.store(in: temporaryDirectory(self))
      var state = try await CompareTests.resultsState(backend: backend, size: size, like: "0")
      state.server?.address = "/srv/ベクトル/vscope-data"
      await CompareTests.settle(&state, CompareTests.command("compare ef=512", &state), backend: backend)
      await backend.close()
      // The searches' own latencies vary from run to run: fixed ones are drawn.
      state.compare?.outcome.leftLatency = .microseconds(310)
      state.compare?.outcome.rightLatency = .microseconds(1_420)
      state.press(.character("j"))
      Snapshot.assertMatches(state.frame, named: "compare-\(size.width)x\(size.height)")
    }
  }
}

/// `:compare LOCATION` in the real `vscope` in tmux: the executable's opener reads the location
/// as `vscope copy` does and opens a second backend.
final class TmuxCompareTests: XCTestCase {
  /// The explorer on a demo store; the `colors` search compared with `location`.
  private func compare(store: String, with location: String) throws -> String {
    let session = try EndToEndSession.start(
      self, command: [VscopeCLI.executable, "--data", store], width: 120, height: 40)
    try session.waitFor("catalog", "colors")
    session.send("j")
    // The form needs the collection's description: wait until the Schema pane shows it.
    try session.waitFor("Schema · colors", "lab")
    session.send("s")
    try session.waitFor("Search · colors")
    session.send("Enter")
    try session.waitFor("Results · colors")
    session.send(":")
    session.type("compare \(location)")
    session.send("Enter")
    try session.waitFor("overlap@10")
    let screen = session.capture()
    session.send("q")
    XCTAssertEqual(try session.waitForExit().status, 0)
    return screen
  }

  func testCompareWithAnotherEmbeddedStore() throws {
    let (left, right) = (temporaryDirectory(self), temporaryDirectory(self))
    for store in [left, right] {
      XCTAssertEqual(try VscopeCLI.run(["demo", "--data", store, "--catalog-rows", "500"]).status, 0)
    }
    let screen = try compare(store: left, with: "embedded:\(right):colors")
    XCTAssertTrue(screen.contains("Compare · colors"), screen)
    XCTAssertTrue(screen.contains("overlap@10 10/10 (1.00) · identical"), screen)
  }

  func testCompareWithMilvusLite() throws {
    let address = try milvusLiteAddress()
    let store = temporaryDirectory(self)
    let name = "vscope_cmp_" + UUID().uuidString.prefix(8).lowercased()
    XCTAssertEqual(try VscopeCLI.run(["demo", "--data", store, "--catalog-rows", "500"]).status, 0)
    let copied = try VscopeCLI.run(["copy", "embedded:\(store):colors", "milvus://\(address)/\(name)"])
    XCTAssertEqual(copied.status, 0, copied.stderr)
    defer { _ = try? VscopeCLI.run(["drop", name, "--milvus", "milvus://\(address)", "--yes"]) }
    let screen = try compare(store: store, with: "milvus://\(address)/\(name)")
    XCTAssertTrue(screen.contains("vs milvus://\(address)/\(name)"), screen)
    XCTAssertTrue(screen.contains("overlap@10 10/10 (1.00) · identical"), screen)
  }
}
