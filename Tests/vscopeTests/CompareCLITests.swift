import Foundation
import Model
import XCTest

/// `vscope compare LEFT RIGHT`: the same search on two collections, backends or parameter sets.
extension CLITests {
  /// A deterministic pseudo-random float in [-1, 1) for a row and column.
  fileprivate static func noise(_ row: Int, _ column: Int) -> Float {
    var x = UInt64(row &* 7919 &+ column &* 104_729 &+ 1)
    x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
    x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
    x ^= x >> 31
    return Float(x % 2_000_000) / 1_000_000 - 1
  }

  fileprivate static func vector(_ row: Int, dim: Int) -> String {
    "[" + (0..<dim).map { "\(noise(row, $0))" }.joined(separator: ",") + "]"
  }

  /// `count` rows of random `dim`-d vectors as JSON lines, with a `group` field for filters.
  fileprivate func noiseRows(count: Int, dim: Int) -> String {
    let lines = (0..<count).map { #"{"id": \#($0), "group": \#($0 % 3), "vector": \#(Self.vector($0, dim: dim))}"# }
    return write("rows.jsonl", lines.joined(separator: "\n") + "\n")
  }

  private func ids(_ list: JSONValue?) -> [JSONValue] {
    guard case .array(let hits)? = list else { return [] }
    return hits.compactMap { $0["id"] }
  }

  func testCompareTwoParameterSetsMatchesTwoSeparateSearches() throws {
    try XCTAssertEqual(vscope(["create", "noise", "--dim", "16", "--metric", "L2"]).status, 0)
    let imported = try vscope(["import", "noise", noiseRows(count: 3000, dim: 16)])
    XCTAssertEqual(imported.status, 0, imported.stderr)
    try XCTAssertEqual(vscope(["release", "noise"]).status, 0)
    try XCTAssertEqual(vscope(["index", "noise", "--drop", "vector"]).status, 0)
    // A deliberately weak graph, so that a small ef misses neighbours a large one finds.
    let created = try vscope([
      "index", "noise", "--create", "HNSW", "--metric", "L2", "--params", "M=4,efConstruction=8",
    ])
    XCTAssertEqual(created.status, 0, created.stderr)
    try XCTAssertEqual(vscope(["load", "noise"]).status, 0)

    let store = "embedded:" + dataDirectory + ":noise"
    var differing = 0
    for query in [5000, 5001, 5002, 5003, 5004] {
      let vector = Self.vector(query, dim: 16)
      let compared = try json(
        vscope(
          [
            "compare", store, store, "--vector", vector, "--filter", "group != 1", "--left-params", "ef=10",
            "--right-params", "ef=400", "--json",
          ], embedded: false))
      // The same two searches run one by one.
      let small = try json(
        vscope(["search", "noise", "--vector", vector, "--filter", "group != 1", "--params", "ef=10", "--json"]))
      let large = try json(
        vscope(["search", "noise", "--vector", vector, "--filter", "group != 1", "--params", "ef=400", "--json"]))
      XCTAssertEqual(ids(compared["left"]), ids(small[0]))
      XCTAssertEqual(ids(compared["right"]), ids(large[0]))
      let shared = Set(ids(small[0])).intersection(ids(large[0]))
      XCTAssertEqual(compared["overlap"], .int(Int64(shared.count)))
      XCTAssertEqual(compared["k"], .int(10))
      XCTAssertEqual(compared["identical"], .bool(ids(small[0]) == ids(large[0])))
      if ids(small[0]) != ids(large[0]) { differing += 1 }
    }
    XCTAssertGreaterThan(differing, 0, "ef=10 on an M=4 graph should miss some neighbours that ef=400 finds")

    // The table: both lists, the moves, the summary.
    let table = try vscope(
      ["compare", store, store, "--like", "7", "--left-params", "ef=10", "--right-params", "ef=400"], embedded: false)
    XCTAssertEqual(table.status, 0, table.stderr)
    XCTAssertTrue(table.stdout.contains("RANK  LEFT ID"), table.stdout)
    XCTAssertTrue(table.stdout.contains("overlap@10: "), table.stdout)
    XCTAssertTrue(
      table.stdout.split(separator: "\n")[2].contains(" 7 "), "entity 7 is its own nearest: \(table.stdout)")
  }

  func testCompareTheEmbeddedStoreWithMilvusLite() throws {
    let environment = ProcessInfo.processInfo.environment
    guard let lite = environment["VSCOPE_MILVUS_LITE"] else {
      if environment["VSCOPE_REQUIRE_MILVUS"] == "1" { XCTFail("VSCOPE_MILVUS_LITE is not set") }
      throw XCTSkip("no Milvus Lite server: run the tests with scripts/test")
    }
    let rows = noiseRows(count: 500, dim: 8)
    try XCTAssertEqual(vscope(["create", "noise", "--dim", "8", "--metric", "L2"]).status, 0)
    try XCTAssertEqual(vscope(["import", "noise", rows]).status, 0)
    let milvus = ["--milvus", "milvus://\(lite)"]
    let name = "cmp_" + UUID().uuidString.prefix(8).lowercased()
    try XCTAssertEqual(vscope(["create", name, "--dim", "8", "--metric", "L2"] + milvus, embedded: false).status, 0)
    defer { _ = try? vscope(["drop", name, "--yes"] + milvus, embedded: false) }
    let imported = try vscope(["import", name, rows] + milvus, embedded: false)
    XCTAssertEqual(imported.status, 0, imported.stderr)
    try XCTAssertEqual(vscope(["load", name] + milvus, embedded: false).status, 0)

    let compared = try json(
      vscope(
        [
          "compare", "embedded:" + dataDirectory + ":noise", "milvus://\(lite)/\(name)", "--vector",
          Self.vector(9999, dim: 8), "--top-k", "20", "--filter", "group in [0, 2]", "--json",
        ], embedded: false))
    XCTAssertEqual(compared["identical"], .bool(true), "\(compared)")
    XCTAssertEqual(compared["overlap"], .int(20))
    XCTAssertEqual(ids(compared["left"]).count, 20)

    let missing = try vscope(
      ["compare", "embedded:" + dataDirectory + ":noise", "milvus://\(lite)/no_such_collection", "--like", "1"],
      embedded: false)
    XCTAssertEqual(missing.status, 1)
    XCTAssertTrue(missing.stderr.contains("no_such_collection"), missing.stderr)
    let badForm = try vscope(["compare", "noise", "noise", "--like", "1"], embedded: false)
    XCTAssertEqual(badForm.status, 1)
    XCTAssertTrue(badForm.stderr.contains("use embedded:NAME"), badForm.stderr)
  }
}
