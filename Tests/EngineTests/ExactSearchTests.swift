import Foundation
import Model
import XCTest

@testable import Engine

/// The recall meter on the embedded store: its exact search (the engine's FLAT scan, indexes
/// ignored), the client-side exact search every other backend uses, the size guard, and the
/// reports for a FLAT index and a deliberately weak HNSW index.
final class ExactSearchTests: XCTestCase {
  static let dim = 16

  /// Rows around 12 cluster centres, ids 0…count-1, with a `year` to filter on.
  private func clusteredRows(count: Int, seed: UInt64) -> [Row] {
    var generator = SeededGenerator(seed: seed)
    var centreGenerator = SeededGenerator(seed: 99)
    let centres = (0..<12).map { _ in (0..<Self.dim).map { _ in Float.random(in: -5...5, using: &centreGenerator) } }
    return (0..<count).map { index in
      let centre = centres[Int.random(in: 0..<centres.count, using: &generator)]
      return [
        "id": .int(Int64(index)),
        "vector": .floatVector(centre.map { $0 + Float.random(in: -1...1, using: &generator) }),
        "genre": .string(genres[index % genres.count]),
        "year": .int(Int64(1950 + index % 75)),
        "tags": .array([]),
      ]
    }
  }

  private func queries(_ count: Int, seed: UInt64) -> [[Float]] {
    clusteredRows(count: count, seed: seed).map { row in
      guard case .floatVector(let vector)? = row["vector"] else { fatalError("row without a vector") }
      return vector
    }
  }

  /// Brute force in plain scalar arithmetic, independent of the engine: ids and distances of the
  /// best `k` rows, ties by id.
  private func bruteForce(_ rows: [Row], query: [Float], metric: Metric, k: Int) -> [(PrimaryKey, Float)] {
    let scored = rows.map { row -> (PrimaryKey, Float) in
      guard case .floatVector(let vector)? = row["vector"], case .int(let id)? = row["id"] else {
        fatalError("bad row")
      }
      return (.int(id), Distance.referenceDistance(query, vector, metric: metric))
    }
    return Array(
      scored.sorted { a, b in
        if a.1 != b.1 { return metric.largerIsCloser ? a.1 > b.1 : a.1 < b.1 }
        return a.0 < b.0
      }.prefix(k))
  }

  private func makeStore(rows: [Row], index: IndexSpec?) async throws -> EmbeddedBackend {
    let store = try EmbeddedBackend(directory: temporaryDirectory(self), flushRowThreshold: 100_000)
    try await store.createCollection(sampleSchema(name: "docs", dim: Self.dim))
    _ = try await store.insert("docs", rows: rows, partition: nil)
    if let index {
      try await store.createIndex("docs", spec: index)
      await store.waitForIndexBuilds()
    }
    return store
  }

  func testAFlatIndexHasRecallOne() async throws {
    let store = try await makeStore(
      rows: clusteredRows(count: 3000, seed: 1), index: IndexSpec(fieldName: "vector", indexType: "FLAT", metric: .l2))
    let request = SearchRequest(collection: "docs", vectors: queries(20, seed: 2), topK: 10)
    let ann = try await store.search(request)
    let reports = try await Recall.measure(request, ann: ann, on: store)
    XCTAssertEqual(reports.count, 20)
    for report in reports {
      XCTAssertEqual(report.recall, 1)
      XCTAssertEqual(report.k, 10)
      XCTAssertEqual(report.missed, [])
      XCTAssertEqual(report.annOnly, [])
    }
  }

  func testAWeakHNSWIndexReportsExactlyTheNeighboursItMissed() async throws {
    let rows = clusteredRows(count: 4000, seed: 3)
    let store = try await makeStore(
      rows: rows,
      index: IndexSpec(
        fieldName: "vector", indexType: "HNSW", metric: .l2, params: ["M": .int(2), "efConstruction": .int(8)]))
    let status = try await store.describeIndexes("docs")
    XCTAssertEqual(status.first?.indexedRows, 4000, "the whole segment is indexed, so the search walks the graph")
    let vectors = queries(30, seed: 4)
    let request = SearchRequest(collection: "docs", vectors: vectors, topK: 10, params: ["ef": .int(10)])
    let ann = try await store.search(request)
    let reports = try await Recall.measure(request, ann: ann, on: store)
    var missedTotal = 0
    for (query, report) in reports.enumerated() {
      let truth = bruteForce(rows, query: vectors[query], metric: .l2, k: 10)
      let annIDs = Set(ann[query].map(\.id))
      let expectedMissed = truth.filter { !annIDs.contains($0.0) }
      XCTAssertEqual(report.missed.map(\.id), expectedMissed.map(\.0), "query \(query)")
      for (hit, expected) in zip(report.missed, expectedMissed) {
        XCTAssertEqual(hit.distance, expected.1, accuracy: 1e-3 * max(1, abs(expected.1)))
      }
      let truthIDs = Set(truth.map(\.0))
      XCTAssertEqual(report.annOnly, ann[query].map(\.id).filter { !truthIDs.contains($0) }, "query \(query)")
      XCTAssertEqual(report.recall, Double(10 - expectedMissed.count) / 10, "query \(query)")
      missedTotal += expectedMissed.count
    }
    XCTAssertGreaterThan(missedTotal, 0, "M=2, efConstruction=8, ef=10 should miss some neighbours")
  }

