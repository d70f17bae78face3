import Foundation
import Model
import XCTest

extension CLITests {
  func testDemoIsDeterministicAndItsSearchesAreMeaningful() throws {
    let first = try vscope(["demo", "--catalog-rows", "3000"])
    XCTAssertEqual(first.status, 0, first.stderr)
    let otherStore = workDirectory + "/other"
    let second = try vscope(["demo", "--catalog-rows", "3000", "--data", otherStore], embedded: false)
    XCTAssertEqual(second.status, 0, second.stderr)
    // Same seed, same data: the exports of both stores are identical, row for row.
    for collection in ["colors", "catalog"] {
      let a = try vscope(["export", collection])
      let b = try vscope(["export", collection, "--data", otherStore], embedded: false)
      XCTAssertEqual(a.status, 0, a.stderr)
      XCTAssertFalse(a.stdout.isEmpty)
      XCTAssertEqual(a.stdout, b.stdout, collection)
    }
    XCTAssertEqual(try json(vscope(["count", "colors", "--json"]))["count(*)"], .int(2980))
    XCTAssertEqual(try json(vscope(["count", "catalog", "--json"]))["count(*)"], .int(3000))
    let indexes = try json(vscope(["index", "catalog", "--json"]))
    guard case .array(let list) = indexes else { return XCTFail("no index list") }
    XCTAssertEqual(Set(list.compactMap { $0["index_type"] }), [.string("HNSW"), .string("IVF_SQ8")])
    XCTAssertEqual(Set(list.compactMap { $0["state"] }), [.string("Finished")])

    // A vivid red's nearest colours are reds and their neighbours on the hue circle.
    let red = try json(vscope(["query", "colors", "--filter", #"name == "vivid red 00""#, "--json"]))
    guard case .int(let redID)? = red[0]?["id"] else { return XCTFail("no vivid red 00 in \(red)") }
    let hits = try json(
      vscope(["search", "colors", "--like", "\(redID)", "--top-k", "10", "--fields", "family", "--json"]))
    guard case .array(let neighbours)? = hits[0] else { return XCTFail("no hits") }
    XCTAssertEqual(neighbours.count, 10)
    for hit in neighbours {
      guard case .string(let family)? = hit["entity"]?["family"] else { return XCTFail("no family in \(hit)") }
      XCTAssertTrue(["red", "vermilion", "crimson", "rose", "orange"].contains(family), family)
    }
    // Catalog neighbours by embedding share the query's category (the vectors cluster by it).
    let product = try json(vscope(["query", "catalog", "--filter", "id == 42", "--fields", "category", "--json"]))
    let similar = try json(
      vscope([
        "search", "catalog", "--like", "42", "--field", "embedding", "--top-k", "5", "--fields", "category",
        "--params", "ef=64", "--json",
      ]))
    guard case .array(let products)? = similar[0] else { return XCTFail("no catalog hits") }
    XCTAssertEqual(products.count, 5)
    for hit in products { XCTAssertEqual(hit["entity"]?["category"], product[0]?["category"]) }

    let again = try vscope(["demo", "--catalog-rows", "3000"])
    XCTAssertEqual(again.status, 1)
    XCTAssertTrue(again.stderr.contains("already exists; use --replace"), again.stderr)
  }
}
