import Foundation
import Model
import XCTest

@testable import TUI

/// The real `vscope` in a real terminal, end to end, on both backends: set up with the CLI, then
/// driven with keys in tmux — to the collection, a filtered "more like this" search whose results
/// must equal `vscope search --json`, help, a theme switch, a resize — and quit with the
/// terminal's modes as they were.
final class TmuxEndToEndTests: XCTestCase {
  static let rowCount = 300
  static let genres = ["jazz", "soul", "rock"]
  static let filter = #"genre in ["jazz","soul"] and year > 1990"#
  static let likeID = 42
  static let topK = 7

  func testEndToEndOnTheEmbeddedStore() async throws {
    let work = temporaryDirectory(self, prefix: "vscope-e2e")
    let backend = ["--data", work + "/data"]
    // Neighbours before and after, so that reaching the collection takes a key press.
    for other in ["albums", "tracks"] {
      try XCTAssertEqual(VscopeCLI.run(["create", other, "--dim", "4"] + backend).status, 0)
    }
    try setUpSongs("songs", backend: backend, work: work)
    try await explore("songs", backend: backend, work: work)
  }

  func testEndToEndOnMilvusLite() async throws {
    let lite = try milvusLiteAddress()
    let work = temporaryDirectory(self, prefix: "vscope-e2e")
    let backend = ["--milvus", "milvus://\(lite)"]
    let name = "e2e_" + UUID().uuidString.prefix(8).lowercased()
    addTeardownBlock { _ = try? VscopeCLI.run(["drop", name, "--yes"] + backend) }
    try setUpSongs(name, backend: backend, work: work)
    try await explore(name, backend: backend, work: work)
  }

  /// `:connect NAME` from the embedded store to a saved Milvus Lite connection; a dead one first,
  /// which only says so.
  func testConnectFromTheEmbeddedStoreToASavedMilvusLiteServer() async throws {
    let lite = try milvusLiteAddress()
    let work = temporaryDirectory(self, prefix: "vscope-e2e")
    let embedded = ["--data", work + "/data"]
    try check(VscopeCLI.run(["create", "local_only", "--dim", "4"] + embedded))
    let remote = "connect_" + UUID().uuidString.prefix(8).lowercased()
    let milvus = ["--milvus", "milvus://\(lite)"]
    try check(VscopeCLI.run(["create", remote, "--dim", "4"] + milvus))
    addTeardownBlock { _ = try? VscopeCLI.run(["drop", remote, "--yes"] + milvus) }

    let session = try EndToEndSession.start(
      self, command: [VscopeCLI.executable] + embedded, width: 120, height: 40,
      config: """
        [[connections]]
        name = "dead"
        uri = "milvus://127.0.0.1:1"

        [[connections]]
        name = "lite"
        uri = "milvus://\(lite)"
        """)
    try session.waitFor("local_only", " vscope │ embedded")
    session.send(":")
    session.type("connect dead")
    session.send("Enter")
    try session.waitFor("connecting to dead failed: cannot reach Milvus at 127.0.0.1:1")
    XCTAssertTrue(session.capture().contains("local_only"), "still on the embedded store")
    session.send(":")
    session.type("connect li")
    session.send("Tab", "Enter")
    try session.waitFor(" vscope │ lite │ milvus-lite", remote)
    XCTAssertFalse(session.capture().contains("local_only"))
    session.send("q")
    let ending = try session.waitForExit()
    XCTAssertEqual(ending.status, 0, session.stderrText)
    XCTAssertEqual(ending.sttyAfter, ending.sttyBefore)
  }

