import Engine
import Model
import XCTest

@testable import TUI

/// The text inputs' cursor: the editing model on its own, then each input of the explorer
/// (collections filter, command line, search form, entity browser filter) driven by keys, with
/// the terminal cursor the frame asks for.
final class TextFieldTests: XCTestCase {
  private let size = TerminalSize(width: 100, height: 30)

  // MARK: - The model

  func testCursorMovesAndEditsAtTheCursor() {
    var field = TextField("hello world")
    XCTAssertEqual(field.cursor, 11, "a field starts with the cursor at its end")
    field.perform(.lineStart)
    XCTAssertEqual(field.cursor, 0)
    field.perform(.cursorLeft)
    XCTAssertEqual(field.cursor, 0, "the start holds")
    field.insert(">")
    XCTAssertEqual(field.text, ">hello world")
    field.perform(.cursorRight)
    field.perform(.deleteForward)
    XCTAssertEqual(field.text, ">hllo world")
    XCTAssertEqual(field.cursor, 2)
    field.perform(.deleteBackward)
    XCTAssertEqual(field.text, ">llo world")
    XCTAssertEqual(field.cursor, 1)
    field.perform(.lineEnd)
    field.perform(.cursorRight)
    XCTAssertEqual(field.cursor, 10, "the end holds")
    field.perform(.deleteForward)
    XCTAssertEqual(field.text, ">llo world", "Del at the end deletes nothing")
  }

  func testWordAndLineDeletion() {
    var field = TextField("year > 2000 and title")
    field.perform(.deleteWordBackward)
    XCTAssertEqual(field.text, "year > 2000 and ")
    field.insert("  ")
    field.perform(.deleteWordBackward)
    XCTAssertEqual(field.text, "year > 2000 ", "spaces before the cursor go with the word before them")
    for _ in 0..<5 { field.perform(.cursorLeft) }
    XCTAssertEqual(field.cursor, 7)
    field.perform(.deleteToEnd)
    XCTAssertEqual(field.text, "year > ")
    XCTAssertEqual(field.cursor, 7)
    field.perform(.cursorLeft)
    field.perform(.deleteToStart)
    XCTAssertEqual(field.text, " ")
    XCTAssertEqual(field.cursor, 0)
    XCTAssertFalse(field.perform(.quit), "commands that do not edit are left to the caller")
  }

  func testWideCharactersAndEmojiAreOneCharacterAndTwoColumns() {
    // 日 and 本 are wide, 👍🏽 is one grapheme of two scalars, two columns.
    var field = TextField("日本👍🏽x")
    XCTAssertEqual(field.cursor, 4)
    XCTAssertEqual(field.window(width: 20).cursorColumn, 7)
    field.perform(.cursorLeft)
    XCTAssertEqual(field.window(width: 20).cursorColumn, 6)
    field.perform(.cursorLeft)
    XCTAssertEqual(field.window(width: 20).cursorColumn, 4, "the emoji is crossed in one step")
    field.perform(.deleteBackward)
    XCTAssertEqual(field.text, "日👍🏽x", "Backspace deletes a whole wide character")
    XCTAssertEqual(field.window(width: 20).cursorColumn, 2)
    field.insert("é")
    XCTAssertEqual(field.text, "日é👍🏽x")
    XCTAssertEqual(field.cursor, 2)
    field.perform(.deleteForward)
    XCTAssertEqual(field.text, "日éx", "Del deletes the whole emoji sequence")
  }

  func testLongTextScrollsSoTheCursorStaysVisible() {
    let text = (0..<40).map { String($0 % 10) }.joined()  // 40 columns
    var field = TextField(text)
    var window = field.window(width: 10)
    XCTAssertEqual(window.text, "123456789", "at the end: the tail, and a cell for the cursor")
    XCTAssertEqual(window.cursorColumn, 9)
    XCTAssertEqual(window.cut, 31)
    field.perform(.lineStart)
    window = field.window(width: 10)
    XCTAssertEqual(window.text, "0123456789")
    XCTAssertEqual(window.cursorColumn, 0)
    XCTAssertEqual(window.cut, 0)
    for _ in 0..<15 { field.perform(.cursorRight) }
    window = field.window(width: 10)
    XCTAssertEqual(window.cursorColumn, 9)
    XCTAssertEqual(window.cut, 6)
    XCTAssertEqual(window.text, "6789012345", "the character under the cursor shows")
    // Wide characters scroll whole: never half of one at the left edge.
    var wide = TextField(String(repeating: "語", count: 12))
    window = wide.window(width: 9)
    XCTAssertEqual(window.text, "語語語語")
    XCTAssertEqual(window.cursorColumn, 8)
    wide.perform(.lineStart)
    XCTAssertEqual(wide.window(width: 9).text, "語語語語", "four whole wide characters fit in nine cells")
  }

