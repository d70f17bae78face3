import Engine
import Foundation
import Model
import Synchronization
import XCTest

@testable import TUI

/// The whole loop on the in-memory screen: real backend calls in tasks, results back through
/// the inbox, frames drawn.
@MainActor
final class RuntimeTests: XCTestCase {
  private let size = TerminalSize(width: 100, height: 30)

  func testListsDescribesAndFollowsTheCursor() async throws {
    let backend = try await Fixture.store(in: temporaryDirectory(self))
    let screen = MemoryScreen(size: size)
    let runtime = ExplorerRuntime(backend: backend, screen: screen, theme: .defaultDark)
    runtime.start()
    await runtime.settle()
    var text = try XCTUnwrap(screen.lastFrame).text
    XCTAssertTrue(text.contains("embedded \(EmbeddedBackend.version)"))
    XCTAssertTrue(text.contains("books"))
    XCTAssertTrue(text.contains(Format.grouped(Fixture.bookCount)))
    XCTAssertTrue(text.contains("FloatVector(16)"))
    XCTAssertTrue(text.contains("Array<VarChar>[16]"))
    runtime.handle(.key(.character("j")))
    await runtime.settle()
    text = try XCTUnwrap(screen.lastFrame).text
    XCTAssertTrue(text.contains("2 Schema · songs"))
    XCTAssertTrue(text.contains("song_id"))
    XCTAssertTrue(text.contains("partition_key"))
    XCTAssertTrue(text.contains("default=0.5"))
    XCTAssertTrue(text.contains("✓ described songs: 4 fields, 0 indexes"))
    await backend.close()
  }

  func testACorruptFileShowsInTheStatusLineAndTheExplorerKeepsRunning() async throws {
    let directory = temporaryDirectory(self)
    let writer = try await Fixture.store(in: directory)
    await writer.close()
    let manifest = directory + "/databases/default/collections/songs/manifest"
    var bytes = try XCTUnwrap(FileManager.default.contents(atPath: manifest))
    bytes[bytes.count / 2] ^= 0xFF
    try bytes.write(to: URL(fileURLWithPath: manifest))

    let backend = try EmbeddedBackend(directory: directory, readOnly: true)
    let screen = MemoryScreen(size: size)
    let runtime = ExplorerRuntime(backend: backend, screen: screen, theme: .defaultDark)
    runtime.start()
    await runtime.settle()
    let frame = try XCTUnwrap(screen.lastFrame)
    let status = String(frame.text.split(separator: "\n", omittingEmptySubsequences: false).last ?? "")
    XCTAssertTrue(status.contains("✗ listing collections failed:"), status)
    XCTAssertTrue(runtime.state.status?.text.contains("songs/manifest") == true, "\(runtime.state.status?.text ?? "")")
    // The whole message, wrapped, where the collections would be.
    XCTAssertTrue(frame.text.contains("cannot list the collections:"))
    XCTAssertTrue(frame.text.contains("songs/manifest"))
    XCTAssertEqual(frame[1, frame.height - 1].style, Theme.defaultDark[.error])
    // Still running: keys are handled and r tries again (and fails the same way).
    runtime.handle(.key(.character("?")))
    await runtime.settle()
    XCTAssertTrue(try XCTUnwrap(screen.lastFrame).text.contains("Keys"))
    runtime.handle(.key(.escape))
    runtime.handle(.key(.character("r")))
    await runtime.settle()
    XCTAssertEqual(runtime.state.status?.isError, true)
    runtime.handle(.key(.character("q")))
    XCTAssertTrue(runtime.state.quitRequested)
  }

  func testEscCancelsASlowCallAndTheSpinnerShowsMeanwhile() async throws {
    let backend = try await Fixture.store(in: temporaryDirectory(self))
    let slow = SlowBackend(base: backend, delay: .seconds(30))
    let screen = MemoryScreen(size: size)
    let runtime = ExplorerRuntime(backend: slow, screen: screen, theme: .defaultDark)
    runtime.start()
    let text = try XCTUnwrap(screen.lastFrame).text
    XCTAssertTrue(text.contains("listing collections…  Esc cancels"))
    XCTAssertTrue(text.contains("connecting…"))
    runtime.handle(.key(.escape))
    await runtime.settle()
    // The task itself was cancelled: the backend stopped waiting long before its 30 s.
    let deadline = ContinuousClock.now + .seconds(10)
    while slow.cancellations.value == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
    XCTAssertEqual(slow.cancellations.value, 1)
    XCTAssertEqual(runtime.state.status?.text, "cancelled listing collections")
    XCTAssertTrue(try XCTUnwrap(screen.lastFrame).text.contains("✓ cancelled listing collections"))
    await backend.close()
  }

