import Foundation
import Model
import XCTest

/// `vscope search --text`: small real shell scripts stand in for the embedding command.
extension CLITests {
  /// An executable shell script in the work directory; its path.
  fileprivate func script(_ name: String, _ body: String) -> String {
    let path = write(name, "#!/bin/sh\n" + body + "\n")
    try! FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    return path
  }

  /// A config directory of this test's own, so the user's config file plays no part.
  fileprivate func configEnvironment(_ config: String? = nil) -> [String: String] {
    let directory = workDirectory + "/config"
    try! FileManager.default.createDirectory(atPath: directory + "/vscope", withIntermediateDirectories: true)
    if let config { try! config.write(toFile: directory + "/vscope/config.toml", atomically: true, encoding: .utf8) }
    return ["XDG_CONFIG_HOME": directory]
  }

  fileprivate func makeAxes() throws {
    try XCTAssertEqual(vscope(["create", "axes", "--dim", "3", "--metric", "L2"]).status, 0)
    let rows = #"[{"id": 1, "vector": [1, 0, 0]}, {"id": 2, "vector": [0, 1, 0]}, {"id": 3, "vector": [0, 0, 1]}]"#
    try XCTAssertEqual(vscope(["insert", "axes", rows]).status, 0)
  }

  func testSearchByTextRunsTheEmbeddingCommand() throws {
    try makeAxes()
    // The command gets the text on stdin: this one answers by it.
    let embed = script(
      "embed.sh",
      """
      read -r text
      case "$text" in
        up*) echo '[0, 0, 1]' ;;
        *) echo '[1, 0, 0]' ;;
      esac
      """)
    let environment = configEnvironment()
    let first = try json(
      vscope(["search", "axes", "--text", "sideways", "--embed-cmd", embed, "--json"], environment: environment))
    XCTAssertEqual(first[0]?[0]?["id"], .int(1))
    XCTAssertEqual(first[0]?[0]?["distance"], .double(0))
    let up = try json(
      vscope(
        ["search", "axes", "--text", "upwards", "--embed-cmd", embed, "--top-k", "1", "--json"],
        environment: environment))
    XCTAssertEqual(up[0]?[0]?["id"], .int(3))
    // A pipeline is fine too: it runs under /bin/sh -c.
    let piped = try vscope(
      ["search", "axes", "--text", "x", "--embed-cmd", "cat > /dev/null; echo '[0,1,0]' | cat", "--top-k", "1"],
      environment: environment)
    XCTAssertEqual(piped.status, 0, piped.stderr)
    XCTAssertTrue(piped.stdout.contains("1     2   0"), piped.stdout)
  }

  func testTheConfigFilesEmbedCommandIsTheFallbackAndTheFlagWins() throws {
    try makeAxes()
    let fromConfig = script("config-embed.sh", "echo '[0, 1, 0]'")
    let environment = configEnvironment("embed_cmd = \"\(fromConfig)\"\n")
    let viaConfig = try json(
      vscope(["search", "axes", "--text", "t", "--top-k", "1", "--json"], environment: environment))
    XCTAssertEqual(viaConfig[0]?[0]?["id"], .int(2))
    let viaFlag = try json(
      vscope(
        ["search", "axes", "--text", "t", "--top-k", "1", "--json", "--embed-cmd", "echo '[0, 0, 1]'"],
        environment: environment))
    XCTAssertEqual(viaFlag[0]?[0]?["id"], .int(3))
  }

  func testEmbeddingCommandFailuresAreOneLineErrors() throws {
    try makeAxes()
    let environment = configEnvironment()
    let cases: [(String, String)] = [
      (
        script("fails.sh", "echo 'CUDA out of memory' >&2\necho 'more detail' >&2\nexit 3"),
        "error: the embedding command failed with exit status 3: CUDA out of memory"
      ),
      (
        script("garbage.sh", "echo 'Loading model…'"),
        "error: the embedding command did not print a JSON array of numbers: Loading model…"
      ),
      (
        script("wrong-dim.sh", "echo '[0.1, 0.2, 0.3, 0.4, 0.5]'"),
        "error: the embedding command returned 5 values; field vector has dim 3"
      ),
      (script("silent.sh", "exit 0"), "error: the embedding command printed nothing on stdout"),
      (workDirectory + "/no-such-embedder", "error: embedding command not found (exit 127): "),
    ]
    for (command, expected) in cases {
      let run = try vscope(["search", "axes", "--text", "words", "--embed-cmd", command], environment: environment)
      XCTAssertEqual(run.status, 1, command)
      XCTAssertTrue(run.stderr.hasPrefix(expected), "\(command): \(run.stderr)")
      XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr)
      XCTAssertEqual(run.stdout, "")
    }
    // No command anywhere: say how to give one.
    let none = try vscope(["search", "axes", "--text", "words"], environment: environment)
    XCTAssertEqual(none.status, 1)
    XCTAssertTrue(none.stderr.contains("--text needs an embedding command: give --embed-cmd"), none.stderr)
    // --text is one of the vector sources, and --embed-cmd goes with it.
    let both = try vscope(["search", "axes", "--text", "a", "--vector", "[1,0,0]"], environment: environment)
    XCTAssertEqual(both.status, 1)
    XCTAssertTrue(both.stderr.contains("--like ID or --text TEXT"), both.stderr)
    let stray = try vscope(["search", "axes", "--vector", "[1,0,0]", "--embed-cmd", "x"], environment: environment)
    XCTAssertEqual(stray.status, 1)
    XCTAssertTrue(stray.stderr.contains("--embed-cmd goes with --text"), stray.stderr)
  }
}
