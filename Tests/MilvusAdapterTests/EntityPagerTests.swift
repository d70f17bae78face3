import Engine
import Foundation
import Model
import XCTest

@testable import MilvusAdapter

/// `EntityPager` reads past Milvus's offset + limit ≤ 16,384 cap: 20,000 rows inserted in a
/// shuffled key order, paged on the embedded store and on real Milvus servers, int64 and
/// varchar keys, with and without a filter; every matching row must come back exactly once.
final class EntityPagerTests: XCTestCase {
  static let rowCount = 20_000

  /// Keys 0..<rowCount shuffled with a fixed seed, so that insertion order is not key order.
  static func shuffledIndexes() -> [Int] {
    var generator = SplitMix64(seed: 7)
    return Array(0..<rowCount).shuffled(using: &generator)
  }

  static func schema(_ name: String, varcharKey: Bool) -> CollectionSchema {
    CollectionSchema(
      name: name,
      fields: [
        varcharKey
          ? FieldSchema(name: "pk", type: .varChar, isPrimary: true, maxLength: 32)
          : FieldSchema(name: "pk", type: .int64, isPrimary: true),
        FieldSchema(name: "v", type: .floatVector, dim: 2),
        FieldSchema(name: "group", type: .int64),
      ])
  }

  /// The key of row `index`: varchar keys include quotes and backslashes, to test escaping.
  static func key(_ index: Int, varchar: Bool) -> PrimaryKey {
    guard varchar else { return .int(Int64(index) * 3 - 30_000) }
    switch index % 4 {
    case 0: return .string("k\(index)")
    case 1: return .string("q\"\(index)")
    case 2: return .string("b\\\(index)")
    default: return .string("\(index)")
    }
  }

  /// Fills a new collection in batches (shuffled order) and loads it; returns the rows' keys by group.
  func fill(_ backend: any VectorBackend, name: String, varchar: Bool) async throws {
    try await backend.createCollection(Self.schema(name, varcharKey: varchar))
    let order = Self.shuffledIndexes()
    for start in stride(from: 0, to: order.count, by: 2_500) {
      let rows = order[start..<min(start + 2_500, order.count)].map { index -> Row in
        [
          "pk": Self.key(index, varchar: varchar).value, "v": .floatVector([Float(index), 1]),
          "group": .int(Int64(index % 3)),
        ]
      }
      _ = try await backend.insert(name, rows: rows, partition: nil)
    }
    try await backend.createIndex(name, spec: IndexSpec(fieldName: "v", indexType: "FLAT", metric: .l2))
    try await backend.loadCollection(name, progress: nil)
  }

  /// Pages through `name` and checks every matching row arrives once, in ascending key order.
  func checkPaging(_ backend: any VectorBackend, name: String, varchar: Bool) async throws {
    for filter in ["", "group == 1"] {
      var pager = try await EntityPager(
        backend: backend, collection: name, filter: filter, outputFields: ["group"], pageSize: 3_000)
      var keys: [PrimaryKey] = []
      var pages = 0
      while let page = try await pager.next() {
        pages += 1
        for row in page {
          if filter == "group == 1" { XCTAssertEqual(row["group"], .int(1)) }
          keys.append(try XCTUnwrap(EntityPager.primaryKey(row["pk"])))
        }
        XCTAssertEqual(pager.lastKey, keys.last)
      }
      let expected = (0..<Self.rowCount).filter { filter.isEmpty || $0 % 3 == 1 }.map {
        Self.key($0, varchar: varchar)
      }
      XCTAssertEqual(keys.count, expected.count, "filter '\(filter)'")
      XCTAssertEqual(keys, expected.sorted(), "filter '\(filter)': every row once, in key order")
      XCTAssertGreaterThanOrEqual(pages, expected.count / 3_000)
      // Resuming after a key continues with the next one.
      let middle = expected.sorted()[expected.count / 2]
      var resumed = try await EntityPager(
        backend: backend, collection: name, filter: filter, outputFields: [], pageSize: 500, after: middle)
      let next = try await resumed.next()
      XCTAssertEqual(
        next?.first.flatMap { EntityPager.primaryKey($0["pk"]) }, expected.sorted()[expected.count / 2 + 1])
    }
  }

  func testEmbeddedInt64AndVarcharKeys() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pager-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = try EmbeddedBackend(directory: directory)
    for varchar in [false, true] {
      let name = varchar ? "by_text" : "by_number"
      try await fill(store, name: name, varchar: varchar)
      try await checkPaging(store, name: name, varchar: varchar)
    }
    await store.close()
  }

  func testLiteInt64AndVarcharKeys() async throws { try await onServer("LITE") }
  func testStandaloneInt64AndVarcharKeys() async throws { try await onServer("STANDALONE") }

  func onServer(_ server: String) async throws {
    let milvus = try MilvusTestServers.backend(server)
    for varchar in [false, true] {
      let name = MilvusTestServers.uniqueName()
      addTeardownBlock { try? await milvus.dropCollection(name) }
      try await fill(milvus, name: name, varchar: varchar)
      try await checkPaging(milvus, name: name, varchar: varchar)
    }
    addTeardownBlock { await milvus.close() }
  }

  func testFilterOfTheNextPage() {
    XCTAssertEqual(EntityPager.filter("", primaryKey: "id", after: nil), "")
    XCTAssertEqual(EntityPager.filter(" a > 1 ", primaryKey: "id", after: nil), "a > 1")
    XCTAssertEqual(EntityPager.filter("", primaryKey: "id", after: .int(-5)), "id > -5")
    XCTAssertEqual(EntityPager.filter("a > 1 or b", primaryKey: "id", after: .int(7)), "(a > 1 or b) and id > 7")
    XCTAssertEqual(
      EntityPager.filter("", primaryKey: "name", after: .string("say \"hi\" \\ there")),
      #"name > "say \"hi\" \\ there""#)
  }
}
