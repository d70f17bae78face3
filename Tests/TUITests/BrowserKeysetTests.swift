import Engine
import Foundation
import MilvusAdapter
import Model
import XCTest

@testable import TUI

/// The entity browser reads its pages by keyset in primary-key order, so that it pages past
/// Milvus's offset + limit ≤ 16,384 cap: 20,000 rows inserted in a shuffled order, on the
/// embedded store and on Milvus Lite.
final class BrowserKeysetTests: XCTestCase {
  static let rowCount = 20_000

  func fill(_ backend: any VectorBackend, name: String) async throws {
    try await backend.createCollection(
      CollectionSchema(
        name: name,
        fields: [
          FieldSchema(name: "pk", type: .int64, isPrimary: true),
          FieldSchema(name: "v", type: .floatVector, dim: 2),
          FieldSchema(name: "group", type: .int64),
        ]))
    var generator = SplitMix64(seed: 11)
    let order = Array(0..<Self.rowCount).shuffled(using: &generator)
    for start in stride(from: 0, to: order.count, by: 5_000) {
      let rows = order[start..<min(start + 5_000, order.count)].map { index -> Row in
        ["pk": .int(Int64(index)), "v": .floatVector([Float(index), 1]), "group": .int(Int64(index % 3))]
      }
      _ = try await backend.insert(name, rows: rows, partition: nil)
    }
    try await backend.createIndex(name, spec: IndexSpec(fieldName: "v", indexType: "FLAT", metric: .l2))
    try await backend.loadCollection(name, progress: nil)
  }

  private func keys(_ rows: [Row]) -> [Int64] {
    rows.compactMap { if case .int(let key)? = $0["pk"] { return key } else { return nil } }
  }

  /// Pages far past 16,384 rows, with and without an anchor, with a filter, and past the end.
  func checkPaging(_ backend: any VectorBackend, name: String) async throws {
    let page = 25
    let far = RowsQuery(collection: name, filter: "", offset: 17_000, limit: page)
    let walked = try await ExplorerRuntime.browserPage(far, on: backend)
    XCTAssertEqual(keys(walked), Array(17_000..<17_025), "walked from the first row")
    XCTAssertEqual(walked.first?["group"], .int(17_000 % 3), "pages carry every field")
    var anchored = far
    anchored.anchor = (rows: 16_975, key: .int(16_974))
    let fromAnchor = try await ExplorerRuntime.browserPage(anchored, on: backend)
    XCTAssertEqual(keys(fromAnchor), Array(17_000..<17_025))

    // With a filter, positions count matching rows only: keys 1, 4, 7, …
    let filtered = RowsQuery(collection: name, filter: "group == 1", offset: 6_000, limit: page)
    let expected = (6_000..<6_025).map { Int64($0 * 3 + 1) }
    let filteredPage = try await ExplorerRuntime.browserPage(filtered, on: backend)
    XCTAssertEqual(keys(filteredPage), expected)

    let last = RowsQuery(collection: name, filter: "", offset: 19_990, limit: page)
    let lastPage = try await ExplorerRuntime.browserPage(last, on: backend)
    XCTAssertEqual(keys(lastPage), Array(19_990..<20_000))
    let beyond = RowsQuery(collection: name, filter: "", offset: 20_000, limit: page)
    let beyondPage = try await ExplorerRuntime.browserPage(beyond, on: backend)
    XCTAssertEqual(beyondPage.count, 0)
  }

  func testTheBrowserPagesPastTheOffsetCapOnTheEmbeddedStore() async throws {
    let directory = temporaryDirectory(self)
    let backend = try EmbeddedBackend(directory: directory)
    try await fill(backend, name: "many")
    try await checkPaging(backend, name: "many")

    // The browser keeps the last key of each page it got, and the next page starts from it.
    var browser = EntityBrowser(
      collection: "many", schema: try await backend.describeCollection("many"), pageSize: 25)
    XCTAssertNil(browser.query(page: 1).anchor)
    var state = ExplorerState(size: TerminalSize(width: 120, height: 40))
    state.entityBrowser = browser
    let first = try await ExplorerRuntime.browserPage(browser.query(page: 0), on: backend)
    state.applyBrowserResult(.rows(browser.query(page: 0), first), latency: .zero)
    browser = try XCTUnwrap(state.entityBrowser)
    let next = browser.query(page: 1)
    XCTAssertEqual(next.anchor?.rows, 25)
    XCTAssertEqual(next.anchor?.key, .int(24))
    let secondPage = try await ExplorerRuntime.browserPage(next, on: backend)
    XCTAssertEqual(keys(secondPage), Array(25..<50))
    await backend.close()
  }

  func testTheBrowserPagesPastTheOffsetCapOnMilvusLite() async throws {
    let lite = try milvusLiteAddress()
    var endpoint = try MilvusEndpoint(parsing: "milvus://" + lite)
    endpoint.callTimeout = .seconds(60)
    let backend = try MilvusBackend(endpoint: endpoint, strongConsistency: true)
    let name = "browse_" + UUID().uuidString.prefix(8).lowercased()
    try await fill(backend, name: name)
    do {
      try await checkPaging(backend, name: name)
    } catch {
      try? await backend.dropCollection(name)
      throw error
    }
    try await backend.dropCollection(name)
    await backend.close()
  }
}
