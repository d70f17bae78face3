import Engine
import Foundation
import Model
import XCTest

@testable import TUI

/// The explorer in a real terminal: `vscope-tui-demo` on a temporary store inside a private
/// tmux server, driven with send-keys and read back with capture-pane.
final class TmuxTests: XCTestCase {
  func testKeysResizeAndQuitRestoreTheTerminal() async throws {
    let session = try await TmuxSession.start(self, width: 120, height: 40)
    try session.waitFor("1 Collections (3)", "described books")
    // Wide characters take the cells the terminal gives them: every row ends at the right edge.
    for line in session.capture().split(separator: "\n") where line.contains("書籍") {
      XCTAssertEqual(DisplayWidth.of(line), 120, "\(line)")
      XCTAssertTrue(line.hasSuffix("┃"))
    }
    // Colours by default: the focused border in the theme's blue.
    let styled = session.capture(escapes: true)
    XCTAssertTrue(styled.contains("38;5;75m"), styled.debugDescription)
    session.send("Tab")
    try session.waitFor("┏━ 2 Schema · books")
    session.send("j")
    try session.waitFor(" 2/8 ")
    session.send("?")
    try session.waitFor("Keys", "show or hide this help")
    session.tmux("resize-window", "-x", "79", "-y", "23")
    try session.waitFor("terminal too small (need 80×24, have 79×23)")
    session.tmux("resize-window", "-x", "120", "-y", "40")
    try session.waitFor("show or hide this help")
    session.send("q")
    let ending = try session.waitForExit()
    XCTAssertEqual(ending.status, 0)
    XCTAssertEqual(ending.sttyAfter, ending.sttyBefore, "the terminal's modes are restored")
    XCTAssertFalse(ending.sttyAfter.isEmpty)
  }

  func testColonQQuitsAt80x24() async throws {
    let session = try await TmuxSession.start(self, width: 80, height: 24)
    try session.waitFor("1 Collections (3)", "described books")
    session.send(":", "q", "Enter")
    let ending = try session.waitForExit()
    XCTAssertEqual(ending.status, 0)
    XCTAssertEqual(ending.sttyAfter, ending.sttyBefore)
  }

  func testNoColorDrawsWithAttributesOnly() async throws {
    let session = try await TmuxSession.start(self, width: 80, height: 24, environment: ["NO_COLOR": "1"])
    try session.waitFor("1 Collections (3)", "described books")
    let styled = session.capture(escapes: true)
    XCTAssertFalse(styled.contains("38;5;"), "no foreground colours")
    XCTAssertFalse(styled.contains("48;5;"), "no background colours")
    XCTAssertTrue(styled.contains("\u{1B}[7m") || styled.contains(";7m"), "reverse video for the header and selection")
    session.send("q")
    XCTAssertEqual(try session.waitForExit().status, 0)
  }

  /// On an 8-colour terminal the theme's 256-colour values fall back to the eight ANSI colours.
  func testAnEightColourTerminalGetsOnlyTheEightColours() async throws {
    let session = try await TmuxSession.start(self, width: 80, height: 24, environment: ["TERM": "xterm"])
    try session.waitFor("1 Collections (3)", "described books")
    let styled = session.capture(escapes: true)
    XCTAssertFalse(styled.contains("38;5;"), "no 256-colour foregrounds")
    XCTAssertFalse(styled.contains("48;5;"), "no 256-colour backgrounds")
    let colours = styled.matches(of: /\[(?:[0-9]+;)*(3[0-7]|4[0-7]|9[0-7]|10[0-7])(?:;[0-9]+)*m/).count
    XCTAssertGreaterThan(colours, 0, "still in colour:\n\(styled)")
    session.send("q")
    XCTAssertEqual(try session.waitForExit().status, 0)
  }

  func testCtrlCRestoresTheTerminal() async throws {
    let session = try await TmuxSession.start(self, width: 100, height: 30)
    try session.waitFor("1 Collections (3)")
    session.send("C-c")
    let ending = try session.waitForExit()
    XCTAssertEqual(ending.status, 128 + SIGINT)
    XCTAssertEqual(ending.sttyAfter, ending.sttyBefore)
  }

  func testSigtermRestoresTheTerminal() async throws {
    let session = try await TmuxSession.start(self, width: 100, height: 30)
    try session.waitFor("1 Collections (3)")
    let pid = try XCTUnwrap(session.programPID)
    XCTAssertEqual(kill(pid, SIGTERM), 0)
    let ending = try session.waitForExit()
    XCTAssertEqual(ending.status, 128 + SIGTERM)
    XCTAssertEqual(ending.sttyAfter, ending.sttyBefore)
  }
}

/// A private tmux server running the demo on a fixture store; killed when the test ends.
final class TmuxSession {
  let socket: String
  let directory: String
  let configuration: String
  private let test: XCTestCase
  private var lastCapture = ""