  func testTheLoopRunsScriptedKeysUntilQuit() async throws {
    let backend = try await Fixture.store(in: temporaryDirectory(self))
    let screen = MemoryScreen(
      size: size,
      events: [
        .key(.tab), .key(.character("j")), .resize(TerminalSize(width: 79, height: 23)),
        .resize(TerminalSize(width: 80, height: 24)), .key(.character(":")), .key(.character("q")), .key(.enter),
      ])
    let runtime = ExplorerRuntime(backend: backend, screen: screen, theme: .defaultDark)
    let ending = await runtime.run()
    XCTAssertEqual(ending, .quit)
    XCTAssertEqual(ending.exitCode, 0)
    XCTAssertTrue(screen.frames.contains { $0.text.contains("terminal too small (need 80×24, have 79×23)") })
    XCTAssertEqual(screen.lastFrame?.width, 80)
    XCTAssertEqual(runtime.state.focus, .schema)
    await backend.close()
  }

  func testTheLoopEndsOnASignal() async throws {
    let backend = try await Fixture.store(in: temporaryDirectory(self))
    let runtime = ExplorerRuntime(backend: backend, screen: MemoryScreen(size: size), theme: .defaultDark)
    let ending = await runtime.run(signals: { SIGTERM })
    XCTAssertEqual(ending, .signal(SIGTERM))
    XCTAssertEqual(ending.exitCode, 143)
    await backend.close()
  }
}

/// A backend that answers like `base` after `delay`, and stops waiting when cancelled.
struct SlowBackend: VectorBackend {
  let base: any VectorBackend
  let delay: Duration
  /// How many waits ended by cancellation.
  let cancellations = Counter()
  /// How many times it was closed.
  let closes = Counter()

  final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
  }

  private func wait() async throws {
    do {
      try await Task.sleep(for: delay)
    } catch {
      cancellations.increment()
      throw error
    }
  }

  func serverInfo() async throws -> ServerInfo {
    try await wait()
    return try await base.serverInfo()
  }
  func close() async {
    closes.increment()
    await base.close()
  }
  func listDatabases() async throws -> [String] { try await base.listDatabases() }
  func currentDatabase() async -> String { await base.currentDatabase() }
  func useDatabase(_ name: String) async throws { try await base.useDatabase(name) }
  func createDatabase(_ name: String) async throws { try await base.createDatabase(name) }
  func dropDatabase(_ name: String) async throws { try await base.dropDatabase(name) }
  func listCollections() async throws -> [CollectionInfo] {
    try await wait()
    return try await base.listCollections()
  }
  func describeCollection(_ name: String) async throws -> CollectionSchema {
    try await wait()
    return try await base.describeCollection(name)
  }
  func createCollection(_ schema: CollectionSchema) async throws { try await base.createCollection(schema) }
  func dropCollection(_ name: String) async throws { try await base.dropCollection(name) }
  func renameCollection(_ name: String, to newName: String) async throws {
    try await base.renameCollection(name, to: newName)
  }
  func listPartitions(_ collection: String) async throws -> [PartitionInfo] {
    try await base.listPartitions(collection)
  }
  func createPartition(_ collection: String, partition: String) async throws {
    try await base.createPartition(collection, partition: partition)
  }
  func dropPartition(_ collection: String, partition: String) async throws {
    try await base.dropPartition(collection, partition: partition)
  }
  func describeIndexes(_ collection: String) async throws -> [IndexStatus] {
    try await base.describeIndexes(collection)
  }
  func createIndex(_ collection: String, spec: IndexSpec) async throws {
    try await base.createIndex(collection, spec: spec)
  }
  func dropIndex(_ collection: String, indexName: String) async throws {
    try await base.dropIndex(collection, indexName: indexName)
  }
  func loadCollection(_ collection: String, progress: (@Sendable (Int) -> Void)?) async throws {
    try await base.loadCollection(collection, progress: progress)
  }
  func releaseCollection(_ collection: String) async throws { try await base.releaseCollection(collection) }
  func loadState(_ collection: String) async throws -> LoadState { try await base.loadState(collection) }
  func insert(_ collection: String, rows: [Row], partition: String?) async throws -> MutationResult {
    try await base.insert(collection, rows: rows, partition: partition)
  }
  func upsert(_ collection: String, rows: [Row], partition: String?) async throws -> MutationResult {
    try await base.upsert(collection, rows: rows, partition: partition)
  }
  func delete(_ collection: String, ids: [PrimaryKey], partition: String?) async throws -> MutationResult {
    try await base.delete(collection, ids: ids, partition: partition)
  }
  func delete(_ collection: String, filter: String, partition: String?) async throws -> MutationResult {
    try await base.delete(collection, filter: filter, partition: partition)
  }
  func get(_ collection: String, ids: [PrimaryKey], outputFields: [String]) async throws -> [Row] {
    try await base.get(collection, ids: ids, outputFields: outputFields)
  }
  func query(_ request: QueryRequest) async throws -> [Row] { try await base.query(request) }
  func count(_ collection: String, filter: String, partitions: [String]) async throws -> Int {
    try await base.count(collection, filter: filter, partitions: partitions)
  }
  func search(_ request: SearchRequest) async throws -> [[SearchHit]] { try await base.search(request) }
}
