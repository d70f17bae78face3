import Engine
import Foundation
import Model
import XCTest

@testable import TUI

/// Bracketed paste: one `.paste` event inserts its text at the cursor of the focused input; a
/// 768-d vector literal arrives whole and searches; a real terminal (tmux) delivers a paste as
/// one piece once the explorer has asked for bracketed paste.
final class PasteTests: XCTestCase {
  private let size = TerminalSize(width: 100, height: 30)

  /// Performs the backend calls among `effects` as the runtime would, at a fixed latency; a
  /// failing call throws.
  @discardableResult
  private func settle(_ state: inout ExplorerState, _ effects: [Effect], backend: any VectorBackend) async throws
    -> [Request]
  {
    try await state.perform(effects, on: backend, latency: .microseconds(2_100))
  }

  /// A store with one collection of 768-d vectors (as a sentence-embedding model makes).
  private func wideStore() async throws -> EmbeddedBackend {
    let backend = try EmbeddedBackend(directory: temporaryDirectory(self))
    let schema = CollectionSchema(
      name: "passages",
      fields: [
        FieldSchema(name: "id", type: .int64, isPrimary: true),
        FieldSchema(name: "embedding", type: .floatVector, dim: 768),
        FieldSchema(name: "text", type: .varChar, maxLength: 64),
      ])
    try await backend.createCollection(schema)
    try await backend.createIndex("passages", spec: IndexSpec(fieldName: "embedding", indexType: "FLAT", metric: .l2))
    let rows: [Row] = (0..<20).map { index in
      var row: Row = [:]
      row["id"] = .int(Int64(index))
      row["embedding"] = .floatVector(Self.vector(index))
      row["text"] = .string("passage \(index)")
      return row
    }
    _ = try await backend.insert("passages", rows: rows, partition: nil)
    return backend
  }

  private static func vector(_ index: Int) -> [Float] {
    (0..<768).map { Float(($0 * 31 + index * 17) % 97) / 97 - 0.5 }
  }

  /// The literal a user copies: one value per line, as a notebook prints an array.
  private static func literal(_ vector: [Float]) -> String {
    "[\n" + vector.map { String($0) }.joined(separator: ",\n") + "\n]"
  }

  func testPastingA768DimensionalVectorIsOneEventAndSearches() async throws {
    let backend = try await wideStore()
    var state = try await loadedState(backend: backend, size: size)
    state.press(.character("s"))
    state.press(.left, .tab)  // source: vector literal; focus its value
    XCTAssertEqual(state.searchForm?.field, .value)
    let pasted = Self.literal(Self.vector(7))
    XCTAssertGreaterThan(pasted.count, 5_000)
    let clock = ContinuousClock()
    let started = clock.now
    let effects = state.update(.key(.paste(pasted)))
    let elapsed = clock.now - started
    XCTAssertTrue(effects.isEmpty)
    let form = try XCTUnwrap(state.searchForm)
    XCTAssertFalse(form.vectorText.contains("\n"), "line breaks become spaces in a one-line field")
    XCTAssertEqual(form.vectorText, pasted.replacingOccurrences(of: "\n", with: " "))
    XCTAssertEqual(form.input?.cursor, form.vectorText.count, "the cursor ends after the pasted text")
    guard case .success(let parsed) = VectorLiteral.parse(form.vectorText) else { return XCTFail("does not parse") }
    XCTAssertEqual(parsed, Self.vector(7), "every value arrives intact")
    // Shown scrolled to the cursor: the end of the literal, not its start.
    XCTAssertTrue(state.frame.text.contains(" ]"), state.frame.text)
    print("pasting \(pasted.count) characters as one event took \(elapsed)")
    try await settle(&state, state.press(.enter), backend: backend)
    XCTAssertEqual(state.page, .results)
    XCTAssertEqual(state.results?.hits.first?.id, .int(7), "the pasted vector finds its own row first")
    await backend.close()
  }

  func testPastingAVectorOnAChoiceFieldChoosesTheLiteralSource() async throws {
    let backend = try await wideStore()
    var state = try await loadedState(backend: backend, size: size)
    state.press(.character("s"))
    XCTAssertEqual(state.searchForm?.source, .random)
    state.update(.key(.paste("not a vector")))
    XCTAssertEqual(state.searchForm?.source, .random, "text that is no vector is ignored on a choice field")
    state.update(.key(.paste(Self.literal(Self.vector(3)))))
    XCTAssertEqual(state.searchForm?.source, .literal)
    XCTAssertEqual(state.searchForm?.field, .value)
    try await settle(&state, state.press(.enter), backend: backend)
    XCTAssertEqual(state.results?.hits.first?.id, .int(3))
    await backend.close()
  }

