import Engine
import Model
import XCTest

@testable import TUI

/// The update function driven by key sequences, as a user would type them.
final class UpdateTests: XCTestCase {
  private let small = TerminalSize(width: 80, height: 24)

  /// A state listing `count` synthetic collections, none described (no backend needed).
  private func listing(_ count: Int, size: TerminalSize = TerminalSize(width: 80, height: 24)) -> ExplorerState {
    var state = ExplorerState(size: size)
    guard case .run(let operation)? = state.update(.start).first else { fatalError("start lists collections") }
    let server = ServerInfo(kind: "embedded", version: "0.1.0", address: "/tmp/x", indexTypes: ["FLAT"], metrics: [])
    state.update(
      .completed(
        operation.id, .overview(server: server, database: "default", collections: manyCollections(count)),
        latency: .milliseconds(1)))
    return state
  }

  private func selectedName(_ state: ExplorerState) -> String? { state.selectedCollection?.name }

  // MARK: - Navigation

  func testJAndKWrapAroundTheEnds() {
    var state = listing(5)
    XCTAssertEqual(selectedName(state), "c00")
    state.press(.character("k"))
    XCTAssertEqual(selectedName(state), "c04", "k on the first row wraps to the last")
    state.press(.character("j"))
    XCTAssertEqual(selectedName(state), "c00", "j on the last row wraps to the first")
    state.press(.down, .down)
    XCTAssertEqual(selectedName(state), "c02")
    state.press(.up)
    XCTAssertEqual(selectedName(state), "c01")
  }

  func testJumpsAndPagesClampAtTheEnds() {
    var state = listing(30)
    let page = Layout(size: small).listRows(.collections)
    XCTAssertEqual(page, 5)
    state.press(.character("G"))
    XCTAssertEqual(selectedName(state), "c29")
    XCTAssertEqual(state[cursor: .collections].offset, 30 - page, "the last row shows at the bottom")
    state.press(.character("g"))
    XCTAssertEqual(selectedName(state), "c00")
    XCTAssertEqual(state[cursor: .collections].offset, 0)
    state.press(.pageDown)
    XCTAssertEqual(selectedName(state), "c05")
    state.press(.pageDown, .pageDown, .pageDown, .pageDown, .pageDown)
    XCTAssertEqual(selectedName(state), "c29", "paging stops at the last row")
    state.press(.pageUp)
    XCTAssertEqual(selectedName(state), "c24")
    state.press(.home)
    XCTAssertEqual(selectedName(state), "c00")
    state.press(.pageUp)
    XCTAssertEqual(selectedName(state), "c00", "paging stops at the first row")
    state.press(.end)
    XCTAssertEqual(selectedName(state), "c29")
  }

  func testTheSelectionStaysInTheVisibleWindow() {
    var state = listing(30)
    let page = Layout(size: small).listRows(.collections)
    for _ in 0..<10 { state.press(.character("j")) }
    let cursor = state[cursor: .collections]
    XCTAssertEqual(cursor.selected, 10)
    XCTAssertTrue((cursor.offset..<cursor.offset + page).contains(cursor.selected))
    XCTAssertTrue(state.frame.text.contains("c10"))
    XCTAssertFalse(state.frame.text.contains("c00 "), "rows above the window scrolled away")
    XCTAssertTrue(state.frame.text.contains(" 11/30 "))
  }

  func testAnEmptyListIgnoresMovement() {
    var state = listing(0)
    state.press(.character("j"), .character("k"), .character("G"), .pageDown)
    XCTAssertNil(state.selectedCollection)
    XCTAssertTrue(state.frame.text.contains("no collections in default"))
  }

  // MARK: - Focus

  func testTabShiftTabAndNumbersMoveTheFocus() {
    var state = listing(3)
    XCTAssertEqual(state.focus, .collections)
    state.press(.tab)
    XCTAssertEqual(state.focus, .schema)
    state.press(.tab)
    XCTAssertEqual(state.focus, .index)
    state.press(.tab)
    XCTAssertEqual(state.focus, .collections, "Tab wraps round")
    state.press(.backTab)
    XCTAssertEqual(state.focus, .index, "Shift-Tab goes backwards and wraps")
    state.press(.character("2"))
    XCTAssertEqual(state.focus, .schema)
    state.press(.character("1"))
    XCTAssertEqual(state.focus, .collections)
  }

