import Engine
import Foundation
import Model
import Synchronization
import XCTest

@testable import TUI

/// A fresh temporary directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase, prefix: String = "vscope-tui") -> String {
  let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(8))"
  try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
  return path
}

/// Three collections made with the backend's own API, chosen to exercise the panes: every kind
/// of field and flag, wide characters in descriptions and defaults, an index, an unindexed
/// vector field, a released collection, an empty one.
enum Fixture {
  static let books = CollectionSchema(
    name: "books", description: "書籍の埋め込み 📚 (multilingual)",
    fields: [
      FieldSchema(name: "id", type: .int64, description: "ISBN-13 as a number", isPrimary: true),
      FieldSchema(name: "embedding", type: .floatVector, description: "text-embedding-3-small", dim: 16),
      FieldSchema(name: "title", type: .varChar, maxLength: 512),
      FieldSchema(name: "tags", type: .array, maxLength: 32, elementType: .varChar, maxCapacity: 16),
      FieldSchema(name: "year", type: .int16, nullable: true),
      FieldSchema(name: "language", type: .varChar, maxLength: 16, defaultValue: .string("日本語")),
      FieldSchema(name: "attrs", type: .json),
    ],
    enableDynamicField: true)

  static let songs = CollectionSchema(
    name: "songs",
    fields: [
      FieldSchema(name: "song_id", type: .varChar, isPrimary: true, maxLength: 64),
      FieldSchema(name: "vector", type: .floatVector, dim: 4),
      FieldSchema(name: "genre", type: .varChar, maxLength: 32, isPartitionKey: true),
      FieldSchema(name: "rating", type: .double, nullable: true, defaultValue: .double(0.5)),
    ])

  static let users = CollectionSchema(
    name: "user_profiles_with_a_long_name", description: "faces and profiles",
    fields: [
      FieldSchema(name: "user", type: .int64, isPrimary: true, autoID: true),
      FieldSchema(name: "face", type: .floatVector, dim: 32),
      FieldSchema(name: "profile", type: .floatVector, dim: 8),
      FieldSchema(name: "ids", type: .array, elementType: .int64, maxCapacity: 16),
    ])

  static let bookCount = 1_234

  static func bookRow(_ index: Int) -> Row {
    let embedding: [Float] = (0..<16).map { Float(($0 + index) % 7) / 7 + 0.01 }
    let year: Value = index % 5 == 0 ? .null : .int(1990 + Int64(index % 30))
    var row: Row = [:]
    row["id"] = .int(9_780_000_000_000 + Int64(index))
    row["embedding"] = .floatVector(embedding)
    row["title"] = .string("Book \(index)")
    row["tags"] = .array([.string("fiction")])
    row["year"] = year
    row["attrs"] = .json(.object(["pages": .int(Int64(100 + index))]))
    return row
  }

  static func songRow(_ index: Int) -> Row {
    var row: Row = [:]
    row["song_id"] = .string("song-\(index)")
    row["vector"] = .floatVector([1, Float(index), 0, 0.5])
    row["genre"] = .string(index == 0 ? "jazz" : "soul")
    return row
  }

  static func userRow(_ index: Int) -> Row {
    let face: [Float] = (0..<32).map { Float(($0 * index) % 5) + 0.5 }
    let profile: [Float] = (0..<8).map { Float($0 + index) }
    var row: Row = [:]
    row["face"] = .floatVector(face)
    row["profile"] = .floatVector(profile)
    row["ids"] = .array([.int(Int64(index))])
    return row
  }

  /// A writable store in a temporary directory with the three collections.
  static func store(_ test: XCTestCase) async throws -> (backend: EmbeddedBackend, directory: String) {
    let directory = temporaryDirectory(test)
    return (try await store(in: directory), directory)
  }