  /// Opened on a Milvus address where nothing listens: the explorer says so, keeps answering
  /// keys (help, a retry with `r`), and quits cleanly.
  func testADeadServerIsAMessageNotACrash() throws {
    let port = 1  // tcpmux: nothing listens there
    let session = try EndToEndSession.start(
      self, command: [VscopeCLI.executable, "--milvus", "milvus://127.0.0.1:\(port)", "--timeout", "2"], width: 80,
      height: 24)
    try session.waitFor("listing collections failed: cannot reach Milvus at 127.0.0.1:\(port)")
    XCTAssertTrue(session.capture().contains("not connected"), session.capture())
    session.send("?")
    try session.waitFor("show or hide this help")
    session.send("Escape")
    try session.waitForGone("show or hide this help")
    session.send("r")
    try session.waitFor("listing collections failed")
    session.send("q")
    let ending = try session.waitForExit()
    XCTAssertEqual(ending.status, 0, session.stderrText)
    XCTAssertEqual(ending.sttyAfter, ending.sttyBefore)
  }

  // MARK: - The steps

  /// A collection of songs: id, a 4-d vector, genre and year; a FLAT L2 index, loaded.
  func setUpSongs(_ name: String, backend: [String], work: String) throws {
    let schema = work + "/schema.json"
    try """
    {"collection_name": "\(name)", "enable_dynamic_field": false, "fields": [
      {"name": "id", "type": "INT64", "is_primary": true},
      {"name": "vector", "type": "FLOAT_VECTOR", "params": {"dim": 4}},
      {"name": "genre", "type": "VARCHAR", "params": {"max_length": 16}},
      {"name": "year", "type": "INT64"}
    ]}
    """.write(toFile: schema, atomically: true, encoding: .utf8)
    try check(VscopeCLI.run(["create", name, "--schema", schema] + backend))
    let rows = (0..<Self.rowCount).map { index in
      let vector = Self.vector(index).map { "\($0)" }.joined(separator: ", ")
      let genre = Self.genres[index % 3]
      return #"{"id": \#(index), "vector": [\#(vector)], "genre": "\#(genre)", "year": \#(1950 + index % 70)}"#
    }
    let file = work + "/songs.jsonl"
    try (rows.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
    try check(VscopeCLI.run(["import", name, file] + backend))
    try check(VscopeCLI.run(["index", name, "--create", "FLAT", "--metric", "L2"] + backend))
    try check(VscopeCLI.run(["load", name] + backend))
  }

  /// Row `index`'s vector: spread out, so that distances differ.
  static func vector(_ index: Int) -> [Float] {
    let angle = Float(index) * 0.37
    return [cos(angle), sin(angle * 1.7), Float(index % 7) / 7, Float(index % 11) / 11]
  }

  /// Drives the explorer through the whole round and checks each step on the screen.
  func explore(_ name: String, backend: [String], work: String) async throws {
    // The same search by the CLI: the reference the screen must match.
    let expected = try expectedHits(name, backend: backend)
    XCTAssertEqual(expected.count, Self.topK)

    let session = try EndToEndSession.start(self, command: [VscopeCLI.executable] + backend, width: 120, height: 40)
    try session.waitFor("1 Collections", "┏━")
    // To the collection with j, one row at a time, as a person would. Each press is confirmed by the
    // schema pane's title naming the next collection: any other change (a describe arriving) could
    // come before the key is handled, and a second press would then skip a row.
    try session.waitUntil("a collection selected") { Self.schemaTitle($0) != nil }
    var visited: Set<String> = []
    while let shown = Self.schemaTitle(session.capture()), shown != name {
      guard visited.insert(shown).inserted else { return XCTFail("\(name) not reached with j:\n\(session.capture())") }
      session.send("j")
      try session.waitUntil("j to move past \(shown)") { Self.schemaTitle($0).map { $0 != shown } ?? false }
    }
    // The search form (once the schema has arrived): "more like this" entity 42, top 7, the filter typed.
    try session.waitFor("described \(name)")
    session.send("s")
    try session.waitFor("Search · \(name)", "source")
    session.send("Right")
    try session.waitFor("primary key of the entity to search like")
    session.send("Tab")
    session.type(String(Self.likeID))
    session.send("Tab", "BSpace", "BSpace")
    session.type(String(Self.topK))
    session.send("Tab")
    session.type(Self.filter)
    try session.waitFor(Self.filter)
    session.send("Enter")
    try session.waitFor(
      "Results · \(name) · more like this: \(Self.likeID) · top \(Self.topK) by L2", "filter " + Self.filter,
      " 1/\(Self.topK) ")
    let shown = Self.resultRows(session.capture())
    XCTAssertEqual(shown.map(\.id), expected.map(\.id), "the ids, in order:\n\(session.capture())")
    XCTAssertEqual(
      shown.map(\.distance), expected.map { NumberText.fixed(Double($0.distance), digits: 4) },
      "the distances to the shown precision")
    for hit in shown {
      let id = try XCTUnwrap(Int(hit.id))
      XCTAssertTrue(id % 3 != 2 && 1950 + id % 70 > 1990, "\(id) passes the filter")
    }

    // Help, then a theme switch on the command line.
    session.send("?")
    try session.waitFor("Keys", "show or hide this help")
    session.send("?")
    try session.waitForGone("show or hide this help")
    session.send(":")
    session.type("theme light")
    session.send("Enter")
    try session.waitFor("theme light")

    // Smaller: the frame is drawn again for 80 columns, nothing left over from the wider one.
    session.tmux("resize-window", "-x", "80", "-y", "24")
    // The old frame shows, cut at 80 columns, until the new one is drawn: poll for a frame that
    // fits, then say what is wrong if none comes.
    try session.waitUntil("the results redrawn for 80×24") { Self.layoutProblems($0, width: 80, height: 24).isEmpty }
    let redrawn = Self.resultRows(session.capture())
    XCTAssertEqual(redrawn.map(\.id), expected.map(\.id), "the same results at 80×24")

    session.send("q")
    let ending = try session.waitForExit()
    XCTAssertEqual(ending.status, 0, session.stderrText)
    XCTAssertFalse(ending.sttyBefore.isEmpty)
    XCTAssertEqual(ending.sttyAfter, ending.sttyBefore, "the terminal's modes are restored")
  }

  struct Hit {
    var id: String
    var distance: Double
  }

  /// `vscope search NAME --like 42 --filter … --top-k 7 --json`.
  func expectedHits(_ name: String, backend: [String]) throws -> [Hit] {
    let run = try VscopeCLI.run(
      [
        "search", name, "--like", String(Self.likeID), "--filter", Self.filter, "--top-k", String(Self.topK),
        "--json",
      ] + backend)
    try check(run)
    guard case .array(let queries) = try JSONValue.parse(run.stdout), case .array(let hits)? = queries.first else {
      throw TestFailure("not a list of hit lists: \(run.stdout)")
    }
    return try hits.map { hit in
      guard let id = hit["id"], let distance = hit["distance"]?.numberValue else {
        throw TestFailure("a hit without id or distance: \(hit)")
      }
      return Hit(id: id.jsonText, distance: distance)
    }
  }

  /// The collection that the schema pane's title names (`Schema · NAME`), if any.
  static func schemaTitle(_ screen: String) -> String? {
    guard let title = screen.range(of: "Schema · ") else { return nil }
    let name = screen[title.upperBound...].prefix { $0 != " " && $0 != "\n" && $0 != "─" && $0 != "━" }
    return name.isEmpty ? nil : String(name)
  }

  /// What is wrong with the results page's frame on `screen` at `width`×`height`: its corners
  /// not in the first and last columns, or rows inside it that do not end at its right border.
  static func layoutProblems(_ screen: String, width: Int, height: Int) -> [String] {
    let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).prefix(height).map { Array($0) }
    guard let top = lines.firstIndex(where: { String($0).contains("Results · ") }),
      let bottom = lines.lastIndex(where: { $0.first == "┗" }), top < bottom
    else { return ["no results frame"] }
    var problems: [String] = []
    let corners: [(row: Int, left: Character, right: Character)] = [(top, "┏", "┓"), (bottom, "┗", "┛")]
    for (row, left, right) in corners {
      let line = lines[row]
      if line.count != width || line.first != left || line.last != right {
        problems.append("row \(row) is not a \(width)-column border: \(String(line))")
      }
    }
    for row in top + 1..<bottom where lines[row].count != width || lines[row].last != "┃" {
      problems.append("row \(row) has text past the frame or a missing border: \(String(lines[row]))")
    }
    return problems
  }

