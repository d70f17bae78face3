import Engine
import Foundation
import Model
import Synchronization
import XCTest

@testable import TUI

/// `:connect NAME`: a saved connection replaces the explorer's backend, everything shown of the
/// old one goes, and a connection that fails leaves the explorer where it was.
@MainActor
final class ConnectTests: XCTestCase {
  private let size = TerminalSize(width: 100, height: 30)

  /// Opens `other` for the connection named "other"; any other name fails as a dead server does.
  final class Opener: Sendable {
    let other: EmbeddedBackend
    let opened = Mutex<[String]>([])
    init(other: EmbeddedBackend) { self.other = other }

    func open(_ connection: SavedConnection) async throws -> any VectorBackend {
      opened.withLock { $0.append(connection.name) }
      guard connection.name == "other" else {
        throw VectorError.unavailable("cannot reach Milvus at \(connection.uri): connection refused")
      }
      return other
    }
  }

  private func type(_ text: String, into runtime: ExplorerRuntime) {
    for character in text { runtime.handle(.key(.character(character))) }
  }

  private func command(_ line: String, _ runtime: ExplorerRuntime) async {
    runtime.handle(.key(.character(":")))
    type(line, into: runtime)
    runtime.handle(.key(.enter))
    await runtime.settle()
  }

  func testConnectSwitchesTheBackendAndForgetsWhatTheOldOneShowed() async throws {
    let first = try await Fixture.store(in: temporaryDirectory(self))
    let other = try EmbeddedBackend(directory: temporaryDirectory(self))
    try await other.createCollection(sampleCollection("elsewhere"))
    let opener = Opener(other: other)
    let screen = MemoryScreen(size: size)
    let runtime = ExplorerRuntime(
      backend: first, screen: screen, theme: .defaultDark,
      connections: [
        SavedConnection(name: "other", uri: "milvus://other:19530", token: "root:secret"),
        SavedConnection(name: "dead", uri: "milvus://127.0.0.1:1"),
      ],
      connectionOpener: ConnectionOpener(opener.open))
    runtime.start()
    await runtime.settle()
    XCTAssertEqual(runtime.state.collections.map(\.name), ["books", "songs", "user_profiles_with_a_long_name"])
    // Something of the first backend on show: its search form.
    runtime.handle(.key(.character("s")))
    await runtime.settle()
    XCTAssertNotNil(runtime.state.searchForm)
    runtime.handle(.key(.escape))

    // Completion offers the saved names.
    runtime.handle(.key(.character(":")))
    type("connect ", into: runtime)
    runtime.handle(.key(.tab))
    XCTAssertEqual(runtime.state.completion?.candidates, ["other", "dead"])
    runtime.handle(.key(.escape))

    await command("connect dead", runtime)
    XCTAssertEqual(
      runtime.state.status?.text,
      "connecting to dead failed: cannot reach Milvus at milvus://127.0.0.1:1: connection refused")
    XCTAssertEqual(runtime.state.status?.isError, true)
    XCTAssertEqual(runtime.state.collections.map(\.name).first, "books", "still on the first backend")
    XCTAssertNil(runtime.state.connectionName)

    await command("connect other", runtime)
    XCTAssertEqual(runtime.state.connectionName, "other")
    XCTAssertEqual(runtime.state.collections.map(\.name), ["elsewhere"])
    XCTAssertTrue(runtime.backend as AnyObject === other, "calls go to the new backend")
    let text = try XCTUnwrap(screen.lastFrame).text
    let header = String(text.split(separator: "\n").first ?? "")
    XCTAssertTrue(header.hasPrefix(" vscope │ other │ embedded"), header)
    XCTAssertTrue(text.contains("2 Schema · elsewhere"))
    XCTAssertTrue(runtime.state.details.keys.allSatisfy { $0 == "elsewhere" }, "\(runtime.state.details.keys)")
    XCTAssertTrue(runtime.state.savedForms.isEmpty)
    XCTAssertNil(runtime.state.demoInstaller)
    XCTAssertEqual(opener.opened.withLock { $0 }, ["dead", "other"])

    await command("connect nowhere", runtime)
    XCTAssertEqual(runtime.state.status?.text, "no saved connection named nowhere (saved: other, dead)")
    XCTAssertEqual(opener.opened.withLock { $0 }.count, 2, "an unknown name opens nothing")
    await runtime.closeConnectedBackend()
    await first.close()
  }

