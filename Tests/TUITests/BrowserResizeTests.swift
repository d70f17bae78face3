import Engine
import Model
import XCTest

@testable import TUI

/// The entity browser's page follows the body's height: a resize re-fetches the page for the
/// new height, keeping the first visible row on screen and the selected row selected.
final class BrowserResizeTests: XCTestCase {
  /// Performs the backend calls among `effects` as the runtime would, at a fixed latency; a
  /// failing call throws.
  @discardableResult
  private func settle(_ state: inout ExplorerState, _ effects: [Effect], backend: any VectorBackend) async throws
    -> [Request]
  {
    try await state.perform(effects, on: backend, latency: .microseconds(2_100))
  }

  private func title(_ row: Row?) -> String? {
    if case .string(let text)? = row?["title"] { return text }
    return nil
  }

  func testResizeRepagesKeepingTheRowsInView() async throws {
    let (backend, _) = try await Fixture.store(self)
    let tall = TerminalSize(width: 100, height: 40)
    var state = try await loadedState(backend: backend, size: tall)
    try await settle(&state, state.press(.character("e")), backend: backend)
    let tallRows = Layout(size: tall).browserRows
    XCTAssertEqual(state.entityBrowser?.pageSize, tallRows)
    // Page 2, the fifth row selected: rows are "Book N" in key order.
    try await settle(&state, state.press(.pageDown), backend: backend)
    state.press(.down, .down, .down, .down)
    let firstVisible = tallRows
    let selected = tallRows + 4
    XCTAssertEqual(title(state.entityBrowser?.shownRows?[4]), "Book \(selected)")

    // Shorter: the page holding the first visible row, with the selected row still selected.
    let short = TerminalSize(width: 100, height: 26)
    let shortRows = Layout(size: short).browserRows
    XCTAssertLessThan(shortRows, tallRows)
    let made = try await settle(&state, state.update(.resize(short)), backend: backend)
    let page = firstVisible / shortRows
    XCTAssertEqual(
      made,
      [.rows(RowsQuery(collection: "books", filter: "", offset: page * shortRows, limit: shortRows))],
      "one page fetched, for the new height")
    let browser = try XCTUnwrap(state.entityBrowser)
    XCTAssertEqual(browser.pageSize, shortRows)
    XCTAssertEqual(browser.page, page)
    XCTAssertEqual(browser.shownRows?.count, shortRows)
    let shownTitles = (browser.shownRows ?? []).map(title)
    XCTAssertTrue(shownTitles.contains("Book \(firstVisible)"), "the first visible row stays in view")
    XCTAssertEqual(title(browser.shownRows?[browser.cursor.selected]), "Book \(selected)", "and stays selected")
    XCTAssertTrue(state.frame.text.contains("Book \(selected)"))
    XCTAssertTrue(
      state.frame.text.contains("page \(page + 1) of \((Fixture.bookCount + shortRows - 1) / shortRows)"),
      state.frame.text)

    // A resize that keeps the body's height fetches nothing.
    let wider = TerminalSize(width: 120, height: 26)
    let none = try await settle(&state, state.update(.resize(wider)), backend: backend)
    XCTAssertEqual(none, [])

    // Taller again: the page holding the first visible row; the selection follows the row.
    let first = page * shortRows
    let selectedNow = page * shortRows + browser.cursor.selected
    try await settle(&state, state.update(.resize(tall)), backend: backend)
    let again = try XCTUnwrap(state.entityBrowser)
    XCTAssertEqual(again.pageSize, tallRows)
    XCTAssertEqual(again.page, first / tallRows)
    let titles = (again.shownRows ?? []).map(title)
    XCTAssertTrue(titles.contains("Book \(first)"))
    if titles.contains("Book \(selectedNow)") {
      XCTAssertEqual(title(again.shownRows?[again.cursor.selected]), "Book \(selectedNow)")
    }
    // Paging on goes by the new size.
    let next = try await settle(&state, state.press(.pageDown), backend: backend)
    let nextOffset = (again.page + 1) * tallRows
    XCTAssertEqual(next.count, 1)
    guard case .rows(let query)? = next.first else { return XCTFail("no page asked for: \(next)") }
    XCTAssertEqual(query.offset, nextOffset)
    XCTAssertEqual(query.limit, tallRows)
    // It starts from the last key of the page shown (keyset paging).
    XCTAssertEqual(query.anchor?.rows, nextOffset)
    XCTAssertEqual(query.anchor?.key, again.shownRows?.last.flatMap { EntityPager.primaryKey($0["id"]) })
    await backend.close()
  }

  func testAPageThatArrivesForTheOldHeightIsIgnored() async throws {
    let (backend, _) = try await Fixture.store(self)
    let tall = TerminalSize(width: 100, height: 40)
    var state = try await loadedState(backend: backend, size: tall)
    let effects = state.press(.character("e"))
    // The first page is still on its way when the terminal shrinks.
    let short = TerminalSize(width: 100, height: 26)
    let resized = state.update(.resize(short))
    try await settle(&state, effects + resized, backend: backend)
    let browser = try XCTUnwrap(state.entityBrowser)
    XCTAssertEqual(browser.pageSize, Layout(size: short).browserRows)
    XCTAssertEqual(browser.shownRows?.count, Layout(size: short).browserRows, "the page for the new height")
    XCTAssertEqual(title(browser.shownRows?.first), "Book 0")
    await backend.close()
  }
}
