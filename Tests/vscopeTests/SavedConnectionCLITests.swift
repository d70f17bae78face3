import Foundation
import Model
import XCTest

/// Saved connections (`[[connections]]` in the config file) named by `--milvus NAME` and by the
/// `CONNECTION:NAME` locations of `copy`, against real Milvus servers: their addresses, tokens and
/// databases are used, and flags given on the command line win.
extension CLITests {
  fileprivate func servers() throws -> (lite: String, auth: String, token: String) {
    let environment = ProcessInfo.processInfo.environment
    guard let lite = environment["VSCOPE_MILVUS_LITE"], !lite.isEmpty,
      let auth = environment["VSCOPE_MILVUS_AUTH"], !auth.isEmpty
    else {
      if environment["VSCOPE_REQUIRE_MILVUS"] == "1" { XCTFail("VSCOPE_MILVUS_LITE or VSCOPE_MILVUS_AUTH is not set") }
      throw XCTSkip("no Milvus servers: run the tests with scripts/test")
    }
    return (lite, auth, environment["VSCOPE_MILVUS_AUTH_TOKEN"] ?? "root:Milvus")
  }

  /// A config directory whose config file is `text`; the environment that points vscope at it.
  fileprivate func config(_ text: String) throws -> [String: String] {
    let directory = workDirectory + "/config/vscope"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try text.write(toFile: directory + "/config.toml", atomically: true, encoding: .utf8)
    return ["XDG_CONFIG_HOME": workDirectory + "/config", "MILVUS_TOKEN": ""]
  }

  fileprivate func names(_ run: Run, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
    guard case .array(let items) = try json(run, file: file, line: line) else {
      XCTFail("not a list: \(run.stdout)", file: file, line: line)
      return []
    }
    return items.compactMap { item in
      guard case .string(let name)? = item["name"] else { return nil }
      return name
    }
  }

  func testSavedConnectionsGiveTheAddressTokenAndDatabase() throws {
    let (lite, auth, token) = try servers()
    let suffix = UUID().uuidString.prefix(8).lowercased()
    let database = "vscope_saved_" + suffix
    let collection = "saved_" + suffix
    let environment = try config(
      """
      [[connections]]
      name = "lite"
      uri = "milvus://\(lite)"

      [[connections]]
      name = "lite-db"
      uri = "milvus://\(lite)"
      db = "\(database)"

      [[connections]]
      name = "secured"
      uri = "milvus://\(auth)"
      token = "\(token)"

      [[connections]]
      name = "keyless"
      uri = "milvus://\(auth)"
      """)
    func run(_ arguments: [String]) throws -> Run {
      try vscope(arguments, embedded: false, environment: environment)
    }
    let created = try run(["databases", "--create", database, "--milvus", "lite"])
    XCTAssertEqual(created.status, 0, created.stderr)
    addTeardownBlock {
      _ = try? self.vscope(
        ["drop", collection, "--yes", "--milvus", "lite-db"], embedded: false, environment: environment)
      _ = try? self.vscope(
        ["databases", "--drop", database, "--milvus", "lite"], embedded: false, environment: environment)
    }

    // The saved database is the one used: the collection lands there, not in default.
    let made = try run(["create", collection, "--dim", "4", "--milvus", "lite-db"])
    XCTAssertEqual(made.status, 0, made.stderr)
    XCTAssertTrue(try names(run(["collections", "--milvus", "lite-db", "--json"])).contains(collection))
    XCTAssertTrue(try names(run(["collections", "--milvus", "lite", "--db", database, "--json"])).contains(collection))
    XCTAssertFalse(try names(run(["collections", "--milvus", "lite", "--json"])).contains(collection))
    // --db on the command line wins over the saved one.
    XCTAssertFalse(
      try names(run(["collections", "--milvus", "lite-db", "--db", "default", "--json"])).contains(collection))

    // The saved token opens the server with authorization on; without one it refuses, and --token wins.
    let secured = try run(["collections", "--milvus", "secured", "--json"])
    XCTAssertEqual(secured.status, 0, secured.stderr)
    let keyless = try run(["collections", "--milvus", "keyless"])
    XCTAssertEqual(keyless.status, 1, "no token: \(keyless.stdout)")
    XCTAssertFalse(keyless.stderr.isEmpty)
    XCTAssertFalse(keyless.stderr.contains(token), "the token is never printed: \(keyless.stderr)")
    let overridden = try run(["collections", "--milvus", "keyless", "--token", token, "--json"])
    XCTAssertEqual(overridden.status, 0, overridden.stderr)
    let wrong = try run(["collections", "--milvus", "secured", "--token", "root:wrong"])
    XCTAssertEqual(wrong.status, 1, "--token replaces the saved token")
  }

  func testCopyAndCompareTakeSavedConnectionsAsLocations() throws {
    let (lite, _, _) = try servers()
    let remote = "saved_copy_" + UUID().uuidString.prefix(8).lowercased()
    let environment = try config(
      """
      [[connections]]
      name = "lite"
      uri = "milvus://\(lite)"
      """)
    addTeardownBlock {
      _ = try? self.vscope(["drop", remote, "--yes", "--milvus", "lite"], embedded: false, environment: environment)
    }
    try XCTAssertEqual(vscope(["create", "points", "--dim", "2"]).status, 0)
    let rows = (0..<50).map { #"{"id": \#($0), "vector": [\#($0), \#(50 - $0)]}"# }.joined(separator: "\n")
    try XCTAssertEqual(vscope(["import", "points", write("points.jsonl", rows + "\n")]).status, 0)
    try XCTAssertEqual(vscope(["load", "points"]).status, 0)

    let copied = try vscope(["copy", "embedded:points", "lite:" + remote, "--json"], environment: environment)
    XCTAssertEqual(copied.status, 0, copied.stderr)
    XCTAssertEqual(try json(copied)["count"], .int(50))
    let counted = try vscope(["count", remote, "--milvus", "lite"], embedded: false, environment: environment)
    XCTAssertEqual(counted.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "50", counted.stderr)

    let compared = try vscope(
      ["compare", "embedded:points", "lite:" + remote, "--like", "7", "--top-k", "5", "--json"],
      environment: environment)
    XCTAssertEqual(compared.status, 0, compared.stderr)
    XCTAssertEqual(try json(compared)["overlap"], .int(5), compared.stdout)

    let unknown = try vscope(["copy", "embedded:points", "elsewhere:" + remote], environment: environment)
    XCTAssertEqual(unknown.status, 1)
    XCTAssertTrue(unknown.stderr.contains("no saved connection named elsewhere (saved: lite)"), unknown.stderr)
  }
}