  func testConnectWaitsForWorkButNotForReads() {
    var state = ExplorerState(size: size)
    state.connections = [SavedConnection(name: "other", uri: "milvus://other")]
    state.connectionOpener = ConnectionOpener { _ in throw VectorError.unavailable("not in this test") }
    _ = state.start(.export(collection: "books", path: "/tmp/books.jsonl"))
    _ = state.start(.detail("books"))
    var effects: [Effect] = []
    state.run(commandLine: "connect other", effects: &effects)
    XCTAssertEqual(effects, [])
    XCTAssertEqual(
      state.status?.text, "wait for exporting books to /tmp/books.jsonl to finish, or Esc to cancel it, then :connect")
    // With only reads running, it goes ahead (the reads are cancelled when it succeeds).
    state.operations = state.operations.filter { $0.value.request.isRead }
    state.run(commandLine: "connect other", effects: &effects)
    guard case .run(let operation)? = effects.first, case .connect(let connection, _) = operation.request else {
      return XCTFail("\(effects)")
    }
    XCTAssertEqual(connection.name, "other")
  }

  func testConnectWithoutSavedConnectionsSaysWhereToAddThem() async throws {
    let backend = try await Fixture.store(in: temporaryDirectory(self))
    let other = try EmbeddedBackend(directory: temporaryDirectory(self))
    let runtime = ExplorerRuntime(
      backend: backend, screen: MemoryScreen(size: size), theme: .defaultDark,
      connectionOpener: ConnectionOpener(Opener(other: other).open))
    runtime.start()
    await runtime.settle()
    await command("connect", runtime)
    XCTAssertEqual(
      runtime.state.status?.text, "no saved connections: add [[connections]] (name, uri, token, db) to the config file")
    await backend.close()
    await other.close()
  }

  func testEscWhileConnectingStaysOnTheOldBackend() async throws {
    let first = try await Fixture.store(in: temporaryDirectory(self))
    let other = try EmbeddedBackend(directory: temporaryDirectory(self))
    let slow = SlowBackend(base: other, delay: .seconds(30))
    let runtime = ExplorerRuntime(
      backend: first, screen: MemoryScreen(size: size), theme: .defaultDark,
      connections: [SavedConnection(name: "slow", uri: "milvus://slow")],
      connectionOpener: ConnectionOpener { _ in slow })
    runtime.start()
    await runtime.settle()
    runtime.handle(.key(.character(":")))
    type("connect slow", into: runtime)
    runtime.handle(.key(.enter))
    XCTAssertTrue(runtime.state.isBusy)
    runtime.handle(.key(.escape))
    await runtime.settle()
    XCTAssertEqual(runtime.state.status?.text, "cancelled connecting to slow")
    XCTAssertNil(runtime.state.connectionName)
    XCTAssertTrue(runtime.backend as AnyObject === first)
    // The backend opened for the cancelled connection is closed, not left behind.
    let deadline = ContinuousClock.now + .seconds(10)
    while slow.closes.value == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
    XCTAssertEqual(slow.closes.value, 1)
    await first.close()
    await other.close()
  }

  private func sampleCollection(_ name: String) -> CollectionSchema {
    CollectionSchema(
      name: name,
      fields: [
        FieldSchema(name: "id", type: .int64, isPrimary: true),
        FieldSchema(name: "vector", type: .floatVector, dim: 3),
      ])
  }
}