  /// The results table's rows as the screen shows them: rank, id, distance.
  static func resultRows(_ screen: String) -> [(id: String, distance: String)] {
    var rows: [(id: String, distance: String)] = []
    for line in screen.split(separator: "\n") {
      let words = line.split(whereSeparator: { $0 == " " || $0 == "┃" || $0 == "│" || $0 == "▌" })
      guard words.count >= 3, let rank = Int(words[0]), rank == rows.count + 1,
        Double(words[2]) != nil, words[2].contains(".")
      else { continue }
      rows.append((String(words[1]), String(words[2])))
    }
    return rows
  }

  func check(_ run: VscopeCLI.Run, file: StaticString = #filePath, line: UInt = #line) throws {
    guard run.status == 0 else {
      XCTFail("vscope exited with \(run.status): \(run.stderr)", file: file, line: line)
      throw CancellationError()
    }
  }
}

struct TestFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// The built `vscope` executable, run to its end.
enum VscopeCLI {
  struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// `vscope`, beside the test bundle or in the package's debug build directory.
  static let executable: String = {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
      let candidate = directory.appendingPathComponent("vscope").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      directory = directory.deletingLastPathComponent()
    }
    let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    return package.appendingPathComponent(".build/debug/vscope").path
  }()

  static func run(_ arguments: [String]) throws -> Run {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["SWIFT_BACKTRACE"] = "enable=no"
    // Never the developer's own config file.
    environment["XDG_CONFIG_HOME"] = NSTemporaryDirectory() + "vscope-no-config"
    process.environment = environment
    let output = Pipe()
    // stderr goes to a file, so that neither stream can fill up and block the process.
    let errorPath = NSTemporaryDirectory() + "vscope-e2e-stderr-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
    defer { unlink(errorPath) }
    let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try errors.close()
    let errorData = FileManager.default.contents(atPath: errorPath) ?? Data()
    return Run(
      status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
      stderr: String(decoding: errorData, as: UTF8.self))
  }
}

