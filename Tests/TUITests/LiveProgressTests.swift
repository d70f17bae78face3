import Engine
import Foundation
import Model
import Synchronization
import XCTest

@testable import TUI

/// Progress shown while real work runs on the embedded store: an HNSW build started with
/// `:index create` (polled with `.indexProgress`) fills the Index pane's bar, and `:load` shows
/// a bar in the status line.
final class LiveProgressTests: XCTestCase {
  private let size = TerminalSize(width: 120, height: 40)
  private static let rows = 30_000
  private static let dim = 64

  /// A store with one collection of 30,000 × 64-d vectors and no index yet.
  private func store() async throws -> EmbeddedBackend {
    let backend = try EmbeddedBackend(directory: temporaryDirectory(self))
    let schema = CollectionSchema(
      name: "vectors",
      fields: [
        FieldSchema(name: "id", type: .int64, isPrimary: true),
        FieldSchema(name: "embedding", type: .floatVector, dim: Self.dim),
      ])
    try await backend.createCollection(schema)
    var random = SplitMix64(seed: 42)
    for batch in stride(from: 0, to: Self.rows, by: 5_000) {
      let rows: [Row] = (batch..<batch + 5_000).map { index in
        var row: Row = [:]
        row["id"] = .int(Int64(index))
        row["embedding"] = .floatVector((0..<Self.dim).map { _ in Float(random.nextUnit()) - 0.5 })
        return row
      }
      _ = try await backend.insert("vectors", rows: rows, partition: nil)
    }
    try await backend.flush()
    return backend
  }

  /// The Index pane's lines that tell the build's progress: "indexed N of M" and the bar.
  private func progressLines(_ state: ExplorerState) -> [String] {
    let lines = state.frame.text.split(separator: "\n").map(String.init)
    guard let indexed = lines.firstIndex(where: { $0.contains("indexed ") }), indexed + 1 < lines.count else {
      return []
    }
    // The Index pane is the right-hand column: keep the part after the last pane border.
    return [lines[indexed], lines[indexed + 1]].map { line in
      let cut = line.range(of: "indexed ")?.lowerBound ?? line.startIndex
      return String(line[cut...]).trimmingCharacters(in: CharacterSet(charactersIn: " │┃"))
    }
  }

  func testIndexCreateShowsTheLiveBuildInTheIndexPane() async throws {
    let backend = try await store()
    var state = try await loadedState(backend: backend, size: size)
    XCTAssertEqual(state.selectedCollection?.name, "vectors")
    state.press(.character(":"))
    state.type("index create HNSW M=16 efConstruction=64 metric=L2")
    var pending = state.press(.enter)
    var states: [IndexState] = []
    var shown: [[String]] = []
    var polls = 0
    while let effect = pending.first {
      pending.removeFirst()
      guard case .run(let operation) = effect else { continue }
      if case .indexProgress = operation.request { polls += 1 }
      let result = try await ExplorerRuntime.perform(operation.request, on: backend)
      pending += state.update(.completed(operation.id, result, latency: .milliseconds(1)))
      if case .indexes(_, let indexes) = result, let status = indexes.first {
        states.append(status.state)
        shown.append(progressLines(state))
        XCTAssertEqual(state.focus, .index, "the Index pane shows the build")
      }
    }
    await backend.close()
    print(
      "index build: \(polls) polls; states \(states.map(\.rawValue)); shown \(shown.map { $0.joined(separator: " | ") })"
    )
    XCTAssertTrue(states.contains(.inProgress), "the build was seen running: \(states)")
    XCTAssertEqual(states.last, .finished)
    XCTAssertEqual(shown.last?.first, "indexed 30,000 of 30,000")
    XCTAssertTrue(shown.last?.last?.hasSuffix("100%") == true, "\(shown.last ?? [])")
    let bars = Set(shown.compactMap(\.last))
    XCTAssertGreaterThanOrEqual(bars.count, 2, "the bar changed while the build ran: \(bars)")
    XCTAssertTrue(
      shown.dropLast().contains { $0.last?.contains("░") == true }, "an unfilled bar while in progress: \(shown)")
    XCTAssertTrue(state.status?.text.contains("HNSW") == true, state.status?.text ?? "")
  }

  func testLoadShowsABarInTheStatusLine() async throws {
    let backend = try await store()
    try await backend.releaseCollection("vectors")
    var state = try await loadedState(backend: backend, size: size)
    state.press(.character(":"))
    state.type("load")
    let effects = state.press(.enter)
    guard case .run(let operation)? = effects.first, case .load("vectors") = operation.request else {
      return XCTFail("\(effects)")
    }
    let notes = NoteBox()
    let result = try await ExplorerRuntime.perform(operation.request, on: backend) { notes.add($0) }
    await backend.close()
    XCTAssertFalse(notes.all.isEmpty, "the load reported its progress")
    XCTAssertTrue(notes.all.last?.hasSuffix("100%") == true, "\(notes.all)")
    // Each note as the status line shows it while the call runs.
    var frames: [String] = []
    for note in notes.all {
      state.update(.progress(operation.id, note))
      let statusLine = state.frame.text.split(separator: "\n").last.map(String.init) ?? ""
      frames.append(statusLine)
      XCTAssertTrue(statusLine.contains("loading vectors: "), statusLine)
      XCTAssertTrue(statusLine.contains("█") || statusLine.contains("░"), statusLine)
    }
    XCTAssertTrue(frames.last?.contains(String(repeating: "█", count: 19) + " 100%") == true, "\(frames)")
    state.update(.completed(operation.id, result, latency: .milliseconds(3)))
    XCTAssertEqual(state.status?.text, "loaded vectors: Loaded")
  }
}

/// Progress notes collected from the thread the call reports on.
