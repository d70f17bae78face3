import Foundation
import Model
import XCTest

@testable import Engine

/// Crash states that a kill at an unlucky moment leaves behind, rebuilt on disk by hand.
final class RecoveryEdgeTests: XCTestCase {
  /// A kill after a flush wrote its segment and deletion files but before it committed the manifest:
  /// recovery reuses those segment ids, and must not pick up the stale deletion file.
  func testStaleFilesFromAnUncommittedFlushAreIgnored() async throws {
    let directory = temporaryDirectory(self)
    let collectionDirectory = directory + "/databases/default/collections/docs"
    do {
      let store = try EmbeddedBackend(directory: directory)
      try await store.createCollection(sampleSchema())
      _ = try await store.insert("docs", rows: sampleRows(count: 2), partition: nil)
      try await store.createPartition("docs", partition: "p")
      _ = try await store.insert("docs", rows: sampleRows(count: 3, startID: 10), partition: "p")
      _ = try await store.delete("docs", ids: [.int(11)], partition: nil)
      // What a crash just before the manifest commit would leave: the flush's new files with the
      // manifest and log from before it.
      let manifest = try Data(contentsOf: URL(fileURLWithPath: collectionDirectory + "/manifest"))
      let log = try Data(contentsOf: URL(fileURLWithPath: collectionDirectory + "/wal.log"))
      try await store.flush()
      await store.close()
      try manifest.write(to: URL(fileURLWithPath: collectionDirectory + "/manifest"))
      try log.write(to: URL(fileURLWithPath: collectionDirectory + "/wal.log"))
    }
    let expected: [PrimaryKey] = [.int(0), .int(1), .int(10), .int(12)]
    for _ in 0..<2 {
      let store = try EmbeddedBackend(directory: directory)
      let count = try await store.count("docs", filter: "", partitions: [])
      XCTAssertEqual(count, 4)
      let rows = try await store.get("docs", ids: expected + [.int(11)], outputFields: [])
      XCTAssertEqual(rows.compactMap { $0["id"] }, expected.map(\.value))
      await store.close()
    }
  }

  /// A kill inside a rename leaves the old name in the manifest: the directory's name wins.
  func testDirectoryNameWinsOverAStaleManifestName() async throws {
    let directory = temporaryDirectory(self)
    do {
      let store = try EmbeddedBackend(directory: directory)
      try await store.createCollection(sampleSchema())
      await store.close()
    }
    let collections = directory + "/databases/default/collections"
    try FileManager.default.moveItem(atPath: collections + "/docs", toPath: collections + "/papers")
    let store = try EmbeddedBackend(directory: directory)
    let schema = try await store.describeCollection("papers")
    XCTAssertEqual(schema.name, "papers")
    await store.close()
  }

  func testDangerousOrMeaninglessRequestsAreRefused() async throws {
    let directory = temporaryDirectory(self)
    let store = try EmbeddedBackend(directory: directory)
    defer { Task { await store.close() } }
    try await store.createCollection(sampleSchema())
    _ = try await store.insert("docs", rows: sampleRows(count: 5), partition: nil)
    do {
      _ = try await store.delete("docs", filter: "  ", partition: nil)
      XCTFail("an empty delete filter was accepted")
    } catch {
      XCTAssertTrue("\(error)".contains("refusing"), "\(error)")
    }
    do {
      _ = try await store.query(QueryRequest(collection: "docs", filter: "year > 0", limit: 0))
      XCTFail("limit 0 was accepted")
    } catch {
      XCTAssertTrue("\(error)".contains("limit"), "\(error)")
    }
    do {
      _ = try await store.search(SearchRequest(collection: "docs", vectors: [[.nan, 0, 0, 0, 0, 0, 0, 0]]))
      XCTFail("a NaN query vector was accepted")
    } catch {
      XCTAssertTrue("\(error)".contains("NaN"), "\(error)")
    }
    let count = try await store.count("docs", filter: "", partitions: [])
    XCTAssertEqual(count, 5)
  }

  func testACorruptCollectionCanStillBeDropped() async throws {
    let directory = temporaryDirectory(self)
    let store = try EmbeddedBackend(directory: directory)
    defer { Task { await store.close() } }
    try await store.createCollection(sampleSchema())
    let manifest = directory + "/databases/default/collections/docs/manifest"
    try Data("garbage".utf8).write(to: URL(fileURLWithPath: manifest))
    let other = try EmbeddedBackend(directory: directory, readOnly: true)
    do {
      _ = try await other.describeCollection("docs")
      XCTFail("a corrupt manifest was read")
    } catch {
      XCTAssertTrue("\(error)".contains(manifest), "\(error)")
    }
    try await store.dropCollection("docs")
    let left = try await store.listCollections()
    XCTAssertEqual(left, [])
  }
}
