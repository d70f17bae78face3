import Foundation
import Model
import XCTest

/// `vscope search … --recall`: recall@k and the missed neighbours, in text and JSON, with the
/// size guard and against Milvus Lite.
extension CLITests {
  /// A deterministic pseudo-random float in [-1, 1) for a row and column.
  fileprivate static func noise(_ row: Int, _ column: Int) -> Float {
    var x = UInt64(row &* 7919 &+ column &* 104_729 &+ 1)
    x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
    x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
    x ^= x >> 31
    return Float(x % 2_000_000) / 1_000_000 - 1
  }

  fileprivate static let dim = 16
  fileprivate static let rows = 3000

  /// `vecs` on the embedded store with `rows` noise vectors (ids 0…) and the index `type` with `params`.
  fileprivate func makeIndexedCollection(_ type: String, params: String?) throws {
    try XCTAssertEqual(vscope(["create", "vecs", "--dim", "\(Self.dim)", "--metric", "L2"]).status, 0)
    let lines = (0..<Self.rows).map { row in
      let vector = (0..<Self.dim).map { "\(Self.noise(row, $0))" }.joined(separator: ",")
      return #"{"id": \#(row), "vector": [\#(vector)]}"#
    }
    let file = write("vecs.jsonl", lines.joined(separator: "\n") + "\n")
    let imported = try vscope(["import", "vecs", file])
    XCTAssertEqual(imported.status, 0, imported.stderr)
    try XCTAssertEqual(vscope(["release", "vecs"]).status, 0)
    try XCTAssertEqual(vscope(["index", "vecs", "--drop", "vector"]).status, 0)
    try XCTAssertEqual(vscope(["load", "vecs"]).status, 0)
    let created = try vscope(
      ["index", "vecs", "--create", type, "--metric", "L2"] + (params.map { ["--params", $0] } ?? []))
    XCTAssertEqual(created.status, 0, created.stderr)
  }

  /// The query vector: one no row has.
  fileprivate static let query = (0..<dim).map { noise(1_000_000, $0) }
  fileprivate static var queryText: String { "[" + query.map { "\($0)" }.joined(separator: ",") + "]" }

  /// The 10 nearest ids by brute force, computed here.
  fileprivate static func bruteForceTop10() -> [Int64] {
    let scored = (0..<rows).map { row -> (Float, Int64) in
      var sum: Float = 0
      for column in 0..<dim {
        let difference = query[column] - noise(row, column)
        sum += difference * difference
      }
      return (sum, Int64(row))
    }
    return scored.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.prefix(10).map(\.1)
  }

  func testRecallOfAWeakHNSWIndexListsTheMissedNeighbours() throws {
    try makeIndexedCollection("HNSW", params: "M=2,efConstruction=8")
    let search = ["search", "vecs", "--vector", Self.queryText, "--top-k", "10", "--params", "ef=10", "--recall"]
    let output = try json(vscope(search + ["--json"]))
    guard case .array(let hitsJSON)? = output[0]?["hits"] else { return XCTFail("no hits in \(output)") }
    let annIDs = hitsJSON.compactMap { hit -> Int64? in
      if case .int(let id)? = hit["id"] { return id }
      return nil
    }
    XCTAssertEqual(annIDs.count, 10)
    let truth = Self.bruteForceTop10()
    let expectedMissed = truth.filter { !annIDs.contains($0) }
    XCTAssertFalse(expectedMissed.isEmpty, "M=2, efConstruction=8, ef=10 should miss a neighbour here")
    let recall = output[0]?["recall"]
    XCTAssertEqual(recall?["k"], .int(10))
    XCTAssertEqual(recall?["found"], .int(Int64(10 - expectedMissed.count)))
    XCTAssertEqual(recall?["recall"]?.numberValue ?? -1, Double(10 - expectedMissed.count) / 10, accuracy: 1e-9)
    XCTAssertEqual(recall?["missed"]?.arrayIDs, expectedMissed)
    XCTAssertEqual(recall?["ann_only"]?.arrayIDs, annIDs.filter { !truth.contains($0) })

    let text = try vscope(search)
    XCTAssertEqual(text.status, 0, text.stderr)
    let recallLine = "recall@10 " + Recall.format(Double(10 - expectedMissed.count) / 10)
    XCTAssertTrue(text.stdout.contains(recallLine + " (\(expectedMissed.count) missed)\n"), text.stdout)
    XCTAssertTrue(text.stdout.contains("missed: \(expectedMissed[0]) ("), text.stdout)
  }