  func testEnterDrillsInAndEscGoesBack() {
    var state = listing(3)
    state.press(.character("j"))
    state.press(.enter)
    XCTAssertEqual(state.focus, .schema)
    XCTAssertEqual(selectedName(state), "c01", "drilling in keeps the collection")
    XCTAssertTrue(state.isBusy, "c01's detail is loading")
    state.press(.escape)
    XCTAssertFalse(state.isBusy, "Esc cancels a running call first")
    XCTAssertEqual(state.focus, .schema)
    state.press(.escape)
    XCTAssertEqual(state.focus, .collections, "then goes back")
    XCTAssertEqual(selectedName(state), "c01")
  }

  func testTheFocusedPaneHasTheThickBorder() {
    var state = listing(3)
    XCTAssertTrue(state.frame.text.contains("┏━ 1 Collections"))
    XCTAssertTrue(state.frame.text.contains("┌─ 2 Schema"))
    state.press(.tab)
    XCTAssertTrue(state.frame.text.contains("┌─ 1 Collections"))
    XCTAssertTrue(state.frame.text.contains("┏━ 2 Schema"))
    // The border's style too: the first cell of the focused pane's top border.
    let layout = Layout(size: small)
    XCTAssertEqual(state.frame[layout.schema.x, layout.schema.y].style, Theme.defaultDark[.borderFocused])
    XCTAssertEqual(state.frame[layout.collections.x, layout.collections.y].style, Theme.defaultDark[.border])
  }

  // MARK: - Filter