  struct Ending {
    var status: Int32
    var sttyBefore: String
    var sttyAfter: String
  }

  private init(test: XCTestCase, directory: String) {
    self.test = test
    self.directory = directory
    socket = "vscope-test-\(getpid())-\(UUID().uuidString.prefix(8))"
    configuration = directory + "/tmux.conf"
  }

  /// The demo executable, built beside the test bundle.
  static var demoPath: String {
    let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var candidates = [products.appendingPathComponent("vscope-tui-demo").path]
    // `swift test` may run the bundle from a path of its own: fall back to the package's build directory.
    let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    candidates.append(package.appendingPathComponent(".build/debug/vscope-tui-demo").path)
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
  }

  static func start(_ test: XCTestCase, width: Int, height: Int, environment: [String: String] = [:]) async throws
    -> TmuxSession
  {
    guard let tmux = TmuxSession.which("tmux") else {
      throw XCTSkip("tmux is not installed (.ci/run installs it)")
    }
    let demo = demoPath
    guard FileManager.default.isExecutableFile(atPath: demo) else {
      XCTFail("\(demo) is missing: run `swift build --build-tests` first")
      throw CancellationError()
    }
    let (backend, store) = try await Fixture.store(test)
    await backend.close()
    let directory = temporaryDirectory(test, prefix: "vscope-tmux")
    let session = TmuxSession(test: test, directory: directory)
    try """
    set -g default-terminal tmux-256color
    set -g escape-time 0
    set -g status off
    """.write(toFile: session.configuration, atomically: true, encoding: .utf8)
    // The shell keeps the pane alive after the program ends, so its status and the terminal's
    // modes can be read; `trap true INT` keeps the shell itself alive through Ctrl-C.
    let exports = environment.sorted { $0.key < $1.key }.map { "export \($0.key)='\($0.value)'\n" }.joined()
    // NO_COLOR only when a test asks for it (swift test's own environment may set it).
    let script = """
      unset NO_COLOR
      \(exports)trap true INT
      echo $$ > '\(directory)/shell-pid'
      stty -g > '\(directory)/before'
      SWIFT_BACKTRACE=interactive=no sh -c 'echo $$ > "$0/pid"; exec "$1" "$2" 2> "$0/stderr"' \\
        '\(directory)' '\(demo)' '\(store)'
      status=$?
      stty -g > '\(directory)/after'
      echo $status > '\(directory)/rc'
      exec sleep 600
      """
    try script.write(toFile: directory + "/run.sh", atomically: true, encoding: .utf8)
    test.addTeardownBlock { [socket = session.socket, configuration = session.configuration] in
      // The processes this test started, by their pids: the demo (if a test failed before it
      // quit) and the pane's shell; then the server, which kill-server alone does not always end.
      for name in ["pid", "shell-pid"] {
        let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)
        if let pid = text.flatMap({ pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) { kill(pid, SIGKILL) }
      }
      _ = TmuxSession.run(tmux, ["-L", socket, "-f", configuration, "kill-server"])
      // The server leaves its socket behind when it ends with its last pane.
      unlink("/tmp/tmux-\(getuid())/\(socket)")
      if let directory = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] {
        unlink("\(directory)/tmux-\(getuid())/\(socket)")
      }
    }
    let started = session.tmux(
      "new-session", "-d", "-x", String(width), "-y", String(height), "-e", "LANG=C.UTF-8",
      "sh '\(directory)/run.sh'")
    XCTAssertEqual(started, 0, "tmux new-session failed")
    return session
  }