  func testRecallOfAFlatIndexIsOneAndTheSizeGuardSaysHowToOverride() throws {
    try makeIndexedCollection("FLAT", params: nil)
    let search = ["search", "vecs", "--vector", Self.queryText, "--top-k", "10", "--recall"]
    let text = try vscope(search)
    XCTAssertEqual(text.status, 0, text.stderr)
    XCTAssertTrue(text.stdout.contains("recall@10 1.00 (0 missed)\n"), text.stdout)
    XCTAssertFalse(text.stdout.contains("missed:"), text.stdout)

    let refused = try vscope(search + ["--recall-limit", "1000"])
    XCTAssertEqual(refused.status, 1)
    XCTAssertTrue(
      refused.stderr.contains(
        "exact search of vecs would scan 3000 entities, above the limit of 1000; "
          + "raise the limit to run it anyway (vscope search --recall-limit 3000)"), refused.stderr)
    let filtered = try vscope(search + ["--recall-limit", "1000", "--filter", "id < 1000"])
    XCTAssertEqual(filtered.status, 0, filtered.stderr)
    XCTAssertTrue(filtered.stdout.contains("recall@10 1.00 (0 missed)"), filtered.stdout)
    let alone = try vscope(["search", "vecs", "--vector", Self.queryText, "--recall-limit", "5"])
    XCTAssertEqual(alone.status, 1)
    XCTAssertTrue(alone.stderr.contains("--recall-limit goes with --recall"), alone.stderr)
  }

  func testRecallAgainstMilvusLite() throws {
    let environment = ProcessInfo.processInfo.environment
    guard let lite = environment["VSCOPE_MILVUS_LITE"] else {
      if environment["VSCOPE_REQUIRE_MILVUS"] == "1" { XCTFail("VSCOPE_MILVUS_LITE is not set") }
      throw XCTSkip("no Milvus Lite server: run the tests with scripts/test")
    }
    let milvus = ["--milvus", "milvus://\(lite)"]
    let name = "recall_" + UUID().uuidString.prefix(8).lowercased()
    try XCTAssertEqual(vscope(["create", name, "--dim", "2", "--metric", "L2"] + milvus, embedded: false).status, 0)
    defer { _ = try? vscope(["drop", name, "--yes"] + milvus, embedded: false) }
    let rows = (0..<40).map { #"{"id": \#($0), "vector": [\#($0 % 7), \#($0 / 7)], "genre": "g\#($0 % 3)"}"# }
    let inserted = try vscope(["insert", name, "[" + rows.joined(separator: ",") + "]"] + milvus, embedded: false)
    XCTAssertEqual(inserted.status, 0, inserted.stderr)
    try XCTAssertEqual(vscope(["load", name] + milvus, embedded: false).status, 0)
    let output = try json(
      vscope(
        ["search", name, "--vector", "[3.2, 2.9]", "--top-k", "4", "--filter", #"genre != "g1""#, "--recall", "--json"]
          + milvus, embedded: false))
    XCTAssertEqual(output[0]?["recall"]?["recall"]?.numberValue, 1)
    XCTAssertEqual(output[0]?["recall"]?["k"], .int(4))
    XCTAssertEqual(output[0]?["recall"]?["missed"], .array([]))
    // The nearest of the rows that pass the filter: (3, 3) is id 24, genre g0.
    XCTAssertEqual(output[0]?["hits"]?[0]?["id"], .int(24))
  }
}

extension JSONValue {
  /// The `id`s of an array of objects.
  fileprivate var arrayIDs: [Int64]? {
    guard case .array(let elements) = self else { return nil }
    return elements.compactMap { element in
      if case .int(let id)? = element["id"] { return id }
      if case .int(let id) = element { return id }
      return nil
    }
  }
}
