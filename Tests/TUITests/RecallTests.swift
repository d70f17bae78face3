import Engine
import Foundation
import MilvusAdapter
import Model
import XCTest

@testable import TUI

/// The recall meter in the explorer: `R` on the results page runs the search exactly, the
/// header shows recall@k and the missed neighbours are listed under the hits; Esc cancels; a
/// scan above the limit asks first.
final class RecallTests: XCTestCase {
  private let small = TerminalSize(width: 80, height: 24)
  static let dim = 16
  static let count = 2000

  /// Rows around 8 cluster centres (seeded), ids 0…count-1, with a title.
  static let rows: [Row] = {
    var state: UInt64 = 0xC0FFEE
    func next() -> Float {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Float(state >> 40) / Float(1 << 24) * 2 - 1
    }
    let centres = (0..<8).map { _ in (0..<dim).map { _ in next() * 0.8 } }
    return (0..<count).map { index in
      let centre = centres[index % centres.count]
      return [
        "id": .int(Int64(index)), "embedding": .floatVector(centre.map { $0 + next() * 0.6 }),
        "title": .string("point \(index)"),
      ]
    }
  }()

  /// A store with `points`: the rows above under a deliberately weak HNSW index (M=4,
  /// efConstruction=12), so that a search with ef = topK misses neighbours.
  private func weakStore() async throws -> EmbeddedBackend {
    let backend = try EmbeddedBackend(directory: temporaryDirectory(self))
    try await backend.createCollection(
      CollectionSchema(
        name: "points",
        fields: [
          FieldSchema(name: "id", type: .int64, isPrimary: true),
          FieldSchema(name: "embedding", type: .floatVector, dim: Self.dim),
          FieldSchema(name: "title", type: .varChar, maxLength: 32),
        ]))
    _ = try await backend.insert("points", rows: Self.rows, partition: nil)
    try await backend.createIndex(
      "points",
      spec: IndexSpec(
        fieldName: "embedding", indexType: "HNSW", metric: .l2, params: ["M": .int(4), "efConstruction": .int(12)]))
    await backend.waitForIndexBuilds()
    return backend
  }

  /// Performs the backend calls among `effects` as the runtime would, at a fixed latency;
  /// failures go to the status line.
  @discardableResult
  private func settle(_ state: inout ExplorerState, _ effects: [Effect], backend: any VectorBackend) async
    -> [Request]
  {
    await state.settle(effects, on: backend, latency: .microseconds(4_200))
  }

  /// The explorer on `backend` with the results of a random-vector search of `points`, top 10,
  /// ef 10 (the random vector is the state's seeded one).
  private func resultsState(_ backend: EmbeddedBackend, size: TerminalSize) async throws -> ExplorerState {
    var state = try await loadedState(backend: backend, size: size)
    state.server?.address = "/srv/vscope-data"
    state.press(.character("s"))
    XCTAssertEqual(state.searchForm?.paramName, "ef")
    state.press(.tab, .tab)
    XCTAssertEqual(state.searchForm?.field, .param)
    state.type("10")
    await settle(&state, state.press(.enter), backend: backend)
    XCTAssertEqual(state.page, .results)
    return state
  }