  /// A writable store in `directory` with the three collections.
  static func store(in directory: String) async throws -> EmbeddedBackend {
    let backend = try EmbeddedBackend(directory: directory)
    try await backend.createCollection(books)
    try await backend.createCollection(songs)
    try await backend.createCollection(users)
    try await backend.createIndex("books", spec: IndexSpec(fieldName: "embedding", indexType: "FLAT", metric: .cosine))
    try await backend.createIndex(
      "user_profiles_with_a_long_name", spec: IndexSpec(fieldName: "face", indexType: "FLAT", metric: .ip))
    _ = try await backend.insert("books", rows: (0..<bookCount).map(bookRow), partition: nil)
    _ = try await backend.insert("songs", rows: (0..<3).map(songRow), partition: nil)
    _ = try await backend.insert("user_profiles_with_a_long_name", rows: (0..<42).map(userRow), partition: nil)
    try await backend.releaseCollection("user_profiles_with_a_long_name")
    return backend
  }
}

/// A state as the explorer would have it after talking to `backend`: every call the update
/// function asks for is made for real, and its result fed back with a fixed latency so frames
/// are the same on every run.
func loadedState(
  backend: any VectorBackend, size: TerminalSize, latency: Duration = .microseconds(2_400)
) async throws -> ExplorerState {
  var state = ExplorerState(size: size)
  try await state.perform(state.update(.start), on: backend, latency: latency)
  return state
}

extension ExplorerState {
  /// Performs every backend call among `effects` on `backend` and feeds each result back as the
  /// runtime would, with a fixed `latency` so that frames are the same on every run, until no
  /// call is left; a failing call throws. Returns the requests made, in order.
  @discardableResult
  mutating func perform(_ effects: [Effect], on backend: any VectorBackend, latency: Duration) async throws
    -> [Request]
  {
    var pending = effects
    var made: [Request] = []
    while let effect = pending.first {
      pending.removeFirst()
      guard case .run(let operation) = effect else { continue }
      made.append(operation.request)
      let result = try await ExplorerRuntime.perform(operation.request, on: backend)
      pending += update(.completed(operation.id, result, latency: latency))
    }
    return made
  }

  /// As `perform`, but a failing call is fed back as a failure, as the runtime does (the status
  /// line shows it).
  @discardableResult
  mutating func settle(
    _ effects: [Effect], on backend: any VectorBackend, latency: Duration,
    failureLatency: Duration = .microseconds(900)
  ) async -> [Request] {
    var pending = effects
    var made: [Request] = []
    while let effect = pending.first {
      pending.removeFirst()
      guard case .run(let operation) = effect else { continue }
      made.append(operation.request)
      do {
        let result = try await ExplorerRuntime.perform(operation.request, on: backend)
        pending += update(.completed(operation.id, result, latency: latency))
      } catch {
        pending += update(
          .failed(operation.id, message: ExplorerRuntime.message(for: error), latency: failureLatency))
      }
    }
    return made
  }
}

extension ExplorerState {
  /// Feeds keys in order, returning every effect they asked for.
  @discardableResult
  mutating func press(_ keys: Key...) -> [Effect] {
    keys.flatMap { update(.key($0)) }
  }

  /// Feeds the characters of `text` as keys.
  @discardableResult
  mutating func type(_ text: String) -> [Effect] {
    text.flatMap { update(.key(.character($0))) }
  }

  /// The frame at this state with the default theme.
  var frame: CellBuffer { ExplorerView.render(self, theme: .defaultDark) }
}

/// Synthetic collections for paging tests.
func manyCollections(_ count: Int) -> [CollectionSummary] {
  (0..<count).map {
    CollectionSummary(
      info: CollectionInfo(name: String(format: "c%02d", $0), entityCount: $0 * 10, loadState: .loaded),
      indexTypes: [])
  }
}

/// Progress notes heard from a call running on another thread.
final class NoteBox: Sendable {
  private let notes = Mutex<[String]>([])

  func add(_ note: String) { notes.withLock { $0.append(note) } }
  var all: [String] { notes.withLock { $0 } }
}

/// The address of the Milvus Lite server that scripts/test starts; without one the test is
/// skipped, or fails when scripts/test said the servers must be there.
func milvusLiteAddress() throws -> String {
  let environment = ProcessInfo.processInfo.environment
  if let address = environment["VSCOPE_MILVUS_LITE"], !address.isEmpty { return address }
  if environment["VSCOPE_REQUIRE_MILVUS"] == "1" { XCTFail("VSCOPE_MILVUS_LITE is not set") }
  throw XCTSkip("no Milvus Lite server: run the tests with scripts/test")
}
