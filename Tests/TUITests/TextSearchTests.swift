import Engine
import Foundation
import Model
import XCTest

@testable import TUI

/// Search by text: the form's `text` source runs a small real shell script as the embedding
/// command, through the update function and through the runtime (where Esc stops it).
final class TextSearchTests: XCTestCase {
  private let small = TerminalSize(width: 80, height: 24)

  /// A shell script in a fresh directory, made executable; its path.
  private func script(_ body: String) throws -> String {
    let path = temporaryDirectory(self, prefix: "vscope-embed") + "/embed.sh"
    try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    return path
  }

  /// Performs the backend calls among `effects` as the runtime would, at a fixed latency;
  /// failures go to the status line.
  @discardableResult
  private func settle(_ state: inout ExplorerState, _ effects: [Effect], backend: any VectorBackend) async
    -> [Request]
  {
    await state.settle(effects, on: backend, latency: .microseconds(1_800))
  }

  /// Opens the form with the text source chosen and `text` typed in its field.
  private func formWithText(_ state: inout ExplorerState, _ text: String) {
    state.press(.character("s"))
    XCTAssertEqual(state.searchForm?.source, .random)
    state.press(.right)
    XCTAssertEqual(state.searchForm?.source, .text, "with an embedding command, text follows random")
    state.press(.tab)
    XCTAssertEqual(state.searchForm?.field, .value)
    state.type(text)
  }

  func testWithoutACommandTheFormOffersNoTextSource() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    state.press(.character("s"))
    XCTAssertEqual(state.searchForm?.sources, [.entity, .literal, .random])
    state.press(.right)
    XCTAssertEqual(state.searchForm?.source, .entity, "random wraps round to more like this")
    XCTAssertFalse(state.frame.text.contains(" text "))
    await backend.close()
  }

  func testTextIsEmbeddedByTheCommandAndSearched() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    // The script checks it got the text on stdin, then prints a 16-d vector.
    let vector = (0..<16).map { Float(($0 + 3) % 7) / 7 + 0.01 }
    let json = "[" + vector.map { String($0) }.joined(separator: ", ") + "]"
    let path = try script(
      """
      read -r line
      [ "$line" = "a quiet jazz novel" ] || { echo "unexpected input: $line" >&2; exit 9; }
      echo '\(json)'
      """)
    state.embedCommand = EmbeddingCommand(path)
    formWithText(&state, "a quiet jazz novel")
    XCTAssertTrue(state.frame.text.contains("▸ text       a quiet jazz novel"), state.frame.text)
    let effects = state.press(.enter)
    guard case .run(let operation)? = effects.first, case .search(let query) = operation.request else {
      return XCTFail("Enter runs a search: \(effects)")
    }
    XCTAssertEqual(query.embedding?.text, "a quiet jazz novel")
    XCTAssertEqual(query.request.vectors, [], "the runtime embeds the text first")
    await settle(&state, effects, backend: backend)
    XCTAssertEqual(state.page, .results, state.status?.text ?? "")
    XCTAssertEqual(state.results?.vector, vector)
    XCTAssertEqual(state.results?.hits.count, 10)
    // Books 3, 10, 17, … have exactly this vector: one of them ranks first.
    guard case .int(let first)? = state.results?.hits.first?.id else { return XCTFail("an Int64 key first") }
    XCTAssertEqual((first - 9_780_000_000_000) % 7, 3)
    XCTAssertTrue(state.frame.text.contains("text \"a quiet jazz novel\""), state.frame.text)
    // The form keeps the text for the next search.
    XCTAssertEqual(state.savedForms["books"]?.source, .text)
    XCTAssertEqual(state.savedForms["books"]?.queryText, "a quiet jazz novel")
    await backend.close()
  }

  func testEmptyTextIsRefusedInTheForm() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    state.embedCommand = EmbeddingCommand("echo '[1]'")
    formWithText(&state, "  ")
    XCTAssertEqual(state.press(.enter), [])
    XCTAssertEqual(state.searchForm?.error, "type the text to search for")
    await backend.close()
  }

  func testCommandFailuresGoToTheStatusLine() async throws {
    let (backend, _) = try await Fixture.store(self)
    let cases: [(String, String)] = [
      (
        "echo 'model not downloaded' >&2\nexit 3",
        "the embedding command failed with exit status 3: model not downloaded"
      ),
      ("echo 'Traceback (most recent call last):'", "the embedding command did not print a JSON array of numbers"),
      ("echo '[1, 0, 0]'", "the embedding command returned 3 values; field embedding has dim 16"),
      ("no-such-embedder-xyz", "embedding command not found (exit 127)"),
    ]
    for (body, expected) in cases {
      var state = try await loadedState(backend: backend, size: small)
      state.embedCommand = EmbeddingCommand(try script(body))
      formWithText(&state, "words")
      let effects = state.press(.enter)
      await settle(&state, effects, backend: backend)
      let status = try XCTUnwrap(state.status)
      XCTAssertTrue(status.isError, body)
      XCTAssertTrue(status.text.hasPrefix("search in books failed: " + expected), status.text)
      XCTAssertFalse(status.text.contains("\n"), "one line: \(status.text)")
      XCTAssertNotNil(state.searchForm, "the form stays open to try again")
      XCTAssertEqual(state.page, .browser)
    }
    await backend.close()
  }

  /// The runtime runs the command off the loop; Esc stops it long before it would finish.
  @MainActor
  func testEscStopsASlowCommand() async throws {
    let backend = try await Fixture.store(in: temporaryDirectory(self))
    let screen = MemoryScreen(size: small)
    let runtime = ExplorerRuntime(
      backend: backend, screen: screen, theme: .defaultDark, embedCommand: EmbeddingCommand("sleep 30"))
    runtime.start()
    await runtime.settle()
    for key in [Key.character("s"), .right, .tab] { runtime.handle(.key(key)) }
    for character in "slow" { runtime.handle(.key(.character(character))) }
    let started = ContinuousClock.now
    runtime.handle(.key(.enter))
    XCTAssertTrue(runtime.state.isBusy)
    XCTAssertEqual(runtime.state.operations.values.first?.request.label, "embedding the text and searching books")
    try await Task.sleep(for: .milliseconds(100))
    runtime.drainInbox()
    XCTAssertTrue(runtime.state.isBusy, "the command is still running")
    runtime.handle(.key(.escape))
    await runtime.settle()
    XCTAssertEqual(runtime.state.status?.text, "cancelled embedding the text and searching books")
    XCTAssertNotNil(runtime.state.searchForm, "the first Esc cancels; the form stays")
    XCTAssertLessThan(ContinuousClock.now - started, .seconds(10))
    await backend.close()
  }

  func testTheCommandOnItsOwn() async throws {
    let ok = EmbeddingCommand("cat > /dev/null; printf '[[0.5, -1, 2e-1]]'")
    let vector = try await ok.embed("anything")
    XCTAssertEqual(vector, [0.5, -1, 0.2])
    let slow = EmbeddingCommand("sleep 20", timeout: .milliseconds(200))
    do {
      _ = try await slow.embed("x")
      XCTFail("the timeout stops it")
    } catch {
      XCTAssertEqual(error.message, "the embedding command did not finish within 0.2 s")
    }
    do {
      _ = try await EmbeddingCommand("echo '[1, \"two\"]'").embed("x")
      XCTFail("a string is not a number")
    } catch {
      XCTAssertEqual(error.message, "the embedding command's value 2 is not a number: \"two\"")
    }
  }
}