/// A private tmux server running one command in a 120×40 (or other) pane; the pane's shell
/// records `stty -g` before and after and the command's exit status.
final class EndToEndSession {
  let socket = "vscope-e2e-\(getpid())-\(UUID().uuidString.prefix(8))"
  let directory: String
  let configuration: String
  private static let tmuxPath = TmuxSession.which("tmux") ?? "tmux"

  struct Ending {
    var status: Int32
    var sttyBefore: String
    var sttyAfter: String
  }

  private init(directory: String) {
    self.directory = directory
    configuration = directory + "/tmux.conf"
  }

  /// Starts `command` in a `width`×`height` pane; `config` is the text of its config file.
  static func start(_ test: XCTestCase, command: [String], width: Int, height: Int, config: String? = nil) throws
    -> EndToEndSession
  {
    guard TmuxSession.which("tmux") != nil else { throw XCTSkip("tmux is not installed (.ci/run installs it)") }
    guard FileManager.default.isExecutableFile(atPath: command[0]) else {
      XCTFail("\(command[0]) is missing: run `swift build --build-tests` first")
      throw CancellationError()
    }
    let session = EndToEndSession(directory: temporaryDirectory(test, prefix: "vscope-e2e-tmux"))
    let directory = session.directory
    try """
    set -g default-terminal tmux-256color
    set -g escape-time 0
    set -g status off
    """.write(toFile: session.configuration, atomically: true, encoding: .utf8)
    if let config {
      try FileManager.default.createDirectory(atPath: directory + "/config/vscope", withIntermediateDirectories: true)
      try config.write(toFile: directory + "/config/vscope/config.toml", atomically: true, encoding: .utf8)
    }
    let quoted = command.map { "'" + $0.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }.joined(separator: " ")
    try """
    unset NO_COLOR
    export XDG_CONFIG_HOME='\(directory)/config'
    echo $$ > '\(directory)/shell-pid'
    stty -g > '\(directory)/before'
    SWIFT_BACKTRACE=interactive=no sh -c 'echo $$ > "$0/pid"; exec "$@" 2> "$0/stderr"' '\(directory)' \(quoted)
    status=$?
    stty -g > '\(directory)/after'
    echo $status > '\(directory)/rc'
    exec sleep 600
    """.write(toFile: directory + "/run.sh", atomically: true, encoding: .utf8)
    test.addTeardownBlock { [socket = session.socket, configuration = session.configuration] in
      for name in ["pid", "shell-pid"] {
        let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)
        if let pid = text.flatMap({ pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) { kill(pid, SIGKILL) }
      }
      _ = TmuxSession.run(tmuxPath, ["-L", socket, "-f", configuration, "kill-server"])
      unlink("/tmp/tmux-\(getuid())/\(socket)")
    }
    let started = session.tmux(
      "new-session", "-d", "-x", String(width), "-y", String(height), "-e", "LANG=C.UTF-8",
      "sh '\(directory)/run.sh'")
    XCTAssertEqual(started, 0, "tmux new-session failed")
    return session
  }

