import Foundation
import Model
import XCTest

/// `vscope copy SRC DST` run as a user would, between the embedded store and a real Milvus Lite.
extension CLITests {
  /// The Milvus Lite test server's address, or a skip when it is not running.
  fileprivate func liteAddress() throws -> String {
    let environment = ProcessInfo.processInfo.environment
    if let address = environment["VSCOPE_MILVUS_LITE"], !address.isEmpty { return address }
    if environment["VSCOPE_REQUIRE_MILVUS"] == "1" { XCTFail("VSCOPE_MILVUS_LITE is not set") }
    throw XCTSkip("no Milvus Lite server: run the tests with scripts/test")
  }

  fileprivate static func uniqueName() -> String { "vscope_copy_" + UUID().uuidString.prefix(8).lowercased() }

  /// A collection with every kind of field the copy must carry, two vector fields and a dynamic field.
  fileprivate func createCatalog(_ name: String, titleLength: Int = 64) throws {
    let schema = """
      {"enable_dynamic_field": true, "fields": [
        {"name": "id", "type": "INT64", "is_primary": true},
        {"name": "vector", "type": "FLOAT_VECTOR", "params": {"dim": 3}},
        {"name": "sketch", "type": "FLOAT_VECTOR", "params": {"dim": 2}},
        {"name": "title", "type": "VARCHAR", "params": {"max_length": \(titleLength)}},
        {"name": "year", "type": "INT32"},
        {"name": "rating", "type": "DOUBLE"},
        {"name": "seen", "type": "BOOL"},
        {"name": "attrs", "type": "JSON"},
        {"name": "tags", "type": "ARRAY", "element_type": "VARCHAR", "params": {"max_length": 16, "max_capacity": 4}},
        {"name": "scores", "type": "ARRAY", "element_type": "INT64", "params": {"max_capacity": 3}}
      ]}
      """
    let created = try vscope(["create", name, "--schema", write("\(name).schema.json", schema)])
    XCTAssertEqual(created.status, 0, created.stderr)
  }