  // MARK: - The inputs

  private func listedState() -> ExplorerState {
    var state = ExplorerState(size: size)
    state.update(.start)
    state.collections = [
      CollectionSummary(info: CollectionInfo(name: "books", entityCount: 1, loadState: .loaded), indexTypes: []),
      CollectionSummary(info: CollectionInfo(name: "songs", entityCount: 1, loadState: .loaded), indexTypes: []),
      CollectionSummary(info: CollectionInfo(name: "書籍_books", entityCount: 1, loadState: .loaded), indexTypes: []),
    ]
    state.collectionsListed = true
    state.operations.removeAll()
    return state
  }

  func testCollectionsFilterEditsAtTheCursorAndShowsTheTerminalCursor() {
    var state = listedState()
    XCTAssertNil(state.frame.cursor, "no input, no cursor")
    state.press(.character("/"))
    state.type("boks")
    state.press(.left, .left, .left)
    state.type("o")
    XCTAssertEqual(state.filter, "books")
    XCTAssertEqual(state.visibleCollections.map(\.name), ["books", "書籍_books"])
    let layout = Layout(size: size)
    // The footer reads " /books " from two cells in; the cursor sits after "bo".
    XCTAssertEqual(state.frame.cursor, CellPosition(x: layout.collections.x + 4 + 2, y: layout.collections.maxY - 1))
    state.press(.home)
    state.type("書籍_")
    XCTAssertEqual(state.filter, "書籍_books")
    XCTAssertEqual(
      state.frame.cursor, CellPosition(x: layout.collections.x + 4 + 5, y: layout.collections.maxY - 1),
      "two wide characters and _ before the cursor: five columns")
    XCTAssertEqual(state.visibleCollections.map(\.name), ["書籍_books"])
    state.press(.control("k"))
    XCTAssertEqual(state.filter, "書籍_")
    state.press(.control("u"))
    XCTAssertEqual(state.filter, "")
    state.press(.enter)
    XCTAssertNil(state.frame.cursor, "the cursor hides with the input")
  }

  func testCommandLineEditsAtTheCursor() {
    var state = listedState()
    state.press(.character(":"))
    state.type("index crate HNSW")
    state.press(.control("a"))
    for _ in 0..<8 { state.press(.right) }
    state.type("e")
    XCTAssertEqual(state.commandLine, "index create HNSW")
    let statusRow = Layout(size: size).status.y
    XCTAssertEqual(state.frame.cursor, CellPosition(x: 1 + 9, y: statusRow))
    state.press(.control("e"), .control("w"))
    XCTAssertEqual(state.commandLine, "index create ")
    state.press(.home, .delete)
    XCTAssertEqual(state.commandLine, "ndex create ")
    state.press(.backspace)
    XCTAssertEqual(state.commandLine, "ndex create ", "Backspace at the start of a line with text does nothing")
    state.press(.control("k"), .backspace)
    XCTAssertNil(state.commandLine, "Backspace on an empty line closes it, as before")
  }

  func testTabCompletesTheWordBeforeTheCursor() {
    var state = listedState()
    state.press(.character(":"))
    state.type("expo /tmp/books.jsonl")
    state.press(.home, .right, .right, .right, .right, .tab)
    XCTAssertEqual(state.commandLine, "export /tmp/books.jsonl", "completed before the cursor, the rest kept")
    XCTAssertEqual(state.commandInput?.cursor, 7)
    state.press(.control("e"), .tab)
    XCTAssertEqual(state.commandLine, "export /tmp/books.jsonl", "nothing completes a path")
  }

  func testLongCommandLineScrollsWithTheCursor() {
    var state = listedState()
    state.press(.character(":"))
    let long = "export /tmp/" + String(repeating: "d", count: 120) + "/end.jsonl"
    state.type(long)
    var frame = state.frame
    let statusRow = Layout(size: size).status.y
    XCTAssertEqual(frame.cursor, CellPosition(x: size.width - 1, y: statusRow), "the cursor in the last column")
    XCTAssertTrue(frame.text.split(separator: "\n").last!.hasSuffix("/end.jsonl "))
    state.press(.home)
    frame = state.frame
    XCTAssertEqual(frame.cursor, CellPosition(x: 1, y: statusRow))
    XCTAssertTrue(frame.text.split(separator: "\n").last!.hasPrefix(":export /tmp/ddd"))
  }

  /// Performs the backend calls among `effects` as the runtime would, at a fixed latency; a
  /// failing call throws.
  @discardableResult
  private func settle(_ state: inout ExplorerState, _ effects: [Effect], backend: any VectorBackend) async throws
    -> [Request]
  {
    try await state.perform(effects, on: backend, latency: .microseconds(2_100))
  }