  /// The `L2` top 10 by brute force (scalar arithmetic, ties by id).
  private func bruteForce(_ query: [Float]) -> [(PrimaryKey, Float)] {
    let scored = Self.rows.map { row -> (PrimaryKey, Float) in
      guard case .floatVector(let vector)? = row["embedding"], case .int(let id)? = row["id"] else {
        fatalError("bad row")
      }
      return (.int(id), zip(query, vector).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) })
    }
    return Array(scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(10))
  }

  private func recallRequests(_ effects: [Effect]) -> [(Int, SearchRequest, Int?)] {
    effects.compactMap {
      if case .run(let operation) = $0, case .recall(let request, let limit) = operation.request {
        return (operation.id, request, limit)
      }
      return nil
    }
  }

  func testRMeasuresRecallAndListsTheMissedNeighbours() async throws {
    let backend = try await weakStore()
    var state = try await resultsState(backend, size: small)
    let results = try XCTUnwrap(state.results)
    XCTAssertEqual(results.hits.count, 10)
    let effects = state.press(.character("R"))
    let (_, request, limit) = try XCTUnwrap(recallRequests(effects).first)
    XCTAssertEqual(request.vectors, [results.vector], "the same vector, searched again")
    XCTAssertEqual(request.params, ["ef": .int(10)])
    XCTAssertEqual(request.topK, 10)
    XCTAssertEqual(limit, ExactSearchLimits.defaultMaxRows)
    XCTAssertTrue(state.frame.text.contains("exact search of points for recall…"), state.frame.text)
    await settle(&state, effects, backend: backend)
    await backend.close()

    let truth = bruteForce(results.vector)
    let annIDs = Set(results.hits.map(\.id))
    let expectedMissed = truth.filter { !annIDs.contains($0.0) }
    XCTAssertFalse(expectedMissed.isEmpty, "M=4, efConstruction=12, ef=10 should miss a neighbour here")
    let report = try XCTUnwrap(state.results?.recall)
    XCTAssertEqual(report.missed.map(\.id), expectedMissed.map(\.0))
    XCTAssertEqual(report.recall, Double(10 - expectedMissed.count) / 10)
    let summary = "recall@10 \(Recall.format(report.recall)) (\(expectedMissed.count) missed)"
    XCTAssertEqual(report.summary, summary)
    let lines = state.frame.text.split(separator: "\n").map(String.init)
    XCTAssertTrue(lines.contains { $0.contains(summary + " · embedding (dim 16)") }, state.frame.text)
    let heading = try XCTUnwrap(lines.firstIndex { $0.contains("missed by the index (in the exact top 10):") })
    for (offset, missed) in expectedMissed.enumerated() where heading + 1 + offset < lines.count - 2 {
      XCTAssertTrue(lines[heading + 1 + offset].contains("✗ \(missed.0)"), lines[heading + 1 + offset])
    }
    XCTAssertTrue(lines.last?.contains(summary + ": the exact search of points") == true, lines.last ?? "")
    // Moving through the hits keeps the report.
    state.press(.character("j"))
    XCTAssertEqual(state.results?.recall, report)
  }

  func testTheResultsPageWithRecallSnapshot() async throws {
    for size in SnapshotTests.sizes {
      let backend = try await weakStore()
      var state = try await resultsState(backend, size: size)
      await settle(&state, state.press(.character("R")), backend: backend)
      await backend.close()
      XCTAssertNotNil(state.results?.recall)
      Snapshot.assertMatches(state.frame, named: "results-recall-\(size.width)x\(size.height)")
    }
  }

  func testEscCancelsTheExactSearchAndALateAnswerIsIgnored() async throws {
    let backend = try await weakStore()
    var state = try await resultsState(backend, size: small)
    let effects = state.press(.character("R"))
    let (id, request, _) = try XCTUnwrap(recallRequests(effects).first)
    XCTAssertEqual(state.update(.progress(id, "1,000 of 2,000 entities")), [])
    XCTAssertTrue(
      state.frame.text.contains("exact search of points for recall: 1,000 of 2,000 entities…"), state.frame.text)
    XCTAssertEqual(state.press(.escape), [.cancel(id)])
    XCTAssertFalse(state.isBusy)
    XCTAssertEqual(state.status?.text, "cancelled exact search of points for recall")
    XCTAssertEqual(state.page, .results, "Esc while a call runs cancels it and stays")
    let exact = try await backend.exactSearch(request, limits: .standard, progress: nil)
    await backend.close()
    _ = state.update(.completed(id, .recall(request, exact: exact[0]), latency: .milliseconds(3)))
    XCTAssertNil(state.results?.recall, "a cancelled call's answer changes nothing")
  }

  /// On Milvus the exact search pages through the vectors in the client: the status line gets a
  /// bar per page, the size guard answers first, and the exact hits are the engine's FLAT hits.
  func testOnMilvusLiteTheExactScanReportsABarPerPageAndMatchesFLAT() async throws {
    let address = try milvusLiteAddress()
    let milvus = try MilvusBackend(endpoint: MilvusEndpoint(parsing: "milvus://\(address)"), strongConsistency: true)
    let name = "recall_" + UUID().uuidString.prefix(8).lowercased()
    let dim = 128
    let schema = CollectionSchema(
      name: name,
      fields: [
        FieldSchema(name: "id", type: .int64, isPrimary: true),
        FieldSchema(name: "embedding", type: .floatVector, dim: dim),
      ])
    // 5,000 rows of 128 floats: the scan reads them in pages of 2,048.
    var generator = SplitMix64(seed: 7)
    let vectors = (0..<5000).map { _ in (0..<dim).map { _ in Float(generator.nextUnit()) } }
    let rows: [Row] = vectors.enumerated().map {
      ["id": .int(Int64($0.offset)), "embedding": .floatVector($0.element)]
    }
    try await milvus.createCollection(schema)
    do {
      for start in stride(from: 0, to: rows.count, by: 1000) {
        _ = try await milvus.insert(name, rows: Array(rows[start..<start + 1000]), partition: nil)
      }
      try await milvus.createIndex(name, spec: IndexSpec(fieldName: "embedding", indexType: "FLAT", metric: .l2))
      try await milvus.loadCollection(name, progress: nil)
      let request = SearchRequest(
        collection: name, vectors: [vectors[42]], vectorField: "embedding", metric: .l2, topK: 10)

      let guarded = try await ExplorerRuntime.perform(.recall(request, maxRows: 4999), on: milvus)
      XCTAssertEqual(guarded, .recallTooLarge(request, rows: 5000))

      let notes = NoteBox()
      let result = try await ExplorerRuntime.perform(.recall(request, maxRows: nil), on: milvus) { notes.add($0) }
      XCTAssertGreaterThanOrEqual(notes.all.count, 3, "a note per page: \(notes.all)")
      XCTAssertEqual(notes.all.last, "███████████ 100% 5,000 of 5,000 entities")
      let counts = notes.all.map { note in
        Int(note.split(separator: " ").dropFirst(2).first.map { $0.replacingOccurrences(of: ",", with: "") } ?? "")
      }
      XCTAssertEqual(counts.compactMap { $0 }, counts.compactMap { $0 }.sorted(), "the count only grows: \(notes.all)")

      let engine = try EmbeddedBackend(directory: temporaryDirectory(self))
      try await engine.createCollection(schema)
      _ = try await engine.insert(name, rows: rows, partition: nil)
      let truth = try await engine.exactSearch(request, limits: .standard, progress: nil)
      await engine.close()
      guard case .recall(_, let exact) = result else { return XCTFail("not a recall: \(result)") }
      XCTAssertEqual(exact.map(\.id), truth[0].map(\.id))
      XCTAssertEqual(exact.first?.id, .int(42))
    } catch {
      try? await milvus.dropCollection(name)
      await milvus.close()
      throw error
    }
    try await milvus.dropCollection(name)
    await milvus.close()
  }

  func testAScanAboveTheLimitAsksAndASecondRRunsIt() async throws {
    let backend = try await weakStore()
    var state = try await resultsState(backend, size: small)
    state.recallLimit = 1500
    let first = state.press(.character("R"))
    XCTAssertEqual(recallRequests(first).first?.2, 1500)
    await settle(&state, first, backend: backend)
    XCTAssertNil(state.results?.recall)
    XCTAssertEqual(state.status?.isError, true)
    XCTAssertEqual(
      state.status?.text,
      "the exact search would scan 2,000 entities of points, above the limit of 1,500: press R again to scan them all")
    let second = state.press(.character("R"))
    XCTAssertEqual(recallRequests(second).count, 1)
    XCTAssertNil(recallRequests(second).first?.2, "confirmed: no limit")
    await settle(&state, second, backend: backend)
    await backend.close()
    XCTAssertEqual(state.results?.recall?.k, 10)
    // The next x asks again: a confirmation covers one scan.
    XCTAssertEqual(recallRequests(state.press(.character("R"))).first?.2, 1500)
  }

  func testROutsideTheResultsSaysWhatItDoes() async throws {
    let backend = try await weakStore()
    var state = try await loadedState(backend: backend, size: small)
    await backend.close()
    XCTAssertEqual(state.press(.character("R")), [])
    XCTAssertEqual(state.status?.text, "R measures the recall of search results: run a search first (s)")
    state.press(.character("?"))
    XCTAssertTrue(state.frame.text.contains("R           recall@k vs exact search"), state.frame.text)
  }
}