  /// Row `index` of the catalog as a JSON line; keys are shuffled by the file order, not sorted.
  fileprivate static func catalogLine(_ index: Int) -> String {
    let title = index % 5 == 0 ? #"say \"hi\" \\ #\#(index) — ünï"# : "title \(index)"
    let dynamic =
      index % 2 == 0 ? #", "mood": "calm", "weight": \#(Double(index) / 4)"# : #", "extra": [\#(index), "x"]"#
    return #"""
      {"id": \#(index * 7 - 5000), "vector": [\#(Float(index) / 3), \#(Float(index % 11)), -1.5], \#
      "sketch": [\#(Float(index % 13)), 0.25], "title": "\#(title)", "year": \#(1900 + index % 120), \#
      "rating": \#(Double(index % 50) / 8), "seen": \#(index % 3 == 0), \#
      "attrs": {"rank": \#(index % 4), "nested": {"list": [1, 2.5, "three"], "ok": true}}, \#
      "tags": ["t\#(index % 3)", "g"], "scores": [\#(index), \#(-index)]\#(dynamic)}
      """#
  }

  fileprivate func fillCatalog(_ name: String, rows: Range<Int>) throws {
    let file = write("\(name)-\(rows.lowerBound).jsonl", rows.map(Self.catalogLine).joined(separator: "\n") + "\n")
    let imported = try vscope(["import", name, file])
    XCTAssertEqual(imported.status, 0, imported.stderr)
  }

  fileprivate func export(_ name: String) throws -> [String] {
    let exported = try vscope(["export", name])
    XCTAssertEqual(exported.status, 0, exported.stderr)
    return exported.stdout.split(separator: "\n").map(String.init)
  }

  func testCopyRoundTripThroughMilvusLiteKeepsEveryRowAndField() throws {
    let lite = try liteAddress()
    let remote = Self.uniqueName()
    try createCatalog("catalog")
    try fillCatalog("catalog", rows: 0..<2_500)
    for (field, type, params) in [("vector", "HNSW", "M=8,efConstruction=40"), ("sketch", "IVF_SQ8", "nlist=8")] {
      let indexed = try vscope([
        "index", "catalog", "--create", type, "--metric", "L2", "--field", field, "--params", params,
      ])
      XCTAssertEqual(indexed.status, 0, indexed.stderr)
    }
    try XCTAssertEqual(vscope(["load", "catalog"]).status, 0)
    let original = try export("catalog")
    XCTAssertEqual(original.count, 2_500)

    let milvus = "milvus://\(lite)/\(remote)"
    let outbound = try json(vscope(["copy", "embedded:catalog", milvus, "--batch", "700", "--json"]))
    XCTAssertEqual(outbound["count"], .int(2_500))
    XCTAssertEqual(outbound["rows_copied"], .int(2_500))
    XCTAssertEqual(outbound["created"], .bool(true))
    XCTAssertEqual(outbound["indexes_created"]?[0]?["index_type"], .string("HNSW"))
    // Milvus Lite builds FLAT, IVF_FLAT, HNSW and AUTOINDEX only: the IVF_SQ8 index is reported and skipped.
    XCTAssertEqual(outbound["indexes_skipped"]?[0]?["index_type"], .string("IVF_SQ8"))
    XCTAssertEqual(outbound["indexes_skipped"]?[0]?["field_name"], .string("sketch"))
    // It loads only with every vector field indexed: FLAT stands in.
    XCTAssertEqual(outbound["indexes_skipped"]?[0]?["substitute"], .string("FLAT"))
    defer { _ = try? vscope(["drop", remote, "--milvus", lite, "--yes"], embedded: false) }

    let inbound = try vscope(["copy", milvus, "embedded:back", "--batch", "900", "--json"])
    let summary = try json(inbound)
    XCTAssertEqual(summary["count"], .int(2_500))
    XCTAssertEqual(summary["indexes_created"]?[0]?["index_type"], .string("HNSW"))
    XCTAssertEqual(try export("back"), original, "every row and field survives the round trip, in key order")
    let described = try json(vscope(["describe", "back", "--json"]))
    XCTAssertEqual(described["enable_dynamic_field"], .bool(true))
    XCTAssertEqual(
      try json(vscope(["search", "back", "--vector", "[10, 8, -1.5]", "--field", "vector", "--top-k", "1", "--json"]))[
        0]?[0]?["id"],
      .int(30 * 7 - 5000))
  }

  func testCopyAndExportPastMilvusOffsetCap() throws {
    let lite = try liteAddress()
    let remote = Self.uniqueName()
    try XCTAssertEqual(vscope(["create", "many", "--dim", "2", "--id-type", "varchar", "--metric", "L2"]).status, 0)
    // 20,000 rows, more than Milvus's offset + limit cap of 16,384, keys not in insertion order.
    let lines = (0..<20_000).map { index in
      #"{"id": "k\#((index * 7_919) % 20_000)", "vector": [\#(index % 97), \#(index % 13)], "n": \#(index)}"#
    }
    try XCTAssertEqual(vscope(["import", "many", write("many.jsonl", lines.joined(separator: "\n") + "\n")]).status, 0)
    try XCTAssertEqual(vscope(["load", "many"]).status, 0)
    let copied = try json(vscope(["copy", "embedded:many", "milvus://\(lite)/\(remote)", "--batch", "5000", "--json"]))
    defer { _ = try? vscope(["drop", remote, "--milvus", lite, "--yes"], embedded: false) }
    XCTAssertEqual(copied["count"], .int(20_000))
    let exported = try vscope(["export", remote, "--milvus", lite, "--filter", "n >= 1000"], embedded: false)
    XCTAssertEqual(exported.status, 0, exported.stderr)
    let keys = try exported.stdout.split(separator: "\n").map { try JSONValue.parse(String($0))["id"] }
    XCTAssertEqual(keys.count, 19_000)
    XCTAssertEqual(Set(keys).count, 19_000, "no row twice")
  }

  func testCopyResumesAfterTheLastKeyAlreadyInTheDestination() throws {
    try createCatalog("catalog")
    try fillCatalog("catalog", rows: 0..<3_000)
    try XCTAssertEqual(vscope(["load", "catalog"]).status, 0)
    // An interrupted copy: the destination holds the rows with the 1,200 smallest keys.
    try createCatalog("partial")
    try fillCatalog("partial", rows: 0..<1_200)
    try XCTAssertEqual(vscope(["load", "partial"]).status, 0)

    let resumed = try json(vscope(["copy", "embedded:catalog", "embedded:partial", "--batch", "500", "--json"]))
    XCTAssertEqual(resumed["created"], .bool(false))
    XCTAssertEqual(resumed["rows_before"], .int(1_200))
    XCTAssertEqual(resumed["rows_copied"], .int(1_800))
    XCTAssertEqual(resumed["resumed_after"], .int(1_199 * 7 - 5000))
    XCTAssertEqual(resumed["count"], .int(3_000))
    XCTAssertEqual(try export("partial"), try export("catalog"), "no row twice, none missing")

    // Run again: nothing left to copy.
    let again = try json(vscope(["copy", "embedded:catalog", "embedded:partial", "--json"]))
    XCTAssertEqual(again["rows_copied"], .int(0))
    XCTAssertEqual(again["count"], .int(3_000))

    // A destination that is not a prefix of the source is refused, not merged.
    try createCatalog("other")
    try fillCatalog("other", rows: 2_000..<2_100)
    try XCTAssertEqual(vscope(["load", "other"]).status, 0)
    let refused = try vscope(["copy", "embedded:catalog", "embedded:other"])
    XCTAssertEqual(refused.status, 1)
    XCTAssertTrue(refused.stderr.contains("is not a partial copy of the source"), refused.stderr)
  }

  func testCopyResumesIntoMilvusLite() throws {
    let lite = try liteAddress()
    let remote = "milvus://\(lite)/" + Self.uniqueName()
    try createCatalog("catalog")
    try fillCatalog("catalog", rows: 0..<2_000)
    try createCatalog("first")
    try fillCatalog("first", rows: 0..<700)
    for name in ["catalog", "first"] { try XCTAssertEqual(vscope(["load", name]).status, 0) }
    // The interrupted copy: the rows with the 700 smallest keys reached the server.
    try XCTAssertEqual(json(vscope(["copy", "embedded:first", remote, "--json"]))["count"], .int(700))
    defer {
      _ = try? vscope(["drop", String(remote.split(separator: "/").last!), "--milvus", lite, "--yes"], embedded: false)
    }
    let resumed = try json(vscope(["copy", "embedded:catalog", remote, "--batch", "300", "--json"]))
    XCTAssertEqual(resumed["rows_before"], .int(700))
    XCTAssertEqual(resumed["rows_copied"], .int(1_300))
    XCTAssertEqual(resumed["resumed_after"], .int(699 * 7 - 5000))
    XCTAssertEqual(resumed["count"], .int(2_000))
    try XCTAssertEqual(json(vscope(["copy", remote, "embedded:back", "--json"]))["count"], .int(2_000))
    XCTAssertEqual(try export("back"), try export("catalog"))
  }

  /// A copy killed with SIGKILL part-way, then run again: it continues after the last key that
  /// reached the server, and the result has every row once.
  func testACopyKilledPartWayResumesWithEveryRowOnce() throws {
    let lite = try liteAddress()
    let name = Self.uniqueName()
    let remote = "milvus://\(lite)/\(name)"
    try createCatalog("catalog")
    try fillCatalog("catalog", rows: 0..<12_000)
    try XCTAssertEqual(vscope(["load", "catalog"]).status, 0)
    defer { _ = try? vscope(["drop", name, "--milvus", lite, "--yes"], embedded: false) }

    // Batches of 3: 4,000 inserts, so that the copy is still running when it is killed (as soon
    // as the first rows are seen on the server).
    let copy = Process()
    copy.executableURL = URL(fileURLWithPath: Self.executable)
    copy.arguments = ["copy", "embedded:catalog", remote, "--batch", "3", "--data", dataDirectory]
    copy.standardOutput = FileHandle.nullDevice
    copy.standardError = FileHandle.nullDevice
    try copy.run()
    var reached = 0
    let deadline = Date().addingTimeInterval(60)
    while copy.isRunning, Date() < deadline {
      let counted = try vscope(["count", name, "--milvus", lite, "--json"], embedded: false)
      if counted.status == 0, case .int(let rows)? = try json(counted)["count(*)"] { reached = Int(rows) }
      if reached > 0 { break }
      usleep(20_000)
    }
    kill(copy.processIdentifier, SIGKILL)
    copy.waitUntilExit()
    XCTAssertEqual(copy.terminationReason, .uncaughtSignal, "killed while it copied (\(reached) rows had arrived)")
    XCTAssertGreaterThan(reached, 0)

    let resumed = try json(vscope(["copy", "embedded:catalog", remote, "--batch", "1000", "--json"]))
    guard case .int(let before)? = resumed["rows_before"], case .int(let copied)? = resumed["rows_copied"] else {
      return XCTFail("\(resumed)")
    }
    XCTAssertGreaterThanOrEqual(Int(before), reached)
    XCTAssertLessThan(before, 12_000)
    XCTAssertEqual(before + copied, 12_000)
    XCTAssertEqual(resumed["count"], .int(12_000))
    try XCTAssertEqual(json(vscope(["copy", remote, "embedded:back", "--json"]))["count"], .int(12_000))
    XCTAssertEqual(try export("back"), try export("catalog"), "every row once, every field as it was")
  }

  func testCopyIntoADifferentSchemaIsRefusedNamingTheDifference() throws {
    try createCatalog("catalog")
    try fillCatalog("catalog", rows: 0..<10)
    try XCTAssertEqual(vscope(["load", "catalog"]).status, 0)
    try createCatalog("narrow", titleLength: 32)
    let run = try vscope(["copy", "embedded:catalog", "embedded:narrow"])
    XCTAssertEqual(run.status, 1)
    XCTAssertTrue(run.stderr.contains("field title is VarChar(32), expected VarChar(64)"), run.stderr)
    XCTAssertEqual(try json(vscope(["count", "narrow", "--json"]))["count(*)"], .int(0))
  }

  func testCopyOfAMissingSourceFails() throws {
    try createCatalog("catalog")
    let run = try vscope(["copy", "embedded:nothing", "embedded:copy"])
    XCTAssertEqual(run.status, 1)
    XCTAssertTrue(run.stderr.contains("nothing"), run.stderr)
    XCTAssertTrue(run.stderr.contains("source embedded:nothing"), run.stderr)
    let listed = try json(vscope(["collections", "--json"]))
    XCTAssertEqual(listed, .array([listed[0]!]), "no destination was created")
    let bad = try vscope(["copy", "catalog", "embedded:copy"])
    XCTAssertEqual(bad.status, 1)
    XCTAssertTrue(bad.stderr.contains("use embedded:NAME"), bad.stderr)
  }
}

extension CLITests {
  /// In a terminal, the copy draws a progress bar on stderr: run under `script`, which gives the
  /// command a pseudo-terminal and records what it writes.
  func testCopyDrawsAProgressBarInATerminal() throws {
    try XCTAssertEqual(vscope(["create", "source", "--dim", "2", "--metric", "L2"]).status, 0)
    let rows = (0..<1_000).map { #"{"id": \#($0), "vector": [\#($0), 1]}"# }.joined(separator: "\n") + "\n"
    try XCTAssertEqual(vscope(["import", "source", write("rows.jsonl", rows)]).status, 0)
    let command = [
      Self.executable, "copy", "embedded:source", "embedded:\(workDirectory)/other:copy", "--batch", "100",
      "--data", dataDirectory,
    ].map { "'\($0)'" }.joined(separator: " ")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    process.arguments = ["-qec", command, "/dev/null"]
    process.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
    let output = Pipe()
    process.standardOutput = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0, text)
    XCTAssertTrue(text.contains("copying source ██████████░░░░░░░░░░  50% 500/1,000 rows"), text)
    XCTAssertTrue(text.contains("copying source ████████████████████ 100% 1,000/1,000 rows"), text)
    XCTAssertTrue(text.contains("1,000 rows"), text)
  }
}
