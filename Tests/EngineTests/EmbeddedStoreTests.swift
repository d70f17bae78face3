import Foundation
import Model
import XCTest

@testable import Engine

final class EmbeddedStoreTests: XCTestCase {
  func testRowsSurviveReopenWithDeletesAndUpserts() async throws {
    let directory = temporaryDirectory(self)
    let rows = sampleRows(count: 500)
    do {
      let store = try EmbeddedBackend(directory: directory)
      try await store.createCollection(sampleSchema())
      _ = try await store.insert("docs", rows: Array(rows[0..<300]), partition: nil)
      try await store.flush()  // some rows in a sealed segment…
      _ = try await store.insert("docs", rows: Array(rows[300...]), partition: nil)  // …and some only in the log
      let deleted = try await store.delete("docs", ids: [.int(1), .int(2), .int(400), .int(9999)], partition: nil)
      XCTAssertEqual(deleted.deleteCount, 3)
      var replacement = rows[5]
      replacement["genre"] = .string("blues")
      _ = try await store.upsert("docs", rows: [replacement], partition: nil)
      // No close: the log must carry the unflushed writes on its own.
    }
    let reopened = try EmbeddedBackend(directory: directory)
    defer { Task { await reopened.close() } }
    let count = try await reopened.count("docs", filter: "", partitions: [])
    XCTAssertEqual(count, 497)
    let fetched = try await reopened.get("docs", ids: [.int(5), .int(1), .int(450)], outputFields: ["*"])
    XCTAssertEqual(fetched.count, 2)
    XCTAssertEqual(fetched[0]["genre"], .string("blues"))
    XCTAssertEqual(fetched[1]["vector"], rows[450]["vector"])
    XCTAssertEqual(fetched[1]["year"], rows[450]["year"])
    XCTAssertEqual(fetched[1]["mood"], rows[450]["mood"])
  }

  func testSecondWriterIsRefusedWithThePid() async throws {
    let directory = temporaryDirectory(self)
    let first = try EmbeddedBackend(directory: directory)
    XCTAssertThrowsError(try EmbeddedBackend(directory: directory)) { error in
      XCTAssertTrue("\(error)".contains("pid \(getpid())"), "\(error)")
    }
    // Readers share the store with the writer.
    let reader = try EmbeddedBackend(directory: directory, readOnly: true)
    _ = try await reader.listCollections()
    await first.close()
    let second = try EmbeddedBackend(directory: directory)
    await second.close()
  }

  func testReaderSeesUnflushedWritesAndCannotWrite() async throws {
    let directory = temporaryDirectory(self)
    let writer = try EmbeddedBackend(directory: directory)
    try await writer.createCollection(sampleSchema())
    _ = try await writer.insert("docs", rows: sampleRows(count: 20), partition: nil)
    let reader = try EmbeddedBackend(directory: directory, readOnly: true)
    let count = try await reader.count("docs", filter: "", partitions: [])
    XCTAssertEqual(count, 20)
    do {
      _ = try await reader.insert("docs", rows: sampleRows(count: 1, startID: 100), partition: nil)
      XCTFail("a read-only store accepted a write")
    } catch {
      XCTAssertTrue("\(error)".contains("read-only"))
    }
    await writer.close()
  }

  func testFlippedByteInASegmentNamesTheFile() async throws {
    let directory = temporaryDirectory(self)
    do {
      let store = try EmbeddedBackend(directory: directory)
      try await store.createCollection(sampleSchema())
      _ = try await store.insert("docs", rows: sampleRows(count: 50), partition: nil)
      await store.close()
    }
    let collectionDirectory = directory + "/databases/default/collections/docs"
    let segment = try XCTUnwrap(
      try FileManager.default.contentsOfDirectory(atPath: collectionDirectory).first { $0.hasSuffix(".vss") })
    let path = collectionDirectory + "/" + segment
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    bytes[bytes.count / 2] ^= 0x40
    try bytes.write(to: URL(fileURLWithPath: path))
    let store = try EmbeddedBackend(directory: directory)
    defer { Task { await store.close() } }
    do {
      _ = try await store.count("docs", filter: "", partitions: [])
      XCTFail("a corrupt segment was read")
    } catch let error as VectorError {
      XCTAssertTrue(error.description.contains(path), error.description)
      XCTAssertFalse(error.isUserError)
    }
  }

  func testFlippedByteInTheLogNamesTheFile() async throws {
    let directory = temporaryDirectory(self)
    do {
      let store = try EmbeddedBackend(directory: directory)
      try await store.createCollection(sampleSchema())
      _ = try await store.insert("docs", rows: sampleRows(count: 10), partition: nil)
      _ = try await store.insert("docs", rows: sampleRows(count: 10, startID: 10), partition: nil)
      // Not closed: the rows stay in the log only.
    }
    let path = directory + "/databases/default/collections/docs/wal.log"
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    bytes[40] ^= 0x01
    try bytes.write(to: URL(fileURLWithPath: path))
    let store = try EmbeddedBackend(directory: directory)
    defer { Task { await store.close() } }
    do {
      _ = try await store.count("docs", filter: "", partitions: [])
      XCTFail("a corrupt log was replayed")
    } catch let error as VectorError {
      XCTAssertTrue(error.description.contains(path), error.description)
    }
  }

