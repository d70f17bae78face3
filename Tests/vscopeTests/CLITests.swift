import Foundation
import Model
import XCTest

/// Runs the real `vscope` executable, as a user or a script would.
final class CLITests: XCTestCase {
  struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// The built `vscope`, found beside this test bundle in the build directory.
  static let executable: String = {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
      let candidate = directory.appendingPathComponent("vscope").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      directory = directory.deletingLastPathComponent()
    }
    for bundle in Bundle.allBundles {
      let candidate = bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("vscope").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    fatalError("vscope executable not found near \(CommandLine.arguments[0]); run `swift build` first")
  }()

  var dataDirectory = ""
  var workDirectory = ""

  override func setUp() {
    workDirectory = NSTemporaryDirectory() + "vscope-cli-\(UUID().uuidString)"
    dataDirectory = workDirectory + "/data"
    try! FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
  }

  override func tearDown() {
    try? FileManager.default.removeItem(atPath: workDirectory)
  }

  @discardableResult
  func vscope(
    _ arguments: [String], stdin: String? = nil, embedded: Bool = true, environment extra: [String: String] = [:]
  ) throws -> Run {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.executable)
    process.arguments = arguments + (embedded ? ["--data", dataDirectory] : [])
    var environment = ProcessInfo.processInfo.environment
    environment["SWIFT_BACKTRACE"] = "enable=no"
    // Never the developer's own config file (saved connections, embed_cmd): tests give theirs.
    environment["XDG_CONFIG_HOME"] = workDirectory + "/no-config"
    environment.merge(extra) { $1 }
    process.environment = environment
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    let stderrData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(
      status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
      stderr: String(decoding: stderrData, as: UTF8.self))
  }

  func write(_ name: String, _ text: String) -> String {
    let path = workDirectory + "/" + name
    try! text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  func json(_ run: Run, file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
    XCTAssertEqual(run.status, 0, run.stderr, file: file, line: line)
    return try JSONValue.parse(run.stdout)
  }

  func testImportQuerySearchExportRoundTrip() throws {
    try XCTAssertEqual(vscope(["create", "songs", "--dim", "3", "--metric", "L2"]).status, 0)
    var lines: [String] = []
    for index in 0..<200 {
      let genre = ["jazz", "soul", "rock"][index % 3]
      let vector = "[\(Float(index)), \(Float(index % 7)), 0.5]"
      lines.append(#"{"id": \#(index), "vector": \#(vector), "genre": "\#(genre)", "year": \#(1950 + index % 70)}"#)
    }
    let file = write("songs.jsonl", lines.joined(separator: "\n") + "\n")
    let imported = try vscope(["import", "songs", file])
    XCTAssertEqual(imported.status, 0, imported.stderr)
    XCTAssertTrue(imported.stderr.contains("imported 200 entities"), imported.stderr)

    let collections = try json(vscope(["collections", "--json"]))
    XCTAssertEqual(collections[0]?["name"], .string("songs"))
    XCTAssertEqual(collections[0]?["entities"], .int(200))

    let query = try json(
      vscope([
        "query", "songs", "--filter", #"genre in ["jazz", "soul"] and year > 2010"#, "--fields", "genre,year",
        "--limit", "1000", "--json",
      ]))
    guard case .array(let rows) = query else { return XCTFail("query output is not an array") }
    let expected = (0..<200).filter { $0 % 3 != 2 && 1950 + $0 % 70 > 2010 }
    XCTAssertEqual(rows.compactMap { $0["id"] }, expected.map { .int(Int64($0)) })
    XCTAssertEqual(rows.first?["genre"], .string(["jazz", "soul", "rock"][expected[0] % 3]))

    let search = try json(
      vscope(["search", "songs", "--vector", "[10, 3, 0.5]", "--top-k", "3", "--fields", "genre", "--json"]))
    XCTAssertEqual(search[0]?[0]?["id"], .int(10))
    XCTAssertEqual(search[0]?[0]?["distance"], .double(0))
    XCTAssertEqual(search[0]?[0]?["entity"]?["genre"], .string("soul"))
    XCTAssertEqual(search[0]?[1]?["id"], .int(9))  // (1² + 1²) = 2 ties with 11 (1² + 1²): smaller key first
    XCTAssertEqual(search[0]?[2]?["id"], .int(11))

    let like = try json(vscope(["search", "songs", "--like", "42", "--top-k", "1", "--json"]))
    XCTAssertEqual(like[0]?[0]?["id"], .int(42))

    let exported = try vscope(["export", "songs"])
    XCTAssertEqual(exported.status, 0, exported.stderr)
    let exportedRows = try exported.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
    XCTAssertEqual(exportedRows.count, 200)
    XCTAssertEqual(exportedRows[42]["vector"], .array([.double(42), .double(0), .double(0.5)]))

    // The export imports into a second collection as the same rows.
    try XCTAssertEqual(vscope(["create", "copy", "--dim", "3"]).status, 0)
    let copyFile = write("export.jsonl", exported.stdout)
    try XCTAssertEqual(vscope(["import", "copy", copyFile]).status, 0)
    let copied = try vscope(["export", "copy"])
    XCTAssertEqual(copied.stdout, exported.stdout)
  }

  func testBadRowsAreReportedWithLineNumbersAndNothingIsWritten() throws {
    try XCTAssertEqual(vscope(["create", "docs", "--dim", "2"]).status, 0)
    let file = write(
      "bad.jsonl",
      """
      {"id": 1, "vector": [0.1, 0.2]}
      {"id": 2, "vector": [0.1, 0.2]}
      {"id": 3, "vector": [0.1, 0.2, 0.3]}
      {"id": 4, "vector": [0.1, 0.2]}

      """)
    let run = try vscope(["import", "docs", file])
    XCTAssertEqual(run.status, 1)
    XCTAssertTrue(run.stderr.contains("line 3"), run.stderr)
    XCTAssertTrue(run.stderr.contains("dim"), run.stderr)
    XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, "one line: \(run.stderr)")
    XCTAssertEqual(try json(vscope(["count", "docs", "--json"]))["count(*)"], .int(0))

    let malformed = write("malformed.jsonl", "{\"id\": 1, \"vector\": [0.1, 0.2]}\n{\"id\": 2, \"vector\": [0.1,\n")
    let second = try vscope(["import", "docs", malformed])
    XCTAssertEqual(second.status, 1)
    XCTAssertTrue(second.stderr.contains("line 2"), second.stderr)

    // A key that already exists in the store is refused after earlier batches were written: undone.
    let good = write("good.jsonl", (10..<20).map { #"{"id": \#($0), "vector": [1, 2]}"# }.joined(separator: "\n"))
    try XCTAssertEqual(vscope(["import", "docs", good]).status, 0)
    let clash = write("clash.jsonl", (0..<15).map { #"{"id": \#($0), "vector": [1, 2]}"# }.joined(separator: "\n"))
    let clashRun = try vscope(["import", "docs", clash, "--batch-size", "4"])
    XCTAssertEqual(clashRun.status, 1)
    XCTAssertTrue(clashRun.stderr.contains("already exists"), clashRun.stderr)
    XCTAssertEqual(try json(vscope(["count", "docs", "--json"]))["count(*)"], .int(10))
  }

  func testSchemaFileCSVAndDescribeRoundTrip() throws {
    let schema = write(
      "schema.json",
      """
      {"collection_name": "ignored", "enable_dynamic_field": false, "fields": [
        {"name": "sku", "type": "VARCHAR", "params": {"max_length": 16}, "is_primary": true},
        {"name": "embedding", "type": "FLOAT_VECTOR", "params": {"dim": 2}},
        {"name": "price", "type": "DOUBLE", "nullable": true},
        {"name": "tags", "type": "ARRAY", "element_type": "VARCHAR", "params": {"max_length": 8, "max_capacity": 4}},
        {"name": "attrs", "type": "JSON"}
      ]}
      """)
    let created = try vscope(["create", "products", "--schema", schema])
    XCTAssertEqual(created.status, 0, created.stderr)
    let described = try json(vscope(["describe", "products", "--json"]))
    XCTAssertEqual(described["collection_name"], .string("products"))
    XCTAssertEqual(described["fields"]?[0]?["is_primary"], .bool(true))
    XCTAssertEqual(described["fields"]?[3]?["element_type"], .string("VARCHAR"))
    // describe --json is a valid schema file.
    let again = write("again.json", try vscope(["describe", "products", "--json"]).stdout)
    try XCTAssertEqual(vscope(["create", "products2", "--schema", again]).status, 0)

    let csv = write(
      "products.csv",
      """
      sku,embedding,price,tags,attrs
      a1,"[1, 0]",9.5,"[""red"", ""big""]","{""brand"": ""acme"", ""size"": 3}"
      b2,"[0, 1]",,"[]","{""brand"": ""zed""}"

      """)
    let imported = try vscope(["import", "products", csv])
    XCTAssertEqual(imported.status, 0, imported.stderr)
    let rows = try json(
      vscope(["query", "products", "--filter", #"attrs["brand"] == "acme""#, "--fields", "*", "--json"]))
    XCTAssertEqual(rows[0]?["sku"], .string("a1"))
    XCTAssertEqual(rows[0]?["tags"], .array([.string("red"), .string("big")]))
    let nulls = try json(vscope(["query", "products", "--filter", "price is null", "--json"]))
    XCTAssertEqual(nulls[0]?["sku"], .string("b2"))

    let badCSV = write("bad.csv", "sku,embedding,price,tags,attrs\nc3,\"[1, 0]\",oops,\"[]\",\"{}\"\n")
    let bad = try vscope(["import", "products", badCSV])
    XCTAssertEqual(bad.status, 1)
    XCTAssertTrue(bad.stderr.contains("line 2"), bad.stderr)
  }

  func testFvecsImportWithAutoID() throws {
    try XCTAssertEqual(vscope(["create", "vecs", "--dim", "4", "--auto-id", "--metric", "IP"]).status, 0)
    var data = Data()
    for row in 0..<50 {
      var dim = Int32(4).littleEndian
      withUnsafeBytes(of: &dim) { data.append(contentsOf: $0) }
      for component in 0..<4 {
        var value = Float(row * 4 + component).bitPattern.littleEndian
        withUnsafeBytes(of: &value) { data.append(contentsOf: $0) }
      }
    }
    let path = workDirectory + "/base.fvecs"
    try data.write(to: URL(fileURLWithPath: path))
    let run = try vscope(["import", "vecs", path])
    XCTAssertEqual(run.status, 0, run.stderr)
    XCTAssertEqual(try json(vscope(["count", "vecs", "--json"]))["count(*)"], .int(50))
    let hits = try json(
      vscope(["search", "vecs", "--vector", "[1, 1, 1, 1]", "--top-k", "1", "--fields", "vector", "--json"]))
    XCTAssertEqual(hits[0]?[0]?["entity"]?["vector"], .array([.double(196), .double(197), .double(198), .double(199)]))
  }

  func testUserErrorsExitOneWithOneLine() throws {
    let missing = try vscope(["describe", "nope"])
    XCTAssertEqual(missing.status, 1)
    XCTAssertEqual(missing.stderr, "error: collection not found[database=default][collection=nope]\n")
    try XCTAssertEqual(vscope(["create", "docs", "--dim", "2"]).status, 0)
    let badFilter = try vscope(["query", "docs", "--filter", "genre in "])
    XCTAssertEqual(badFilter.status, 1)
    XCTAssertTrue(badFilter.stderr.contains("column 10"), badFilter.stderr)
    let drop = try vscope(["drop", "docs"])
    XCTAssertEqual(drop.status, 1)
    XCTAssertTrue(drop.stderr.contains("--yes"), drop.stderr)
    try XCTAssertEqual(vscope(["drop", "docs", "--yes"]).status, 0)
    let usage = try vscope(["search", "docs"])
    XCTAssertEqual(usage.status, 1)
  }

  func testTheSameCommandsDriveMilvus() throws {
    let environment = ProcessInfo.processInfo.environment
    guard let lite = environment["VSCOPE_MILVUS_LITE"] else {
      if environment["VSCOPE_REQUIRE_MILVUS"] == "1" { XCTFail("VSCOPE_MILVUS_LITE is not set") }
      throw XCTSkip("no Milvus Lite server: run the tests with scripts/test")
    }
    let milvus = ["--milvus", "milvus://\(lite)"]
    let name = "cli_" + UUID().uuidString.prefix(8).lowercased()
    try XCTAssertEqual(vscope(["create", name, "--dim", "2", "--metric", "L2"] + milvus, embedded: false).status, 0)
    defer { _ = try? vscope(["drop", name, "--yes"] + milvus, embedded: false) }
    let inserted = try vscope(
      [
        "insert", name,
        #"[{"id": 1, "vector": [0, 1], "genre": "jazz"}, {"id": 2, "vector": [5, 5], "genre": "soul"}]"#,
      ]
        + milvus, embedded: false)
    XCTAssertEqual(inserted.status, 0, inserted.stderr)
    try XCTAssertEqual(vscope(["load", name] + milvus, embedded: false).status, 0)
    let hits = try json(
      vscope(
        ["search", name, "--vector", "[4, 4]", "--top-k", "1", "--fields", "genre", "--json"] + milvus, embedded: false)
    )
    XCTAssertEqual(hits[0]?[0]?["id"], .int(2))
    XCTAssertEqual(hits[0]?[0]?["entity"]?["genre"], .string("soul"))
    XCTAssertEqual(hits[0]?[0]?["distance"]?.numberValue ?? -1, 2, accuracy: 1e-4)  // L2: squared, as Milvus says
    let collections = try json(vscope(["collections", "--json"] + milvus, embedded: false))
    guard case .array(let listed) = collections else { return XCTFail("not an array") }
    XCTAssertTrue(listed.contains { $0["name"] == .string(name) })

    let dead = try vscope(["collections", "--milvus", "milvus://127.0.0.1:1"], embedded: false)
    XCTAssertEqual(dead.status, 1)
    XCTAssertEqual(dead.stderr.split(separator: "\n").count, 1, dead.stderr)
    XCTAssertTrue(dead.stderr.hasPrefix("error: cannot reach Milvus at 127.0.0.1:1"), dead.stderr)
  }
}
