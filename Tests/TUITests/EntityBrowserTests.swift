import Engine
import Model
import XCTest

@testable import TUI

/// The entity browser driven by key sequences on a real embedded store, and its snapshots (and
/// the command line's completion) at the smallest and a roomy terminal.
final class EntityBrowserTests: XCTestCase {
  private let small = TerminalSize(width: 80, height: 24)

  /// Performs the backend calls among `effects` as the runtime would, at a fixed latency; a
  /// failing call throws.
  @discardableResult
  private func settle(_ state: inout ExplorerState, _ effects: [Effect], backend: any VectorBackend) async throws
    -> [Request]
  {
    try await state.perform(effects, on: backend, latency: .microseconds(2_100))
  }

  private func requests(_ effects: [Effect]) -> [Request] {
    effects.compactMap {
      if case .run(let operation) = $0 { return operation.request }
      return nil
    }
  }

  private func lines(_ state: ExplorerState) -> [String] {
    state.frame.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }

  func testFilterPagingCountAndEntity() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    let pageSize = Layout(size: small).browserRows
    var made = try await settle(&state, state.press(.character("e")), backend: backend)
    XCTAssertEqual(
      made,
      [
        .count(collection: "books", filter: ""),
        .rows(RowsQuery(collection: "books", filter: "", offset: 0, limit: pageSize)),
      ])
    XCTAssertEqual(state.page, .entities)
    var browser = try XCTUnwrap(state.entityBrowser)
    XCTAssertEqual(browser.total, Fixture.bookCount)
    XCTAssertEqual(browser.shownRows?.count, pageSize)
    var text = state.frame.text
    XCTAssertTrue(text.contains("Entities · books"), text)
    XCTAssertTrue(text.contains("1,234 entities (count(*))"), text)
    XCTAssertTrue(text.contains("1–\(pageSize) of 1,234"), text)
    XCTAssertTrue(text.contains("9780000000000"), "the primary key column")
    // The filter is checked as typed; the caret sits under the error's column.
    state.press(.character("/"))
    state.type("year > 2000 and title > 3")
    let problem = try XCTUnwrap(state.entityBrowser?.filterProblem)
    XCTAssertEqual(problem.column, 23, problem.message)
    let rows = lines(state)
    let filterRow = try XCTUnwrap(rows.firstIndex { $0.contains("filter year > 2000 and title > 3") })
    let textStart = try XCTUnwrap(rows[filterRow].range(of: "year > 2000"))
    let caretRow = rows[filterRow + 1]
    let caret = DisplayWidth.of(String(caretRow[..<caretRow.firstIndex(of: "^")!]))
    XCTAssertEqual(caret - DisplayWidth.of(String(rows[filterRow][..<textStart.lowerBound])), 22)
    XCTAssertTrue(
      rows[filterRow + 2].contains("column 23: cannot compare VarChar field 'title' with a number"),
      "at 80 columns the message takes the line below the caret")
    XCTAssertEqual(state.press(.enter), [], "an invalid filter does not run")
    XCTAssertEqual(state.status?.isError, true)
    XCTAssertEqual(state.entityBrowser?.editing, true)
    for _ in 0..<14 { state.press(.backspace) }
    XCTAssertNil(state.entityBrowser?.filterProblem)
    made = try await settle(&state, state.press(.enter), backend: backend)
    XCTAssertEqual(made.first, .count(collection: "books", filter: "year > 2000"))
    let matching = try await backend.count("books", filter: "year > 2000", partitions: [])
    browser = try XCTUnwrap(state.entityBrowser)
    XCTAssertEqual(browser.total, matching)
    XCTAssertTrue(state.frame.text.contains("\(Format.grouped(matching)) entities match"))
    // Paging fetches on demand: the next page once; going back and forth uses what came.
    let firstPage = try XCTUnwrap(browser.shownRows)
    var effects = state.press(.pageDown)
    // The next page starts after the last key of the first (keyset paging, in key order).
    let lastKey = try XCTUnwrap(EntityPager.primaryKey(firstPage.last?["id"]))
    XCTAssertEqual(
      requests(effects),
      [
        .rows(
          RowsQuery(
            collection: "books", filter: "year > 2000", offset: pageSize, limit: pageSize,
            anchor: (rows: pageSize, key: lastKey)))
      ])
    XCTAssertTrue(state.frame.text.contains("loading page 2…"))
    try await settle(&state, effects, backend: backend)
    XCTAssertEqual(state.entityBrowser?.page, 1)
    XCTAssertNotEqual(state.entityBrowser?.shownRows, firstPage)
    XCTAssertEqual(state.press(.pageUp), [], "page 1 is already here")
    XCTAssertEqual(state.entityBrowser?.shownRows, firstPage)
    XCTAssertEqual(state.press(.pageDown), [])
    effects = state.press(.pageDown)
    XCTAssertEqual(requests(effects).count, 1, "page 3 is fetched when asked for")
    try await settle(&state, effects, backend: backend)
    // Enter opens the entity page; Esc comes back to the browser.
    state.press(.character("j"))
    let selected = try XCTUnwrap(state.selectedBrowserID)
    made = try await settle(&state, state.press(.enter), backend: backend)
    XCTAssertEqual(made, [.entity(collection: "books", id: selected)])
    XCTAssertEqual(state.page, .entity)
    text = state.frame.text
    XCTAssertTrue(text.contains("Entity · books · \(selected)"), text)
    state.press(.escape)
    XCTAssertEqual(state.page, .entities)
    // m: more like the selected row, with the collection's search defaults.
    effects = state.press(.character("m"))
    guard case .run(let operation)? = effects.first, case .search(let query) = operation.request else {
      return XCTFail("m searches like the row")
    }
    XCTAssertEqual(query.like, selected)
    XCTAssertEqual(query.request.vectorField, "embedding")
    try await settle(&state, effects, backend: backend)
    XCTAssertEqual(state.page, .results)
    XCTAssertEqual(state.results?.hits.first?.distance ?? 0, 1, accuracy: 1e-4, "as alike as it gets")
    XCTAssertEqual(state.results?.query.source, "more like this: \(selected)")
    state.press(.escape)
    XCTAssertEqual(state.page, .entities, "Esc goes back to the browser the search came from")
    // :query opens the browser with a filter.
    state.press(.escape)
    XCTAssertEqual(state.page, .browser)
    made = try await settle(
      &state, state.press(.character(":")) + state.type("query year < 1995") + state.press(.enter), backend: backend)
    XCTAssertEqual(made.first, .count(collection: "books", filter: "year < 1995"))
    XCTAssertEqual(state.entityBrowser?.filter, "year < 1995")
    // An invalid :query filter opens the browser for fixing, without running it.
    XCTAssertEqual(requests(state.press(.character(":")) + state.type("query year <") + state.press(.enter)), [])
    await backend.close()
    XCTAssertEqual(state.page, .entities)
    XCTAssertEqual(state.entityBrowser?.editing, true)
    XCTAssertNotNil(state.entityBrowser?.filterProblem)
  }

  func testEnterOnTheSchemaPaneOpensTheBrowser() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    await backend.close()
    state.press(.enter)
    XCTAssertEqual(state.focus, .schema, "Enter on a collection drills into its schema")
    let effects = state.press(.enter)
    XCTAssertEqual(state.page, .entities, "Enter again browses its entities")
    XCTAssertEqual(requests(effects).count, 2)
  }

  // MARK: - Snapshots

  private func name(_ base: String, _ size: TerminalSize) -> String { "\(base)-\(size.width)x\(size.height)" }

  private func browserState(size: TerminalSize) async throws -> (ExplorerState, EmbeddedBackend) {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: size)
    state.server?.address = "/srv/ベクトル/vscope-data"
    try await settle(&state, state.press(.character("e")), backend: backend)
    return (state, backend)
  }

  func testBrowserSnapshots() async throws {
    for size in SnapshotTests.sizes {
      var (state, backend) = try await browserState(size: size)
      state.press(.character("j"), .character("j"))
      Snapshot.assertMatches(state.frame, named: name("entities", size))
      state.press(.character("/"))
      state.type("year > 2000 and title > 3")
      await backend.close()
      Snapshot.assertMatches(state.frame, named: name("entities-filter-error", size))
    }
  }

  func testCommandLineCompletionSnapshots() async throws {
    for size in SnapshotTests.sizes {
      let (backend, _) = try await Fixture.store(self)
      var state = try await loadedState(backend: backend, size: size)
      await backend.close()
      state.server?.address = "/srv/ベクトル/vscope-data"
      state.press(.character(":"))
      state.type("index create ")
      state.press(.tab, .tab, .tab)
      XCTAssertEqual(state.commandLine, "index create HNSW")
      Snapshot.assertMatches(state.frame, named: name("command-completion", size))
    }
  }
}