  func testValidationErrorsAreClear() async throws {
    let directory = temporaryDirectory(self)
    let store = try EmbeddedBackend(directory: directory)
    defer { Task { await store.close() } }
    try await store.createCollection(sampleSchema())
    func message(_ body: () async throws -> Void) async -> String {
      do {
        try await body()
        return "no error"
      } catch {
        return "\(error)"
      }
    }
    var wrongDim = sampleRows(count: 1)[0]
    wrongDim["vector"] = .floatVector([1, 2, 3])
    let dimMessage = await message { _ = try await store.insert("docs", rows: [wrongDim], partition: nil) }
    XCTAssertTrue(dimMessage.contains("dim (3)") && dimMessage.contains("(8)"), dimMessage)
    _ = try await store.insert("docs", rows: sampleRows(count: 1), partition: nil)
    let duplicate = await message { _ = try await store.insert("docs", rows: sampleRows(count: 1), partition: nil) }
    XCTAssertTrue(duplicate.contains("already exists"), duplicate)
    var missing = sampleRows(count: 1, startID: 7)[0]
    missing["genre"] = nil
    let missingMessage = await message { _ = try await store.insert("docs", rows: [missing], partition: nil) }
    XCTAssertTrue(missingMessage.contains("genre"), missingMessage)
    let notFound = await message { _ = try await store.describeCollection("nope") }
    XCTAssertEqual(notFound, "collection not found[database=default][collection=nope]")
    let badFilter = await message {
      _ = try await store.query(QueryRequest(collection: "docs", filter: "year >", limit: 5))
    }
    XCTAssertTrue(badFilter.contains("column"), badFilter)
    let badSchema = await message {
      try await store.createCollection(
        CollectionSchema(name: "x", fields: [FieldSchema(name: "id", type: .int64, isPrimary: true)]))
    }
    XCTAssertTrue(badSchema.contains("vector field"), badSchema)
  }

  func testAutoIDsPartitionsAndQueries() async throws {
    let directory = temporaryDirectory(self)
    let store = try EmbeddedBackend(directory: directory)
    defer { Task { await store.close() } }
    try await store.createCollection(sampleSchema(autoID: true))
    try await store.createPartition("docs", partition: "archive")
    var rows = sampleRows(count: 30)
    for index in rows.indices { rows[index]["id"] = nil }
    let first = try await store.insert("docs", rows: Array(rows[0..<20]), partition: nil)
    let second = try await store.insert("docs", rows: Array(rows[20...]), partition: "archive")
    XCTAssertEqual(Set(first.ids + second.ids).count, 30)
    let partitions = try await store.listPartitions("docs")
    XCTAssertEqual(partitions.map(\.entityCount), [20, 10])
    let archived = try await store.count("docs", filter: "", partitions: ["archive"])
    XCTAssertEqual(archived, 10)
    let page1 = try await store.query(QueryRequest(collection: "docs", filter: "year > 0", limit: 7, offset: 0))
    let page2 = try await store.query(QueryRequest(collection: "docs", filter: "year > 0", limit: 7, offset: 7))
    XCTAssertEqual(page1.count, 7)
    XCTAssertTrue(Set(page1.compactMap { $0["id"] }).isDisjoint(with: Set(page2.compactMap { $0["id"] })))
    let countRow = try await store.query(
      QueryRequest(collection: "docs", filter: "genre == \"jazz\"", outputFields: ["count(*)"]))
    let jazz = rows.filter { $0["genre"] == .string("jazz") }.count
    XCTAssertEqual(countRow.first?["count(*)"], .int(Int64(jazz)))
    let deleted = try await store.delete("docs", filter: "genre == \"jazz\"", partition: nil)
    XCTAssertEqual(deleted.deleteCount, jazz)
    let remaining = try await store.count("docs", filter: "", partitions: [])
    XCTAssertEqual(remaining, 30 - jazz)
    try await store.dropPartition("docs", partition: "archive")
    let afterDrop = try await store.count("docs", filter: "", partitions: [])
    XCTAssertEqual(afterDrop, 20 - rows[0..<20].filter { $0["genre"] == .string("jazz") }.count)
  }

  func testLoadReleaseRenameDropAndDatabases() async throws {
    let directory = temporaryDirectory(self)
    let store = try EmbeddedBackend(directory: directory)
    defer { Task { await store.close() } }
    try await store.createCollection(sampleSchema())
    _ = try await store.insert("docs", rows: sampleRows(count: 5), partition: nil)
    try await store.releaseCollection("docs")
    let state = try await store.loadState("docs")
    XCTAssertEqual(state, .notLoad)
    do {
      _ = try await store.search(SearchRequest(collection: "docs", vectors: [Array(repeating: 0.5, count: 8)]))
      XCTFail("searched a released collection")
    } catch {
      XCTAssertEqual("\(error)", "collection not loaded[collection=docs]; load it first")
    }
    let listed = try await store.listCollections()
    XCTAssertEqual(listed, [CollectionInfo(name: "docs", entityCount: 5, loadState: .notLoad)])
    let progress = ProgressLog()
    try await store.loadCollection("docs") { progress.record($0) }
    XCTAssertEqual(progress.values.last, 100)
    try await store.renameCollection("docs", to: "papers")
    let renamed = try await store.count("papers", filter: "", partitions: [])
    XCTAssertEqual(renamed, 5)
    try await store.createDatabase("other")
    try await store.useDatabase("other")
    let empty = try await store.listCollections()
    XCTAssertEqual(empty, [])
    try await store.useDatabase("default")
    try await store.dropCollection("papers")
    let none = try await store.listCollections()
    XCTAssertEqual(none, [])
    try await store.dropDatabase("other")
    let databases = try await store.listDatabases()
    XCTAssertEqual(databases, ["default"])
  }
}

final class ProgressLog: @unchecked Sendable {
  private let lock = NSLock()
  private var recorded: [Int] = []
  func record(_ value: Int) { lock.withLock { recorded.append(value) } }
  var values: [Int] { lock.withLock { recorded } }
}
