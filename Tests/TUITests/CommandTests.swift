import Engine
import Foundation
import Model
import XCTest

@testable import TUI

/// The `:` command line: completion, history and the commands, driven by key sequences through
/// the update function; the backend calls it asks for are made on a real embedded store.
final class CommandTests: XCTestCase {
  private let small = TerminalSize(width: 80, height: 24)

  /// Performs the backend calls among `effects` as the runtime would, at a fixed latency;
  /// failures go to the status line.
  @discardableResult
  private func settle(_ state: inout ExplorerState, _ effects: [Effect], backend: any VectorBackend) async
    -> [Request]
  {
    await state.settle(effects, on: backend, latency: .microseconds(1_500))
  }

  private func requests(_ effects: [Effect]) -> [Request] {
    effects.compactMap {
      if case .run(let operation) = $0 { return operation.request }
      return nil
    }
  }

  /// Opens the command line, types `text` and presses Enter.
  @discardableResult
  private func command(_ state: inout ExplorerState, _ text: String) -> [Effect] {
    state.press(.character(":"))
    state.type(text)
    return state.press(.enter)
  }

  // MARK: - Completion and history

  func testTabCompletesCommandsThenNamesThatFit() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    await backend.close()
    state.press(.character(":"))
    state.type("ex")
    state.press(.tab)
    XCTAssertEqual(state.commandLine, "export ", "one command starts so: completed, with a space")
    XCTAssertNil(state.completion)
    state.press(.escape, .character(":"))
    state.type("re")
    state.press(.tab)
    XCTAssertEqual(state.commandLine, "re", "refresh and release agree on re only")
    XCTAssertEqual(state.completion?.candidates, ["refresh", "release"])
    XCTAssertTrue(state.frame.text.contains(" refresh  release "), state.frame.text)
    state.press(.tab)
    XCTAssertEqual(state.commandLine, "refresh")
    state.press(.tab)
    XCTAssertEqual(state.commandLine, "release", "Tab again goes through the names")
    state.type(" ")
    XCTAssertNil(state.completion, "typing ends the completion")
    state.press(.tab)
    XCTAssertEqual(state.completion?.candidates, ["books", "songs", "user_profiles_with_a_long_name"])
    state.type("s")
    state.press(.tab)
    XCTAssertEqual(state.commandLine, "release songs ")
    // Index types, build parameters and their values.
    state.press(.escape, .character(":"))
    state.type("index cr")
    state.press(.tab)
    XCTAssertEqual(state.commandLine, "index create ")
    state.type("hn")
    state.press(.tab)
    XCTAssertEqual(state.commandLine, "index create HNSW ")
    state.type("ef")
    state.press(.tab)
    XCTAssertEqual(state.commandLine, "index create HNSW efConstruction=")
    state.type("200 met")
    state.press(.tab)
    XCTAssertEqual(state.commandLine, "index create HNSW efConstruction=200 metric=")
    state.press(.tab)
    XCTAssertEqual(state.completion?.candidates, ["L2", "IP", "COSINE"])
    state.type("l")
    state.press(.tab)
    XCTAssertEqual(state.commandLine, "index create HNSW efConstruction=200 metric=L2 ")
    // Databases and themes.
    state.press(.escape, .character(":"))
    state.type("use ")
    state.press(.tab)
    XCTAssertEqual(state.commandLine, "use default ")
    state.press(.escape, .character(":"))
    state.type("theme gr")
    state.press(.tab)
    XCTAssertEqual(state.commandLine, "theme gruvbox-dark ")
    // Field names for :query.
    state.press(.escape, .character(":"))
    state.type("query ye")
    state.press(.tab)
    XCTAssertEqual(state.commandLine, "query year ")
  }

  func testUpAndDownWalkTheHistory() {
    var state = ExplorerState(size: small)
    command(&state, "theme nord")
    command(&state, "wat")
    command(&state, "wat")
    XCTAssertEqual(state.commandHistory, ["theme nord", "wat"], "a repeated line is kept once")
    state.press(.character(":"))
    state.type("draft")
    state.press(.up)
    XCTAssertEqual(state.commandLine, "wat")
    state.press(.up)
    XCTAssertEqual(state.commandLine, "theme nord")
    state.press(.up)
    XCTAssertEqual(state.commandLine, "theme nord", "the oldest holds")
    state.press(.down)
    XCTAssertEqual(state.commandLine, "wat")
    state.press(.down)
    XCTAssertEqual(state.commandLine, "draft", "past the newest: the line typed")
    state.press(.up)
    XCTAssertEqual(state.press(.enter), [])
    XCTAssertEqual(state.status?.text.hasPrefix("unknown command :wat"), true)
  }

  func testUnknownAndMalformedCommandsSayWhyInTheStatusLine() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    await backend.close()
    for (line, message) in [
      ("frobnicate", "unknown command :frobnicate"),
      ("use", "usage: :use DATABASE"),
      ("index", "usage: :index create TYPE"),
      ("index create", "usage: :index create TYPE"),
      ("index create DISKANN", "unknown index type DISKANN"),
      ("index create hnsw M", "expected key=value, got M"),
      ("index create hnsw metric=L1", "unknown metric L1"),
      ("index create hnsw field=title", "books has no vector field named title"),
      ("index create flat", "books.embedding already has an index"),
      ("load nowhere", "no collection named nowhere"),
      ("export", "usage: :export FILE"),
    ] {
      XCTAssertEqual(requests(command(&state, line)), [], line)
      XCTAssertEqual(state.status?.isError, true, line)
      XCTAssertTrue(state.status?.text.hasPrefix(message) == true, "\(line): \(state.status?.text ?? "")")
      XCTAssertNil(state.commandLine)
    }
    XCTAssertTrue(state.frame.text.contains("✗ usage: :export FILE"), "the UI keeps running and says why")
  }

  // MARK: - Commands

  func testUseSwitchesDatabaseAndReloadsCollections() async throws {
    let (backend, _) = try await Fixture.store(self)
    try await backend.createDatabase("archive")
    var state = try await loadedState(backend: backend, size: small)
    XCTAssertEqual(Set(state.databases), ["default", "archive"])
    state.press(.character("j"))
    let made = await settle(&state, command(&state, "use archive"), backend: backend)
    XCTAssertEqual(made.first, .useDatabase("archive"))
    XCTAssertEqual(state.database, "archive")
    XCTAssertTrue(state.collections.isEmpty)
    XCTAssertNil(state.selectedCollection)
    XCTAssertTrue(state.details.isEmpty, "nothing of the old database is kept")
    XCTAssertTrue(state.status?.text.hasPrefix("using database archive: 0 collections") == true)
    await settle(&state, command(&state, "use default"), backend: backend)
    XCTAssertEqual(state.collections.count, 3)
    await settle(&state, command(&state, "use nowhere"), backend: backend)
    await backend.close()
    XCTAssertEqual(state.database, "default")
    XCTAssertEqual(state.status?.isError, true)
    XCTAssertTrue(state.status?.text.hasPrefix("switching to database nowhere failed") == true)
  }

  func testIndexCreateRunsWithTheSpecAndPollsUntilFinished() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    // songs: one vector field, no index.
    await settle(&state, state.press(.character("j")), backend: backend)
    XCTAssertEqual(state.selectedCollection?.name, "songs")
    XCTAssertNotNil(state.loadedDetail("songs"))
    var effects = command(&state, "index create hnsw M=16 efConstruction=200 metric=L2")
    let expected = IndexSpec(
      fieldName: "vector", indexType: "HNSW", metric: .l2, params: ["M": .int(16), "efConstruction": .int(200)])
    XCTAssertEqual(requests(effects), [.createIndex(collection: "songs", spec: expected)])
    XCTAssertEqual(state.commandHistory.last, "index create hnsw M=16 efConstruction=200 metric=L2")
    guard case .run(let operation)? = effects.first else { return XCTFail() }
    // The answer says the build is under way: the index pane shows it and a poll is asked for.
    let building = IndexStatus(spec: expected, state: .inProgress, indexedRows: 1, totalRows: 3)
    effects = state.update(.completed(operation.id, .indexes(collection: "songs", [building]), latency: .zero))
    XCTAssertEqual(requests(effects), [.indexProgress("songs")])
    XCTAssertEqual(state.focus, .index)
    XCTAssertTrue(state.frame.text.contains("indexed 1 of 3"), state.frame.text)
    XCTAssertTrue(state.frame.text.contains("33%"))
    guard case .run(let poll)? = effects.first else { return XCTFail() }
    var progressed = building
    progressed.indexedRows = 2
    effects = state.update(.completed(poll.id, .indexes(collection: "songs", [progressed]), latency: .zero))
    XCTAssertEqual(requests(effects), [.indexProgress("songs")], "still in progress: polls again")
    XCTAssertTrue(state.frame.text.contains("66%"))
    guard case .run(let secondPoll)? = effects.first else { return XCTFail() }
    var finished = progressed
    finished.state = .finished
    finished.indexedRows = 3
    effects = state.update(.completed(secondPoll.id, .indexes(collection: "songs", [finished]), latency: .zero))
    XCTAssertEqual(effects, [], "finished: polling stops")
    XCTAssertFalse(state.isBusy)
    XCTAssertEqual(state.status?.text, "built HNSW index on songs.vector (L2)")
    XCTAssertEqual(state.collections.first { $0.name == "songs" }?.indexTypes, ["HNSW"])
    // For real: the embedded store builds it, the metric defaulting to COSINE as in Milvus.
    state.details["songs"] = nil
    await settle(&state, state.update(.tick), backend: backend)
    let made = await settle(&state, command(&state, "index create IVF_FLAT nlist=2"), backend: backend)
    XCTAssertEqual(
      made.first,
      .createIndex(
        collection: "songs",
        spec: IndexSpec(fieldName: "vector", indexType: "IVF_FLAT", metric: .cosine, params: ["nlist": .int(2)])))
    let built = try await backend.describeIndexes("songs")
    XCTAssertEqual(built.first?.spec.indexType, "IVF_FLAT")
    XCTAssertEqual(built.first?.spec.metric, .cosine)
    XCTAssertFalse(state.isBusy)
    XCTAssertEqual(state.status?.text.hasPrefix("built IVF_FLAT index on songs.vector"), true, state.status?.text ?? "")
    await settle(&state, command(&state, "index drop"), backend: backend)
    XCTAssertTrue(state.status?.text.hasSuffix("collection is loaded, please release it first") == true)
    await settle(&state, command(&state, "release"), backend: backend)
    await settle(&state, command(&state, "index drop"), backend: backend)
    let dropped = try await backend.describeIndexes("songs")
    await backend.close()
    XCTAssertEqual(dropped, [])
    XCTAssertEqual(state.status?.text, "dropped index vector of songs")
  }

  func testIndexCreateNeedsTheFieldWhenThereAreSeveral() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    await settle(&state, state.press(.character("j"), .character("j")), backend: backend)
    await backend.close()
    XCTAssertNotNil(state.loadedDetail("user_profiles_with_a_long_name"))
    XCTAssertEqual(requests(command(&state, "index create hnsw")), [])
    XCTAssertEqual(
      state.status?.text,
      "user_profiles_with_a_long_name has 2 vector fields (face, profile): name one with field=")
    let effects = command(&state, "index create hnsw field=profile M=8")
    XCTAssertEqual(
      requests(effects),
      [
        .createIndex(
          collection: "user_profiles_with_a_long_name",
          spec: IndexSpec(fieldName: "profile", indexType: "HNSW", metric: .cosine, params: ["M": .int(8)]))
      ])
  }

  func testDropAsksForTheNameTypedRightOrWrong() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    XCTAssertEqual(requests(command(&state, "drop")), [], "drop asks first")
    XCTAssertEqual(state.confirmDrop, "books")
    XCTAssertEqual(state.commandLine, "")
    XCTAssertTrue(state.frame.text.contains("type books to drop it (anything else cancels):"))
    state.type("book")
    XCTAssertEqual(state.press(.enter), [], "a wrong name cancels")
    XCTAssertNil(state.confirmDrop)
    XCTAssertTrue(state.status?.text.hasPrefix("kept books") == true, state.status?.text ?? "")
    XCTAssertEqual(state.commandHistory, ["drop"], "the answer is not history")
    command(&state, "drop")
    state.press(.escape)
    XCTAssertNil(state.confirmDrop)
    XCTAssertEqual(state.collections.count, 3)
    command(&state, "drop")
    state.type("books")
    let effects = state.press(.enter)
    XCTAssertEqual(requests(effects), [.dropCollection("books")])
    guard case .run(let operation)? = effects.first else { return XCTFail() }
    let result = try await ExplorerRuntime.perform(operation.request, on: backend)
    let next = state.update(.completed(operation.id, result, latency: .zero))
    XCTAssertTrue(state.status?.text.hasPrefix("dropped collection books; 2 collections left") == true)
    await settle(&state, next, backend: backend)
    let left = try await backend.listCollections().map(\.name)
    await backend.close()
    XCTAssertFalse(left.contains("books"))
    XCTAssertEqual(state.collections.map(\.name), ["songs", "user_profiles_with_a_long_name"])
    XCTAssertNil(state.details["books"])
  }

  func testLoadAndReleaseUpdateTheLoadState() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    await settle(&state, command(&state, "release"), backend: backend)
    XCTAssertEqual(state.collections.first?.info.loadState, .notLoad)
    XCTAssertEqual(state.status?.text, "released books: NotLoad")
    await settle(&state, command(&state, "load"), backend: backend)
    XCTAssertEqual(state.collections.first?.info.loadState, .loaded)
    await settle(&state, command(&state, "load user_profiles_with_a_long_name"), backend: backend)
    await backend.close()
    XCTAssertEqual(state.collections.last?.info.loadState, .loaded)
  }

  func testExportWritesTheRowsAsJSONLines() async throws {
    let (backend, directory) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    let path = directory + "/books.jsonl"
    let effects = command(&state, "export " + path)
    XCTAssertEqual(requests(effects), [.export(collection: "books", path: path)])
    guard case .run(let operation)? = effects.first else { return XCTFail() }
    // Progress goes to the status line while the export runs.
    state.update(.progress(operation.id, "1,000 of 1,234 rows"))
    XCTAssertTrue(state.frame.text.contains("exporting books to"), state.frame.text)
    XCTAssertTrue(state.frame.text.contains("1,000 of 1,234 rows"))
    let notes = NoteBox()
    let result = try await ExplorerRuntime.perform(operation.request, on: backend) { notes.add($0) }
    await backend.close()
    state.update(.completed(operation.id, result, latency: .milliseconds(12)))
    XCTAssertEqual(
      notes.all,
      [
        "░░░░░░░░░░░   0% 0 of 1,234 rows", "████████░░░  81% 1,000 of 1,234 rows",
        "███████████ 100% 1,234 of 1,234 rows",
      ])
    XCTAssertEqual(state.status?.text, "exported 1,234 rows of books to \(path)")
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(lines.count, Fixture.bookCount)
    let ids = try lines.map { line -> Int64 in
      let object = try JSONValue.parse(String(line))
      guard case .int(let id)? = object["id"] else { throw VectorError.internal("no id in \(line)") }
      return id
    }
    XCTAssertEqual(Set(ids).count, Fixture.bookCount, "every row once")
    let first = try JSONValue.parse(String(lines[0]))
    XCTAssertNotNil(first["embedding"]?[15], "vectors are written whole")
    XCTAssertNotNil(first["title"])
    // A file that cannot be written is an error in the status line.
    let bad = await settle(&state, command(&state, "export /nonexistent/dir/x.jsonl"), backend: backend)
    XCTAssertEqual(bad.count, 1)
    XCTAssertEqual(state.status?.isError, true)
  }
}
