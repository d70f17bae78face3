import Engine
import Foundation
import Model
import XCTest

@testable import MilvusAdapter

/// The client-side exact search (the recall meter's, for servers) against real Milvus servers
/// equals the embedded store's own exact search on the same data.
final class ExactSearchMilvusTests: XCTestCase {
  func testLite() async throws { try await compare(try MilvusTestServers.backend("LITE")) }
  func testStandalone() async throws { try await compare(try MilvusTestServers.backend("STANDALONE")) }

  /// 700 rows of 12 dimensions, with a few exact duplicates (ties broken by primary key).
  private func rows() -> [Row] {
    var state: UInt64 = 0x5EED
    func next() -> Float {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Float(state >> 40) / Float(1 << 24) * 2 - 1
    }
    var vectors = (0..<700).map { _ in (0..<12).map { _ in next() } }
    for index in stride(from: 600, to: 700, by: 10) { vectors[index] = vectors[index - 600] }
    return vectors.enumerated().map { index, vector in
      [
        "id": .int(Int64(index)), "vector": .floatVector(vector),
        "genre": .string(["jazz", "soul", "rock"][index % 3]),
      ]
    }
  }

  private func schema(_ name: String) -> CollectionSchema {
    CollectionSchema(
      name: name,
      fields: [
        FieldSchema(name: "id", type: .int64, isPrimary: true),
        FieldSchema(name: "vector", type: .floatVector, dim: 12),
        FieldSchema(name: "genre", type: .varChar, maxLength: 16),
      ])
  }

  private func compare(_ milvus: MilvusBackend) async throws {
    let name = MilvusTestServers.uniqueName()
    try await milvus.createCollection(schema(name))
    addTeardownBlock {
      try? await milvus.dropCollection(name)
      await milvus.close()
    }
    let data = rows()
    for start in stride(from: 0, to: data.count, by: 250) {
      _ = try await milvus.insert(name, rows: Array(data[start..<min(start + 250, data.count)]), partition: nil)
    }
    try await milvus.createIndex(name, spec: IndexSpec(fieldName: "vector", indexType: "FLAT", metric: .l2))
    try await milvus.loadCollection(name, progress: nil)

    let directory = NSTemporaryDirectory() + "vscope-exact-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let engine = try EmbeddedBackend(directory: directory)
    try await engine.createCollection(schema(name))
    _ = try await engine.insert(name, rows: data, partition: nil)

    let vectors = data.map { row -> [Float] in
      if case .floatVector(let vector)? = row["vector"] { return vector }
      return []
    }
    // Two stored vectors (the first has a duplicate: a tie broken by primary key) and a new one.
    let queries = [vectors[0], vectors[3], (0..<12).map { Float($0) / 12 - 0.5 }]
    for metric in Metric.allCases {
      let request = SearchRequest(
        collection: name, vectors: queries, metric: metric, topK: 20, filter: #"genre != "rock""#,
        outputFields: ["genre"], offset: 2)
      let scanned = ScanProgress()
      let remote = try await milvus.exactSearch(request, limits: .standard) { done, total in
        scanned.record(done, total)
      }
      let local = try await engine.exactSearch(request, limits: .standard, progress: nil)
      XCTAssertEqual(remote.count, 3)
      for (remoteHits, localHits) in zip(remote, local) {
        XCTAssertEqual(remoteHits.count, 20)
        XCTAssertEqual(remoteHits.map(\.id), localHits.map(\.id), "\(metric)")
        for (a, b) in zip(remoteHits, localHits) {
          XCTAssertEqual(a.distance, b.distance, accuracy: 1e-4, "\(metric)")
          XCTAssertEqual(a.fields, b.fields, "\(metric)")
        }
      }
      let passing = data.filter { $0["genre"] != .string("rock") }.count
      XCTAssertEqual(scanned.last?.0, passing)
      XCTAssertEqual(scanned.last?.1, passing)
    }
    await engine.close()
  }
}

/// The last progress report of a scan, from any thread.
final class ScanProgress: @unchecked Sendable {
  private let lock = NSLock()
  private var latest: (Int, Int)?

  func record(_ done: Int, _ total: Int) { lock.withLock { latest = (done, total) } }

  var last: (Int, Int)? { lock.withLock { latest } }
}