  func testSearchFormTextFieldsMoveTheCursorAndChoiceFieldsChoose() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: size)
    state.press(.character("s"))
    XCTAssertEqual(state.searchForm?.field, .source)
    XCTAssertEqual(state.searchForm?.source, .random)
    XCTAssertNil(state.frame.cursor, "a choice field shows no cursor")
    state.press(.left)
    XCTAssertEqual(state.searchForm?.source, .literal, "Left changes the choice on a choice field")
    state.press(.tab)
    XCTAssertEqual(state.searchForm?.field, .value)
    state.type("[0.5, 0.25]")
    state.press(.left, .left, .left, .left, .left, .left)
    state.type(" 1,")
    XCTAssertEqual(state.searchForm?.vectorText, "[0.5, 1, 0.25]")
    XCTAssertEqual(state.searchForm?.source, .literal, "Left moves the cursor in a text field, not the choice")
    let frame = state.frame
    let cursor = try XCTUnwrap(frame.cursor)
    let row = frame.text.split(separator: "\n", omittingEmptySubsequences: false)[cursor.y]
    XCTAssertTrue(row.contains("[0.5, 1, 0.25]"), String(row))
    // The cursor is after "[0.5, 1,": find where the text starts on that row.
    let start = try XCTUnwrap(row.range(of: "[0.5, 1, 0.25]"))
    XCTAssertEqual(cursor.x, row.distance(from: row.startIndex, to: start.lowerBound) + 8)
    // topK: Home, Delete, type; Ctrl-U; Backspace at the start changes nothing.
    state.press(.tab)
    XCTAssertEqual(state.searchForm?.field, .topK)
    state.press(.home, .delete)
    state.type("5")
    XCTAssertEqual(state.searchForm?.topK, "50")
    state.press(.control("u"), .backspace)
    XCTAssertEqual(state.searchForm?.topK, "0")
    // Moving away and back keeps a field's cursor while its text is unchanged.
    state.press(.backTab, .tab)
    state.type("1")
    XCTAssertEqual(state.searchForm?.topK, "10")
    // The filter field edits in the middle, and the parser sees the edited text.
    while state.searchForm?.field != .filter { state.press(.tab) }
    state.type("year > 200")
    state.press(.left, .left, .left, .delete)
    state.type("1")
    XCTAssertEqual(state.searchForm?.filter, "year > 100")
    XCTAssertNil(state.searchForm?.filterProblem)
    state.press(.control("w"))
    XCTAssertEqual(state.searchForm?.filter, "year > 00")
    await backend.close()
  }

  func testEntityBrowserFilterEditsAtTheCursor() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: size)
    try await settle(&state, state.press(.character("e")), backend: backend)
    XCTAssertNil(state.frame.cursor)
    state.press(.character("/"))
    state.type("year > 2000 and title > 3")
    XCTAssertEqual(state.entityBrowser?.filterProblem?.column, 23)
    state.press(.left)
    state.type("\"")
    state.press(.end)
    state.type("\"")
    XCTAssertEqual(state.entityBrowser?.filterText, "year > 2000 and title > \"3\"")
    XCTAssertNil(state.entityBrowser?.filterProblem, "checked as edited")
    state.press(.control("a"), .right, .right, .right, .right, .right)
    let frame = state.frame
    let cursor = try XCTUnwrap(frame.cursor)
    let row = frame.text.split(separator: "\n", omittingEmptySubsequences: false)[cursor.y]
    let start = try XCTUnwrap(row.range(of: "year > 2000"))
    XCTAssertEqual(cursor.x, row.distance(from: row.startIndex, to: start.lowerBound) + 5)
    try await settle(&state, state.press(.enter), backend: backend)
    XCTAssertEqual(state.entityBrowser?.filter, "year > 2000 and title > \"3\"")
    XCTAssertNil(state.frame.cursor, "the cursor hides when the filter is applied")
    let expected = try await backend.count("books", filter: "year > 2000 and title > \"3\"", partitions: [])
    XCTAssertEqual(state.entityBrowser?.total, expected)
    await backend.close()
  }

  func testHelpListsTheEditingKeys() {
    var state = listedState()
    state.size = TerminalSize(width: 120, height: 50)
    state.press(.character("?"))
    let text = state.frame.text
    for line in ["Home Ctrl-A", "End Ctrl-E", "Ctrl-W", "Ctrl-U", "Ctrl-K", "delete at the cursor"] {
      XCTAssertTrue(text.contains(line), "\(line) missing from the help:\n\(text)")
    }
  }
}
