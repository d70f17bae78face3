import Foundation
import XCTest

/// `vscope play`, `vscope record` and the first-run offer in a real terminal: the real
/// executable on a demo store, inside a private tmux server at 120×40.
final class TmuxTourTests: XCTestCase {
  /// The demo store, made once for the tests that play on it (`vscope demo` with a small catalog).
  nonisolated(unsafe) private static var demoStore: String?

  /// The package's root, where `demos/` is.
  static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

  /// The built `vscope`, beside this test bundle (or in the package's debug build directory).
  private func demoStore() throws -> String {
    if let store = Self.demoStore { return store }
    let store = NSTemporaryDirectory() + "vscope-tour-\(getpid())"
    try? FileManager.default.removeItem(atPath: store)
    let made = TmuxSession.run(try executable(), ["demo", "--catalog-rows", "5000", "--data", store])
    XCTAssertEqual(made.status, 0, "vscope demo failed")
    Self.demoStore = store
    return store
  }

  override class func tearDown() {
    if let store = demoStore { try? FileManager.default.removeItem(atPath: store) }
    super.tearDown()
  }

  private func executable() throws -> String {
    let path = VscopeCLI.executable
    guard FileManager.default.isExecutableFile(atPath: path) else {
      XCTFail("vscope is not built: run `swift build --build-tests` first")
      throw CancellationError()
    }
    return path
  }

  func testTheTourPlaysToItsEndAndRestoresTheTerminal() throws {
    let store = try demoStore()
    let session = try TerminalSession.start(
      self,
      command: [try executable(), "play", Self.packageRoot + "/demos/tour.vsdemo", "--data", store, "--speed", "20"])
    let ending = try session.waitForExit(timeout: .seconds(240))
    XCTAssertEqual(ending.status, 0, "stderr: \(ending.stderr)\nlast screen:\n\(session.lastScreen)")
    XCTAssertEqual(ending.sttyAfter, ending.sttyBefore, "the terminal's modes are restored")
    XCTAssertFalse(ending.sttyAfter.isEmpty)
    XCTAssertTrue(session.lastScreen.contains("That's the tour!"), session.lastScreen)
    // Along the way: the search's results, the entity browser, the light theme, the help.
    XCTAssertTrue(session.seen.contains("show or hide this help"))
    XCTAssertTrue(session.seen.contains("theme light"))
  }

  func testAFailingExpectExitsNonZeroNamingTheLine() throws {
    let store = try demoStore()
    let script = temporaryDirectory(self) + "/broken.vsdemo"
    try "expect colors\nkey Tab\n# the schema pane shows no such thing\nexpect no such text\nkey q\n"
      .write(toFile: script, atomically: true, encoding: .utf8)
    let session = try TerminalSession.start(self, command: [try executable(), "play", script, "--data", store])
    let ending = try session.waitForExit(timeout: .seconds(60))
    XCTAssertEqual(ending.status, 1)
    XCTAssertEqual(ending.sttyAfter, ending.sttyBefore)
    XCTAssertTrue(
      ending.stderr.contains("error: playback stopped at \(script):4: expected the screen to show \"no such text\""),
      ending.stderr)
  }

  /// A script plays against a Milvus server as against the embedded store.
  func testAScriptPlaysOnMilvusLite() throws {
    let lite = try milvusLiteAddress()
    let milvus = ["--milvus", "milvus://\(lite)"]
    let name = "play_" + UUID().uuidString.prefix(8).lowercased()
    XCTAssertEqual(TmuxSession.run(try executable(), ["create", name, "--dim", "4"] + milvus).status, 0)
    addTeardownBlock { _ = TmuxSession.run(VscopeCLI.executable, ["drop", name, "--yes"] + milvus) }
    let script = temporaryDirectory(self) + "/milvus.vsdemo"
    try """
    caption On a Milvus server
    wait-idle
    expect milvus-lite
    key /
    type \(name)
    key Enter
    wait-idle
    expect Schema · \(name)
    expect described \(name)
    key q
    """.write(toFile: script, atomically: true, encoding: .utf8)
    let session = try TerminalSession.start(
      self, command: [try executable(), "play", script, "--speed", "10"] + milvus)
    let ending = try session.waitForExit(timeout: .seconds(60))
    XCTAssertEqual(ending.status, 0, "stderr: \(ending.stderr)\nlast screen:\n\(session.lastScreen)")
    XCTAssertEqual(ending.sttyAfter, ending.sttyBefore)
    XCTAssertTrue(session.seen.contains("On a Milvus server"))
  }