  /// Runs a tmux command on this server; returns its exit status.
  @discardableResult
  func tmux(_ arguments: String...) -> Int32 {
    TmuxSession.run(TmuxSession.which("tmux") ?? "tmux", ["-L", socket, "-f", configuration] + arguments).status
  }

  func send(_ keys: String...) {
    for key in keys { tmux("send-keys", key) }
  }

  /// The pane's text; with `escapes`, with the colour and attribute escapes that drew it.
  func capture(escapes: Bool = false) -> String {
    let arguments = ["-L", socket, "capture-pane", "-p"] + (escapes ? ["-e"] : [])
    return TmuxSession.run(TmuxSession.which("tmux") ?? "tmux", arguments, captureOutput: true).output
  }

  /// Polls the pane until every text shows (or fails after `timeout`, printing the pane).
  func waitFor(_ texts: String..., timeout: Duration = .seconds(20), file: StaticString = #filePath, line: UInt = #line)
    throws
  {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
      lastCapture = capture()
      if texts.allSatisfy(lastCapture.contains) { return }
      usleep(20_000)
    }
    XCTFail("timed out waiting for \(texts); the pane shows:\n\(lastCapture)\(stderrText)", file: file, line: line)
    throw CancellationError()
  }

  /// What the demo wrote on stderr, for failure messages.
  var stderrText: String {
    let text = (try? String(contentsOfFile: directory + "/stderr", encoding: .utf8)) ?? ""
    return text.isEmpty ? "" : "\nstderr:\n" + text
  }

  /// The demo's pid, once the pane has started it.
  var programPID: pid_t? {
    let text = try? String(contentsOfFile: directory + "/pid", encoding: .utf8)
    return text.flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
  }

  /// Waits for the demo to exit and returns its status and the terminal's modes before and after.
  func waitForExit(timeout: Duration = .seconds(20), file: StaticString = #filePath, line: UInt = #line) throws
    -> Ending
  {
    let deadline = ContinuousClock.now + timeout
    let read = { (name: String) in
      (try? String(contentsOfFile: self.directory + "/" + name, encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines)
    }
    while ContinuousClock.now < deadline {
      if let rc = read("rc"), let status = Int32(rc) {
        if !stderrText.isEmpty { print("the demo exited with \(status)\(stderrText)") }
        return Ending(status: status, sttyBefore: read("before") ?? "", sttyAfter: read("after") ?? "")
      }
      usleep(20_000)
    }
    XCTFail("the demo did not exit; the pane shows:\n\(capture())", file: file, line: line)
    throw CancellationError()
  }

  static func which(_ program: String) -> String? {
    for directory in ["/usr/bin", "/usr/local/bin", "/bin"]
    where FileManager.default.isExecutableFile(atPath: directory + "/" + program) {
      return directory + "/" + program
    }
    return nil
  }

  /// Runs a command to its end with posix_spawn and waitpid (Foundation's `Process` can miss
  /// the child's exit when waited for from a test's task). Output is read only when asked for:
  /// `new-session` starts the server, which must not inherit a pipe that someone waits on.
  static func run(_ executable: String, _ arguments: [String], captureOutput: Bool = false) -> (
    status: Int32, output: String
  ) {
    var environment = ProcessInfo.processInfo.environment
    environment["LANG"] = "C.UTF-8"
    environment["TMUX"] = nil
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for pointer in argv { free(pointer) }
      for pointer in envp { free(pointer) }
    }
    var pipe: [Int32] = [-1, -1]
    if captureOutput { guard Glibc.pipe(&pipe) == 0 else { return (-1, "") } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    if captureOutput {
      posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
      posix_spawn_file_actions_addclose(&actions, pipe[0])
      posix_spawn_file_actions_addclose(&actions, pipe[1])
    } else {
      posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
    var output = Data()
    if captureOutput {
      close(pipe[1])
      var buffer = [UInt8](repeating: 0, count: 65536)
      while spawned == 0 {
        let count = read(pipe[0], &buffer, buffer.count)
        if count <= 0 { break }
        output.append(contentsOf: buffer[0..<count])
      }
      close(pipe[0])
    }
    guard spawned == 0 else { return (-1, "") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1, errno == EINTR {}
    let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return (exitStatus, String(decoding: output, as: UTF8.self))
  }
}