  func testFilterNarrowsTheListAsYouType() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    await backend.close()
    XCTAssertEqual(state.visibleCollections.map(\.name), ["books", "songs", "user_profiles_with_a_long_name"])
    state.press(.character("2"))
    state.press(.character("/"))
    XCTAssertEqual(state.focus, .collections, "/ focuses the list it filters")
    XCTAssertTrue(state.editingFilter)
    state.type("s")
    XCTAssertEqual(state.visibleCollections.map(\.name), ["books", "songs", "user_profiles_with_a_long_name"])
    state.type("O")
    XCTAssertEqual(state.visibleCollections.map(\.name), ["songs"], "case-insensitive")
    XCTAssertEqual(selectedName(state), "songs")
    XCTAssertTrue(state.frame.text.contains("Collections (1 of 3)"))
    XCTAssertTrue(state.frame.text.contains("/sO "))
    XCTAssertNotNil(state.frame.cursor, "the terminal cursor shows where the filter is typed")
    state.type("x")
    XCTAssertEqual(state.visibleCollections.count, 0)
    XCTAssertTrue(state.frame.text.contains("no collection name contains “sOx”"))
    state.press(.backspace)
    XCTAssertEqual(state.filter, "sO")
    // Keys that are commands elsewhere are text while typing: q does not quit.
    let effects = state.type("q")
    XCTAssertFalse(state.quitRequested)
    XCTAssertFalse(effects.contains(.quit))
    state.press(.backspace)
    state.press(.enter)
    XCTAssertFalse(state.editingFilter, "Enter keeps the filter and ends typing")
    XCTAssertEqual(state.filter, "sO")
    XCTAssertTrue(state.frame.text.contains("/sO (Esc clears)"))
    XCTAssertEqual(state.operations.values.map(\.request), [.detail("songs")])
    state.press(.escape)
    XCTAssertEqual(state.filter, "sO", "Esc cancels the running call first")
    state.press(.escape)
    XCTAssertEqual(state.filter, "", "Esc in the list clears a kept filter")
    XCTAssertEqual(selectedName(state), "songs", "the selection survives the filter")
  }

  func testEscWhileTypingClearsTheFilter() {
    var state = listing(12)
    state.press(.character("/"))
    state.type("c1")
    XCTAssertEqual(state.visibleCollections.map(\.name), ["c10", "c11"])
    state.press(.down)
    XCTAssertEqual(selectedName(state), "c11", "arrows move through the filtered list while typing")
    state.press(.escape)
    XCTAssertFalse(state.editingFilter)
    XCTAssertEqual(state.filter, "")
    XCTAssertEqual(state.visibleCollections.count, 12)
    XCTAssertEqual(selectedName(state), "c11")
  }

  // MARK: - Help

  func testHelpOpensClosesAndIsModal() {
    var state = listing(5)
    state.press(.character("?"))
    XCTAssertTrue(state.showHelp)
    XCTAssertTrue(state.frame.text.contains("Keys"))
    state.press(.character("j"), .tab)
    XCTAssertEqual(selectedName(state), "c00", "keys under the help do nothing")
    XCTAssertEqual(state.focus, .collections)
    state.press(.escape)
    XCTAssertFalse(state.showHelp)
    state.press(.character("?"))
    state.press(.character("?"))
    XCTAssertFalse(state.showHelp, "? toggles")
    state.press(.character("?"))
    XCTAssertEqual(state.press(.character("q")), [.quit], "q quits from the help too")
  }

  func testHelpListsEveryBindingOfTheKeymap() {
    var state = listing(1, size: TerminalSize(width: 120, height: 40))
    state.press(.character("?"))
    let text = state.frame.text
    for binding in Keymap.standard.bindings {
      let line = DisplayWidth.pad(binding.keys.map(\.label).joined(separator: " "), to: 12) + binding.help
      XCTAssertTrue(text.contains(line), "help misses: \(line)")
    }
    for scope in KeyScope.allCases { XCTAssertTrue(text.contains(scope.rawValue)) }
  }

  func testHelpScrollsAtTheSmallestSizeSoThatEveryBindingCanBeRead() {
    var state = listing(1, size: TerminalSize(width: 80, height: 24))
    state.press(.character("?"))
    let maxScroll = ExplorerView.helpMaxScroll(state)
    XCTAssertGreaterThan(maxScroll, 0, "the keymap no longer fits 80×24 at once")
    XCTAssertTrue(state.frame.text.contains("↓ j k scroll"), state.frame.text)
    // Scrolling line by line through the whole help shows every binding and every section.
    var seen = state.frame.text
    for _ in 0..<maxScroll {
      state.press(.character("j"))
      seen += state.frame.text
    }
    XCTAssertEqual(state.helpScroll, maxScroll)
    state.press(.character("j"))
    XCTAssertEqual(state.helpScroll, maxScroll, "the scroll stops at the end")
    XCTAssertTrue(state.frame.text.contains("↑ j k scroll"), state.frame.text)
    for binding in Keymap.standard.bindings {
      let key = DisplayWidth.pad(binding.keys.map(\.label).joined(separator: " "), to: 12)
      XCTAssertTrue(seen.contains(key + String(binding.help.prefix(20))), "help never shows: \(binding.help)")
    }
    for scope in KeyScope.allCases { XCTAssertTrue(seen.contains(scope.rawValue), scope.rawValue) }
    state.press(.character("g"))
    XCTAssertEqual(state.helpScroll, 0)
    state.press(.character("G"))
    XCTAssertEqual(state.helpScroll, maxScroll)
    state.press(.escape)
    state.press(.character("?"))
    XCTAssertEqual(state.helpScroll, 0, "help opens at its top again")
    XCTAssertEqual(selectedName(state), "c00", "scrolling the help moves nothing underneath")
  }

  // MARK: - Resize

  func testResizeBelowTheMinimumAndBack() {
    var state = listing(30)
    state.press(.character("G"))
    state.update(.resize(TerminalSize(width: 79, height: 23)))
    let small = state.frame.text
    XCTAssertTrue(small.contains("terminal too small (need 80×24, have 79×23)"))
    XCTAssertFalse(small.contains("Collections"))
    XCTAssertEqual(state.frame.width, 79)
    state.update(.resize(TerminalSize(width: 80, height: 24)))
    XCTAssertTrue(state.frame.text.contains("1 Collections (30)"))
    XCTAssertEqual(selectedName(state), "c29", "the selection survives the resize")
    state.update(.resize(TerminalSize(width: 120, height: 40)))
    let cursor = state[cursor: .collections]
    let page = Layout(size: state.size).listRows(.collections)
    XCTAssertEqual(cursor.offset, 30 - page, "a taller pane shows more rows above the selection")
    XCTAssertTrue(state.frame.text.contains(" 30/30 "))
  }

  func testQuitStillWorksWhenTheTerminalIsTooSmall() {
    var state = listing(3)
    state.update(.resize(TerminalSize(width: 40, height: 10)))
    XCTAssertTrue(state.frame.text.contains("terminal too small"))
    XCTAssertEqual(state.press(.character("q")), [.quit])
  }

  // MARK: - Backend calls

  func testAnErrorShowsInTheStatusLineInTheErrorStyle() {
    var state = listing(3)
    guard let detail = state.operations.values.first else {
      return XCTFail("the selected collection's detail is being loaded")
    }
    state.update(.failed(detail.id, message: "the file seg-1.vss is corrupt", latency: .milliseconds(4)))
    XCTAssertEqual(state.status?.isError, true)
    let frame = state.frame
    let statusRow = frame.text.split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
    XCTAssertTrue(statusRow.contains("✗ describing c00 failed: the file seg-1.vss is corrupt"), "\(statusRow)")
    XCTAssertTrue(statusRow.contains("4.0 ms"))
    XCTAssertEqual(frame[1, frame.height - 1].style, Theme.defaultDark[.error])
    XCTAssertTrue(frame.text.contains("cannot describe c00:"))
    // The explorer keeps going: keys work, other collections load.
    let effects = state.press(.character("j"))
    XCTAssertEqual(effects.count, 1)
    XCTAssertEqual(selectedName(state), "c01")
  }

  func testMovingStartsTheDetailLoadAndCancelsTheStaleOne() {
    var state = listing(3)
    let first = state.operations.values.map(\.id)
    XCTAssertEqual(state.operations.values.map(\.request), [.detail("c00")])
    let effects = state.press(.character("j"))
    XCTAssertEqual(effects.count, 2)
    XCTAssertEqual(effects.first, .cancel(first[0]))
    guard case .run(let operation)? = effects.last else { return XCTFail("a detail load starts") }
    XCTAssertEqual(operation.request, .detail("c01"))
    XCTAssertNil(state.details["c00"], "the cancelled detail is asked for again when the cursor returns")
  }

  func testEscCancelsTheRunningCallsAndSpinnerTurns() {
    var state = ExplorerState(size: small)
    let effects = state.update(.start)
    XCTAssertEqual(effects.count, 1)
    XCTAssertTrue(state.isBusy)
    XCTAssertTrue(state.frame.text.contains("⠋ listing collections…  Esc cancels"))
    state.update(.tick)
    XCTAssertTrue(state.frame.text.contains("⠙ listing collections…"))
    XCTAssertEqual(state.press(.escape), [.cancel(1)])
    XCTAssertFalse(state.isBusy)
    XCTAssertEqual(state.status?.text, "cancelled listing collections")
    // A result that arrives after the cancel is ignored.
    let server = ServerInfo(kind: "embedded", version: "0.1.0", address: "/tmp/x", indexTypes: [], metrics: [])
    state.update(.completed(1, .overview(server: server, database: "default", collections: []), latency: .zero))
    XCTAssertFalse(state.collectionsListed)
    // r asks again.
    guard case .run(let operation)? = state.press(.character("r")).first else { return XCTFail("r lists again") }
    XCTAssertEqual(operation.request, .overview)
  }

  func testCommandLineQuitsAndReportsUnknownCommands() {
    var state = listing(3)
    state.press(.character(":"))
    state.type("wat")
    XCTAssertTrue(state.frame.text.contains(":wat"))
    state.press(.enter)
    XCTAssertEqual(state.status?.isError, true)
    XCTAssertEqual(state.status?.text.hasPrefix("unknown command :wat"), true)
    state.press(.character(":"))
    state.press(.escape)
    XCTAssertNil(state.commandLine)
    XCTAssertFalse(state.quitRequested)
    state.press(.character(":"))
    state.type("q")
    XCTAssertEqual(state.press(.enter), [.quit])
    XCTAssertTrue(state.quitRequested)
  }
}