  func testCtrlCDuringPlaybackRestoresTheTerminal() throws {
    let store = try demoStore()
    let session = try TerminalSession.start(
      self, command: [try executable(), "play", Self.packageRoot + "/demos/tour.vsdemo", "--data", store])
    try session.waitFor("Welcome to vscope")
    session.send("C-c")
    let ending = try session.waitForExit(timeout: .seconds(30))
    XCTAssertEqual(ending.status, 128 + SIGINT)
    XCTAssertEqual(ending.sttyAfter, ending.sttyBefore)
  }

  func testAParseErrorStopsBeforeTheExplorerOpens() throws {
    let script = temporaryDirectory(self) + "/bad.vsdemo"
    try "key Tab\nkey Ctrl-C\n".write(toFile: script, atomically: true, encoding: .utf8)
    // Through a shell, to read what it says on stderr; no terminal is needed to find the error.
    let run = TmuxSession.run(
      "/bin/sh", ["-c", #""$0" play "$1" --data "$2" 2>&1"#, try executable(), script, temporaryDirectory(self)],
      captureOutput: true)
    XCTAssertEqual(run.status, 1)
    XCTAssertEqual(
      run.output, "error: \(script):2:5: Ctrl-C is not allowed: it ends the explorer (the script's end does that)\n")
  }

  func testRecordWritesTheKeysAsAScriptThatPlaysBack() throws {
    let store = try demoStore()
    let script = temporaryDirectory(self) + "/recorded.vsdemo"
    let session = try TerminalSession.start(self, command: [try executable(), "record", script, "--data", store])
    try session.waitFor("1 Collections (2)", "described")
    session.send("Tab")
    try session.waitFor("2 Schema")
    session.send("/", "c", "o", "l")
    try session.waitFor("1 of 2")
    session.send("Enter", "q")
    let ending = try session.waitForExit(timeout: .seconds(30))
    XCTAssertEqual(ending.status, 0, ending.stderr)
    XCTAssertEqual(ending.sttyAfter, ending.sttyBefore)
    let text = try String(contentsOfFile: script, encoding: .utf8)
    let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("pause ") }
    // "co" leaves only colors, which the cursor moves to: its description is a call to wait for.
    XCTAssertEqual(lines, ["key Tab", "type /co", "wait-idle", "type l", "key Enter"], text)
    // And it plays back.
    let replay = try TerminalSession.start(
      self, command: [try executable(), "play", script, "--data", store, "--speed", "50"])
    XCTAssertEqual(try replay.waitForExit(timeout: .seconds(60)).status, 0, replay.lastScreen)
  }

  func testAnEmptyStoreOffersTheDemoAndDCreatesIt() throws {
    let store = temporaryDirectory(self) + "/empty"
    let session = try TerminalSession.start(self, command: [try executable(), "--data", store])
    try session.waitFor("No collections yet. Press d to create the demo data")
    session.send("d")
    try session.waitFor("Creating the demo data")
    // The whole demo (100,000 products, two indexes) in a debug build takes a while.
    try session.waitFor("1 Collections (2)", "100,000", "2,980", timeout: .seconds(300))
    XCTAssertFalse(session.lastScreen.contains("No collections yet"))
    session.send("q")
    let ending = try session.waitForExit(timeout: .seconds(30))
    XCTAssertEqual(ending.status, 0, ending.stderr)
    XCTAssertEqual(ending.sttyAfter, ending.sttyBefore)
  }
}

/// A command in a private tmux server's pane; the pane's shell records its exit status and the
/// terminal's modes before and after. Everything it started is killed when the test ends.
final class TerminalSession {
  let socket: String
  let directory: String
  let configuration: String
  /// The last screen captured while the program ran.
  private(set) var lastScreen = ""
  /// Every screen captured, joined: what was seen along the way.
  private(set) var seen = ""

