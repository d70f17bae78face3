import Foundation
import Model
import XCTest

@testable import MilvusAdapter

/// Every field type through insert → query, databases, and the errors a user meets, on both servers.
final class MilvusTypesTests: XCTestCase {
  static func everyTypeSchema(_ name: String) -> CollectionSchema {
    CollectionSchema(
      name: name,
      fields: [
        FieldSchema(name: "pk", type: .varChar, isPrimary: true, maxLength: 32),
        FieldSchema(name: "embedding", type: .floatVector, dim: 3),
        FieldSchema(name: "flag", type: .bool),
        FieldSchema(name: "tiny", type: .int8),
        FieldSchema(name: "small", type: .int16),
        FieldSchema(name: "medium", type: .int32),
        FieldSchema(name: "large", type: .int64),
        FieldSchema(name: "single", type: .float),
        FieldSchema(name: "double", type: .double),
        FieldSchema(name: "text", type: .varChar, maxLength: 64),
        FieldSchema(name: "doc", type: .json),
        FieldSchema(name: "numbers", type: .array, elementType: .int64, maxCapacity: 8),
        FieldSchema(name: "words", type: .array, maxLength: 16, elementType: .varChar, maxCapacity: 8),
      ])
  }

  static func everyTypeRow(_ index: Int) -> Row {
    var row: Row = [:]
    row["pk"] = .string("key-\(index)")
    row["embedding"] = .floatVector([Float(index) * 0.5, -1.25, 3])
    row["flag"] = .bool(index % 2 == 0)
    row["tiny"] = .int(Int64(-100 + index))
    row["small"] = .int(Int64(-30000 + index))
    row["medium"] = .int(Int64(2_000_000_000 + index))
    row["large"] = .int(9_000_000_000_000_000_000 + Int64(index))
    row["single"] = .double(Double(Float(1.5) + Float(index)))
    row["double"] = .double(0.1 + Double(index))
    row["text"] = .string("漢字 \(index) \"quoted\"")
    row["doc"] = .json(
      .object(["nested": .object(["list": .array([.int(1), .string("two")])]), "n": .int(Int64(index))]))
    row["numbers"] = .array([.int(Int64(index)), .int(-5)])
    row["words"] = .array([.string("a\(index)"), .string("é")])
    return row
  }

  func testEveryTypeRoundTripsOnLite() async throws { try await everyType(MilvusTestServers.backend("LITE")) }
  func testEveryTypeRoundTripsOnStandalone() async throws {
    try await everyType(MilvusTestServers.backend("STANDALONE"))
  }

  func everyType(_ milvus: MilvusBackend) async throws {
    let name = MilvusTestServers.uniqueName()
    try await milvus.createCollection(Self.everyTypeSchema(name))
    addTeardownBlock {
      try? await milvus.dropCollection(name)
      await milvus.close()
    }
    let rows = (0..<5).map(Self.everyTypeRow)
    let result = try await milvus.insert(name, rows: rows, partition: nil)
    XCTAssertEqual(result.ids, (0..<5).map { .string("key-\($0)") })
    try await milvus.createIndex(name, spec: IndexSpec(fieldName: "embedding", indexType: "FLAT", metric: .l2))
    try await milvus.loadCollection(name, progress: nil)
    let back = try await milvus.get(name, ids: [.string("key-3"), .string("key-0")], outputFields: ["*"])
    XCTAssertEqual(back.count, 2)
    for (row, expected) in zip(back, [rows[3], rows[0]]) {
      for field in Self.everyTypeSchema(name).fields {
        XCTAssertEqual(row[field.name], expected[field.name], "field \(field.name)")
      }
    }
    let filtered = try await milvus.query(
      QueryRequest(collection: name, filter: #"flag == true and tiny > -99 and doc["n"] >= 2"#, limit: 10))
    XCTAssertEqual(Set(filtered.compactMap { $0["pk"] }), [.string("key-2"), .string("key-4")])
    let hits = try await milvus.search(
      SearchRequest(
        collection: name, vectors: [[2, -1.25, 3]], topK: 2, filter: "medium > 2000000001", outputFields: ["text"]))
    XCTAssertEqual(hits[0].map(\.id), [.string("key-4"), .string("key-3")])
    XCTAssertEqual(hits[0][0].fields["text"], rows[4]["text"])
  }

  func testDatabasesOnStandalone() async throws {
    let milvus = try MilvusTestServers.backend("STANDALONE")
    defer { Task { await milvus.close() } }
    let name = MilvusTestServers.uniqueName()
    try await milvus.createDatabase(name)
    let databases = try await milvus.listDatabases()
    XCTAssertTrue(databases.contains(name))
    try await milvus.useDatabase(name)
    try await milvus.createCollection(MilvusTestServers.schema("inside"))
    let inside = try await milvus.listCollections().map(\.name)
    XCTAssertEqual(inside, ["inside"])
    try await milvus.dropCollection("inside")
    try await milvus.useDatabase("default")
    let outside = try await milvus.listCollections().map(\.name)
    XCTAssertFalse(outside.contains("inside"))
    try await milvus.dropDatabase(name)
    do {
      try await milvus.useDatabase(name)
      XCTFail("a dropped database was used")
    } catch {
      XCTAssertEqual("\(error)", "database not found[database=\(name)]")
    }
  }

  func testUserErrorsKeepMilvussMessage() async throws {
    for server in ["LITE", "STANDALONE"] {
      let milvus = try MilvusTestServers.backend(server)
      let name = MilvusTestServers.uniqueName()
      try await milvus.createCollection(MilvusTestServers.schema(name))
      _ = try await milvus.insert(name, rows: MilvusTestServers.rows(5), partition: nil)
      try await milvus.createIndex(name, spec: IndexSpec(fieldName: "vector", indexType: "FLAT", metric: .l2))
      try await milvus.loadCollection(name, progress: nil)
      do {
        _ = try await milvus.search(SearchRequest(collection: name, vectors: [[1, 2, 3]], topK: 3))
        XCTFail("\(server): a wrong dimension was searched")
      } catch let error as VectorError {
        XCTAssertTrue(error.isUserError, "\(server): \(error)")
      }
      do {
        _ = try await milvus.query(QueryRequest(collection: name, filter: "year >", limit: 3))
        XCTFail("\(server): a bad filter was accepted")
      } catch let error as VectorError {
        XCTAssertTrue(error.isUserError && "\(error)".lowercased().contains("expr"), "\(server): \(error)")
      }
      do {
        _ = try await milvus.insert(name, rows: [["id": .int(99), "vector": .floatVector([1, 2])]], partition: nil)
        XCTFail("\(server): a wrong dimension was inserted")
      } catch {
        XCTAssertTrue("\(error)".contains("dim"), "\(server): \(error)")
      }
      try await milvus.dropCollection(name)
      do {
        _ = try await milvus.query(QueryRequest(collection: name, filter: "id > 0", limit: 3))
        XCTFail("\(server): a dropped collection answered")
      } catch {
        XCTAssertTrue("\(error)".contains(name), "\(server): \(error)")
      }
      await milvus.close()
    }
  }
}