  @discardableResult
  func tmux(_ arguments: String...) -> Int32 {
    TmuxSession.run(Self.tmuxPath, ["-L", socket, "-f", configuration] + arguments).status
  }

  /// Presses keys by their tmux names (`Enter`, `Tab`, `j`).
  func send(_ keys: String...) {
    for key in keys { tmux("send-keys", key) }
  }

  /// Types text literally, as a person typing it.
  func type(_ text: String) { tmux("send-keys", "-l", text) }

  func capture() -> String {
    TmuxSession.run(Self.tmuxPath, ["-L", socket, "capture-pane", "-p"], captureOutput: true).output
  }

  /// Polls the pane until every text shows.
  func waitFor(_ texts: String..., file: StaticString = #filePath, line: UInt = #line) throws {
    try poll("\(texts)", file: file, line: line) { screen in texts.allSatisfy(screen.contains) }
  }

  /// Polls the pane until `done` holds for it.
  func waitUntil(_ what: String, file: StaticString = #filePath, line: UInt = #line, _ done: (String) -> Bool)
    throws
  {
    try poll(what, file: file, line: line, until: done)
  }

  /// Polls the pane until the text is gone.
  func waitForGone(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws {
    try poll("\(text) to go", file: file, line: line) { !$0.contains(text) }
  }

  private func poll(_ what: String, file: StaticString, line: UInt, until done: (String) -> Bool) throws {
    let deadline = ContinuousClock.now + .seconds(30)
    var screen = ""
    while ContinuousClock.now < deadline {
      screen = capture()
      if done(screen) { return }
      usleep(20_000)
    }
    XCTFail("timed out waiting for \(what); the pane shows:\n\(screen)\(stderrText)", file: file, line: line)
    throw CancellationError()
  }

  var stderrText: String {
    let text = (try? String(contentsOfFile: directory + "/stderr", encoding: .utf8)) ?? ""
    return text.isEmpty ? "" : "\nstderr:\n" + text
  }

  /// Waits for the command to end: its status and the terminal's modes before and after.
  func waitForExit(file: StaticString = #filePath, line: UInt = #line) throws -> Ending {
    let read = { (name: String) in
      (try? String(contentsOfFile: self.directory + "/" + name, encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines)
    }
    let deadline = ContinuousClock.now + .seconds(30)
    while ContinuousClock.now < deadline {
      if let rc = read("rc"), let status = Int32(rc) {
        return Ending(status: status, sttyBefore: read("before") ?? "", sttyAfter: read("after") ?? "")
      }
      usleep(20_000)
    }
    XCTFail("vscope did not exit; the pane shows:\n\(capture())", file: file, line: line)
    throw CancellationError()
  }
}
