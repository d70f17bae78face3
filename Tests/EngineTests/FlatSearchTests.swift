import Foundation
import Model
import XCTest

@testable import Engine

final class FlatSearchTests: XCTestCase {
  /// Brute force over rows kept in the test: the truth the engine must equal.
  private func reference(
    rows: [Row], query: [Float], metric: Metric, k: Int, where keep: (Row) -> Bool
  ) -> [(id: Int64, distance: Float)] {
    let scored = rows.filter(keep).map { row -> (id: Int64, distance: Float) in
      guard case .int(let id) = row["id"]!, case .floatVector(let vector) = row["vector"]! else { fatalError() }
      return (id, Distance.referenceDistance(query, vector, metric: metric))
    }
    return scored.sorted {
      if $0.distance != $1.distance {
        return metric.largerIsCloser ? $0.distance > $1.distance : $0.distance < $1.distance
      }
      return $0.id < $1.id
    }.prefix(k).map { $0 }
  }

  func testFlatEqualsBruteForceForEveryMetricWithFiltersAndDeletes() async throws {
    let directory = temporaryDirectory(self)
    let store = try EmbeddedBackend(directory: directory)
    defer { Task { await store.close() } }
    let dim = 37  // not a multiple of 16: exercises the kernels' tails
    var rows = sampleRows(count: 3000, dim: dim, seed: 7)
    try await store.createCollection(sampleSchema(dim: dim))
    _ = try await store.insert("docs", rows: Array(rows[0..<2000]), partition: nil)
    try await store.flush()
    _ = try await store.insert("docs", rows: Array(rows[2000...]), partition: nil)
    let deletedIDs = Set<Int64>(stride(from: 0, to: 3000, by: 7).map(Int64.init))
    _ = try await store.delete("docs", ids: deletedIDs.map(PrimaryKey.int), partition: nil)
    rows.removeAll { if case .int(let id) = $0["id"]! { deletedIDs.contains(id) } else { false } }

    let filters: [(String, (Row) -> Bool)] = [
      ("", { _ in true }),
      (#"genre == "jazz""#, { $0["genre"] == .string("jazz") }),
      (
        #"year > 1990 and genre in ["soul", "rock"]"#,
        {
          ($0["year"]!.numberValue ?? 0) > 1990 && [.string("soul"), .string("rock")].contains($0["genre"]!)
        }
      ),
      (#"mood == "calm""#, { $0["mood"] == .string("calm") }),
      ("score is null", { $0["score"] == .null }),
    ]
    var generator = SeededGenerator(seed: 99)
    let queries = (0..<5).map { _ in (0..<dim).map { _ in Float.random(in: -1...1, using: &generator) } }
    for metric in Metric.allCases {
      for (filter, keep) in filters {
        let results = try await store.search(
          SearchRequest(collection: "docs", vectors: queries, metric: metric, topK: 15, filter: filter))
        XCTAssertEqual(results.count, queries.count)
        for (query, hits) in zip(queries, results) {
          let expected = reference(rows: rows, query: query, metric: metric, k: 15, where: keep)
          XCTAssertEqual(hits.map(\.id), expected.map { PrimaryKey.int($0.id) }, "\(metric) \(filter)")
          for (hit, truth) in zip(hits, expected) {
            XCTAssertEqual(hit.distance, truth.distance, accuracy: 1e-4 * max(1, abs(truth.distance)))
          }
        }
      }
    }
  }

  func testTiesAreBrokenByPrimaryKeyAndOffsetPages() async throws {
    let directory = temporaryDirectory(self)
    let store = try EmbeddedBackend(directory: directory)
    defer { Task { await store.close() } }
    try await store.createCollection(sampleSchema(dim: 4))
    // Same vector everywhere, inserted in scrambled key order over two segments.
    var rows = sampleRows(count: 40, dim: 4).map { row -> Row in
      var copy = row
      copy["vector"] = .floatVector([1, 0, 0, 0])
      return copy
    }
    var shuffler = SeededGenerator(seed: 3)
    rows.shuffle(using: &shuffler)
    _ = try await store.insert("docs", rows: Array(rows[0..<20]), partition: nil)
    try await store.flush()
    _ = try await store.insert("docs", rows: Array(rows[20...]), partition: nil)
    let first = try await store.search(
      SearchRequest(collection: "docs", vectors: [[1, 0, 0, 0]], metric: .l2, topK: 10))
    XCTAssertEqual(first[0].map(\.id), (0..<10).map { PrimaryKey.int(Int64($0)) })
    let second = try await store.search(
      SearchRequest(collection: "docs", vectors: [[1, 0, 0, 0]], metric: .l2, topK: 10, offset: 10))
    XCTAssertEqual(second[0].map(\.id), (10..<20).map { PrimaryKey.int(Int64($0)) })
  }

  func testOutputFieldsAndMetricMismatch() async throws {
    let directory = temporaryDirectory(self)
    let store = try EmbeddedBackend(directory: directory)
    defer { Task { await store.close() } }
    try await store.createCollection(sampleSchema(dim: 4))
    _ = try await store.insert("docs", rows: sampleRows(count: 10, dim: 4), partition: nil)
    try await store.createIndex("docs", spec: IndexSpec(fieldName: "vector", indexType: "FLAT", metric: .l2))
    let hits = try await store.search(
      SearchRequest(collection: "docs", vectors: [[0, 0, 0, 0]], topK: 3, outputFields: ["genre", "mood"]))
    XCTAssertEqual(hits[0].count, 3)
    for hit in hits[0] {
      XCTAssertNotNil(hit.fields["genre"])
      XCTAssertNil(hit.fields["vector"])
      XCTAssertGreaterThanOrEqual(hit.distance, 0)
    }
    do {
      _ = try await store.search(SearchRequest(collection: "docs", vectors: [[0, 0, 0, 0]], metric: .ip))
      XCTFail("metric mismatch accepted")
    } catch {
      XCTAssertEqual("\(error)", "metric type not match: invalid parameter[expected=L2][actual=IP]")
    }
    do {
      _ = try await store.search(SearchRequest(collection: "docs", vectors: [[0, 0, 0]]))
      XCTFail("wrong dimension accepted")
    } catch {
      XCTAssertTrue("\(error)".contains("dim (3)"), "\(error)")
    }
    let statuses = try await store.describeIndexes("docs")
    XCTAssertEqual(statuses.first?.state, .finished)
    XCTAssertEqual(statuses.first?.totalRows, 10)
  }

  func testDistanceKernelsMatchScalarReference() {
    var generator = SeededGenerator(seed: 5)
    for dim in [1, 3, 15, 16, 17, 31, 32, 33, 64, 100, 384] {
      let a = (0..<dim).map { _ in Float.random(in: -2...2, using: &generator) }
      let b = (0..<dim).map { _ in Float.random(in: -2...2, using: &generator) }
      let dot = a.withUnsafeBufferPointer { x in
        b.withUnsafeBufferPointer { y in Distance.dot(x.baseAddress!, y.baseAddress!, count: dim) }
      }
      let l2 = a.withUnsafeBufferPointer { x in
        b.withUnsafeBufferPointer { y in Distance.l2Squared(x.baseAddress!, y.baseAddress!, count: dim) }
      }
      XCTAssertEqual(dot, Distance.referenceDistance(a, b, metric: .ip), accuracy: 1e-3)
      XCTAssertEqual(l2, Distance.referenceDistance(a, b, metric: .l2), accuracy: 1e-3)
    }
  }
}