  func testPasteGoesToTheCursorOfEachInputAndIsIgnoredElsewhere() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: size)
    let before = state
    state.update(.key(.paste("q:drop books\n")))
    XCTAssertEqual(state, before, "no input focused: a paste is ignored, never read as keys")
    XCTAssertFalse(state.quitRequested)
    // The command line: at the cursor, line breaks as spaces.
    state.press(.character(":"))
    state.type("export ")
    state.update(.key(.paste("/tmp/a\nb.jsonl")))
    XCTAssertEqual(state.commandLine, "export /tmp/a b.jsonl")
    state.press(.home)
    state.update(.key(.paste("x")))
    XCTAssertEqual(state.commandLine, "xexport /tmp/a b.jsonl")
    XCTAssertEqual(state.commandInput?.cursor, 1)
    state.press(.escape)
    // The entity browser's filter, checked once for the whole paste.
    try await settle(&state, state.press(.character("e")), backend: backend)
    state.press(.character("/"))
    state.type("year >  and title != \"x\"")
    state.press(.home)
    for _ in 0..<7 { state.press(.right) }
    state.update(.key(.paste("2000")))
    XCTAssertEqual(state.entityBrowser?.filterText, "year > 2000 and title != \"x\"")
    XCTAssertNil(state.entityBrowser?.filterProblem)
    state.press(.escape, .escape)
    // The collections filter.
    state.press(.character("/"))
    state.update(.key(.paste("son")))
    XCTAssertEqual(state.visibleCollections.map(\.name), ["songs"])
    await backend.close()
  }

  /// tmux's `paste-buffer -p` brackets the text only when the program asked for it: the paste
  /// arrives as one piece (its `q` does not quit, its line break does not run the command).
  func testBracketedPasteInARealTerminal() async throws {
    let session = try await TmuxSession.start(self, width: 120, height: 40)
    try session.waitFor("1 Collections (3)", "described books")
    // Nothing focused: a pasted "q" must not quit (it would, read as a key: tmux brackets the
    // text only when the explorer turned bracketed paste on).
    session.tmux("set-buffer", "-b", "vscope", "q")
    session.tmux("paste-buffer", "-p", "-b", "vscope")
    session.send(":")
    session.tmux("set-buffer", "-b", "vscope", "export /tmp/q-\nlast.jsonl")
    session.tmux("paste-buffer", "-p", "-b", "vscope")
    try session.waitFor(":export /tmp/q- last.jsonl")
    // The cursor is shown at the insertion point, after the pasted text.
    XCTAssertEqual(session.paneFlag("cursor_flag"), "1")
    XCTAssertEqual(session.paneFlag("cursor_x"), String(":export /tmp/q- last.jsonl".count))
    XCTAssertEqual(session.paneFlag("cursor_y"), "39")
    session.send("C-u", "Escape")
    try session.waitFor(" ✓ described books")
    XCTAssertEqual(session.paneFlag("cursor_flag"), "0", "no input, no cursor")
    session.send("q")
    let ending = try session.waitForExit()
    XCTAssertEqual(ending.status, 0)
    XCTAssertEqual(ending.sttyAfter, ending.sttyBefore)
  }

  /// A 768-value literal pasted into the search form through tmux arrives whole (the form
  /// counts every value), and a pasted literal of the right dimension searches.
  func testPastingVectorLiteralsIntoTheSearchFormInARealTerminal() async throws {
    let session = try await TmuxSession.start(self, width: 120, height: 40)
    try session.waitFor("1 Collections (3)", "described books")
    session.send("s")
    try session.waitFor("Search · books")
    session.send("Left", "Tab")
    let wide = Self.literal(Self.vector(1))
    session.tmux("set-buffer", "-b", "vscope", wide)
    session.tmux("paste-buffer", "-p", "-b", "vscope")
    session.send("Enter")
    try session.waitFor("the vector has 768 values; embedding has dim 16")
    session.send("C-u")
    let row = Fixture.bookRow(5)
    guard case .floatVector(let vector)? = row["embedding"] else { return XCTFail("no embedding") }
    session.tmux("set-buffer", "-b", "vscope", Self.literal(vector))
    session.tmux("paste-buffer", "-p", "-b", "vscope")
    session.send("Enter")
    try session.waitFor("Results · books", "hits in books")
    session.send("q")
    let ending = try session.waitForExit()
    XCTAssertEqual(ending.status, 0)
  }
}

extension TmuxSession {
  /// A format variable of the pane (`#{cursor_x}`, `#{cursor_flag}`…).
  func paneFlag(_ name: String) -> String {
    guard let tmux = TmuxSession.which("tmux") else { return "" }
    let result = TmuxSession.run(
      tmux, ["-L", socket, "-f", configuration, "display-message", "-p", "#{\(name)}"], captureOutput: true)
    return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