  func testTheEnginesExactSearchIgnoresTheIndexAndEqualsBruteForce() async throws {
    let rows = clusteredRows(count: 2500, seed: 5)
    let store = try await makeStore(
      rows: rows,
      index: IndexSpec(
        fieldName: "vector", indexType: "HNSW", metric: .cosine, params: ["M": .int(2), "efConstruction": .int(8)]))
    let vectors = queries(5, seed: 6)
    let exact = try await store.exactSearch(
      SearchRequest(collection: "docs", vectors: vectors, topK: 15, params: ["ef": .int(15)]), limits: .standard,
      progress: nil)
    for (query, hits) in exact.enumerated() {
      let truth = bruteForce(rows, query: vectors[query], metric: .cosine, k: 15)
      XCTAssertEqual(hits.map(\.id), truth.map(\.0))
      for (hit, expected) in zip(hits, truth) { XCTAssertEqual(hit.distance, expected.1, accuracy: 1e-4) }
    }
  }

  func testTheClientSideExactSearchEqualsTheEngines() async throws {
    let store = try await makeStore(rows: clusteredRows(count: 2200, seed: 7), index: nil)
    let vectors = queries(4, seed: 8)
    for metric in Metric.allCases {
      let request = SearchRequest(
        collection: "docs", vectors: vectors, metric: metric, topK: 12, filter: "year > 1980",
        outputFields: ["genre"], offset: 3)
      let engine = try await store.exactSearch(request, limits: .standard, progress: nil)
      let progress = ScanProgressLog()
      let client = try await store.clientSideExactSearch(request, pageSize: 500) { progress.add($0, $1) }
      XCTAssertEqual(engine.count, 4)
      for (a, b) in zip(engine, client) {
        XCTAssertEqual(a.map(\.id), b.map(\.id), "\(metric)")
        XCTAssertEqual(a.count, 12)
        for (x, y) in zip(a, b) {
          XCTAssertEqual(x.distance, y.distance, accuracy: 1e-4)
          XCTAssertEqual(x.fields, y.fields)
          XCTAssertNotNil(x.fields["genre"])
        }
      }
      let matching = try await store.count("docs", filter: "year > 1980", partitions: [])
      XCTAssertEqual(progress.entries.first?.0, 0)
      XCTAssertEqual(progress.entries.last?.0, matching)
      XCTAssertEqual(progress.entries.last?.1, matching)
      XCTAssertGreaterThan(progress.entries.count, 2, "progress comes page by page")
    }
  }

  func testTheSizeGuardRefusesAndSaysHowToOverride() async throws {
    let store = try await makeStore(rows: clusteredRows(count: 500, seed: 9), index: nil)
    let request = SearchRequest(collection: "docs", vectors: queries(1, seed: 10), metric: .l2, topK: 5)
    let limits = ExactSearchLimits(maxRows: 499)
    let expected = VectorError.invalidArgument(
      "exact search of docs would scan 500 entities, above the limit of 499; "
        + "raise the limit to run it anyway (vscope search --recall-limit 500)")
    do {
      _ = try await store.exactSearch(request, limits: limits, progress: nil)
      XCTFail("the engine's exact search ran past its limit")
    } catch {
      XCTAssertEqual(error as? VectorError, expected)
    }
    do {
      _ = try await store.clientSideExactSearch(request, limits: limits)
      XCTFail("the client-side exact search ran past its limit")
    } catch {
      XCTAssertEqual(error as? VectorError, expected)
    }
    // A filter that keeps fewer entities than the limit passes.
    var filtered = request
    filtered.filter = "id < 499"
    let hits = try await store.exactSearch(filtered, limits: limits, progress: nil)
    XCTAssertEqual(hits.first?.count, 5)
    let unlimited = try await store.exactSearch(request, limits: .unlimited, progress: nil)
    XCTAssertEqual(unlimited.first?.count, 5)
  }
}

/// Progress callbacks, recorded from any thread.
final class ScanProgressLog: @unchecked Sendable {
  private let lock = NSLock()
  private var recorded: [(Int, Int)] = []

  func add(_ done: Int, _ total: Int) { lock.withLock { recorded.append((done, total)) } }

  var entries: [(Int, Int)] { lock.withLock { recorded } }
}