  struct Ending {
    var status: Int32
    var sttyBefore: String
    var sttyAfter: String
    var stderr: String
  }

  private init(directory: String) {
    self.directory = directory
    socket = "vscope-tour-\(getpid())-\(UUID().uuidString.prefix(8))"
    configuration = directory + "/tmux.conf"
  }

  static func start(_ test: XCTestCase, command: [String], width: Int = 120, height: Int = 40) throws
    -> TerminalSession
  {
    guard let tmux = TmuxSession.which("tmux") else { throw XCTSkip("tmux is not installed (.ci/run installs it)") }
    let session = TerminalSession(directory: temporaryDirectory(test, prefix: "vscope-tour"))
    let directory = session.directory
    try "set -g default-terminal tmux-256color\nset -g escape-time 0\nset -g status off\n"
      .write(toFile: session.configuration, atomically: true, encoding: .utf8)
    let quoted = command.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    let script = """
      unset NO_COLOR
      trap true INT
      echo $$ > '\(directory)/shell-pid'
      stty -g > '\(directory)/before'
      SWIFT_BACKTRACE=interactive=no sh -c 'echo $$ > "$0/pid"; exec "$@" 2> "$0/stderr"' \\
        '\(directory)' \(quoted)
      status=$?
      stty -g > '\(directory)/after'
      echo $status > '\(directory)/rc'
      exec sleep 600
      """
    try script.write(toFile: directory + "/run.sh", atomically: true, encoding: .utf8)
    test.addTeardownBlock { [socket = session.socket, configuration = session.configuration] in
      for name in ["pid", "shell-pid"] {
        let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)
        if let pid = text.flatMap({ pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) { kill(pid, SIGKILL) }
      }
      _ = TmuxSession.run(tmux, ["-L", socket, "-f", configuration, "kill-server"])
      unlink("/tmp/tmux-\(getuid())/\(socket)")
    }
    let started = session.tmux(
      "new-session", "-d", "-x", String(width), "-y", String(height), "-e", "LANG=C.UTF-8", "sh '\(directory)/run.sh'")
    XCTAssertEqual(started, 0, "tmux new-session failed")
    return session
  }

  @discardableResult
  func tmux(_ arguments: String...) -> Int32 {
    TmuxSession.run(TmuxSession.which("tmux") ?? "tmux", ["-L", socket, "-f", configuration] + arguments).status
  }

  func send(_ keys: String...) {
    for key in keys { tmux("send-keys", key) }
  }

  func capture() -> String {
    TmuxSession.run(TmuxSession.which("tmux") ?? "tmux", ["-L", socket, "capture-pane", "-p"], captureOutput: true)
      .output
  }

  private func read(_ name: String) -> String? {
    (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8))?
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Captures the pane while the program runs (not after: then the shell's screen is back).
  private func look() {
    guard read("rc") == nil else { return }
    let screen = capture()
    guard read("rc") == nil, !screen.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return }
    lastScreen = screen
    seen += screen
  }

  func waitFor(_ texts: String..., timeout: Duration = .seconds(20), file: StaticString = #filePath, line: UInt = #line)
    throws
  {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
      look()
      if texts.allSatisfy(lastScreen.contains) { return }
      if read("rc") != nil { break }
      usleep(20_000)
    }
    XCTFail("timed out waiting for \(texts); the pane shows:\n\(lastScreen)", file: file, line: line)
    throw CancellationError()
  }

  /// Waits for the program to exit, capturing the pane meanwhile.
  func waitForExit(timeout: Duration, file: StaticString = #filePath, line: UInt = #line) throws -> Ending {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
      if let rc = read("rc"), let status = Int32(rc) {
        return Ending(
          status: status, sttyBefore: read("before") ?? "", sttyAfter: read("after") ?? "",
          stderr: read("stderr") ?? "")
      }
      look()
      usleep(10_000)
    }
    XCTFail("the program did not exit; the pane shows:\n\(capture())", file: file, line: line)
    throw CancellationError()
  }
}
