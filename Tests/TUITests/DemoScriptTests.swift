import Engine
import Foundation
import Model
import Synchronization
import XCTest

@testable import TUI

/// The `.vsdemo` parser, the player on the in-memory screen, the recorder, and the first-run
/// offer of an empty store.
@MainActor
final class DemoScriptTests: XCTestCase {
  private let size = TerminalSize(width: 100, height: 30)

  // MARK: - Parser

  func testEveryDirectiveParses() throws {
    let script = try DemoScript.parse(
      """
      # a comment, then a blank line

        key Tab
      key Down 3
      key ?
      key Shift-Tab
      key Ctrl-W
      key Space 2
      type price < 50 and  "x"
      pause 1.5s
      pause 300ms
      pause 2
      caption Look: the schema pane
      caption-clear
      wait-idle
      wait-idle 5s
      expect 2 Schema · books
      resize 100 30
      resize
      key #
      """, file: "all.vsdemo")
    XCTAssertEqual(script.file, "all.vsdemo")
    XCTAssertEqual(
      script.steps,
      [
        DemoStep(line: 3, .key(.tab, count: 1)),
        DemoStep(line: 4, .key(.down, count: 3)),
        DemoStep(line: 5, .key(.character("?"), count: 1)),
        DemoStep(line: 6, .key(.backTab, count: 1)),
        DemoStep(line: 7, .key(.control("w"), count: 1)),
        DemoStep(line: 8, .key(.character(" "), count: 2)),
        DemoStep(line: 9, .type("price < 50 and  \"x\"")),
        DemoStep(line: 10, .pause(.milliseconds(1500))),
        DemoStep(line: 11, .pause(.milliseconds(300))),
        DemoStep(line: 12, .pause(.seconds(2))),
        DemoStep(line: 13, .caption("Look: the schema pane")),
        DemoStep(line: 14, .clearCaption),
        DemoStep(line: 15, .waitIdle(timeout: .seconds(30))),
        DemoStep(line: 16, .waitIdle(timeout: .seconds(5))),
        DemoStep(line: 17, .expect("2 Schema · books")),
        DemoStep(line: 18, .resize(TerminalSize(width: 100, height: 30))),
        DemoStep(line: 19, .resize(nil)),
        DemoStep(line: 20, .key(.character("#"), count: 1)),
      ])
    // Written back, the script reads the same.
    let again = try DemoScript.parse(script.text, file: "again")
    XCTAssertEqual(again.steps.map(\.directive), script.steps.map(\.directive))
    XCTAssertTrue(script.text.contains("key Down 3\n"))
    XCTAssertTrue(script.text.contains("pause 1.5s\n"))
    XCTAssertTrue(script.text.contains("pause 300ms\n"))
  }

  func testErrorsNameTheLineAndColumn() {
    let cases: [(String, Int, Int, String)] = [
      ("key Tab\n  jump 3", 2, 3, "unknown directive \"jump\""),
      ("key Ctrl-C", 1, 5, "Ctrl-C is not allowed"),
      ("# x\nkey Tabb", 2, 5, "unknown key \"Tabb\""),
      ("key Down 0", 1, 10, "the count must be a whole number from 1 to 10000, not \"0\""),
      ("key Down 2 3", 1, 12, "unexpected \"3\""),
      ("key", 1, 4, "key needs a key name"),
      ("pause soon", 1, 7, "\"soon\" is not a duration"),
      ("pause -1s", 1, 7, "\"-1s\" is not a duration"),
      ("pause", 1, 6, "pause needs a duration"),
      ("wait-idle 5s later", 1, 14, "unexpected \"later\""),
      ("type", 1, 5, "type needs the text to type"),
      ("expect", 1, 7, "expect needs the text"),
      ("caption", 1, 8, "caption needs the text"),
      ("caption-clear now", 1, 15, "unexpected \"now\""),
      ("resize 100", 1, 8, "resize needs a width and a height"),
      ("resize 60 20", 1, 8, "the explorer needs at least 80×24; 60×20 is too small"),
      ("resize wide 30", 1, 8, "the width must be a whole number"),
    ]
    for (text, line, column, message) in cases {
      XCTAssertThrowsError(try DemoScript.parse(text, file: "bad.vsdemo"), text) { error in
        guard let error = error as? DemoScriptError else { return XCTFail("\(error)") }
        XCTAssertEqual(error.line, line, text)
        XCTAssertEqual(error.column, column, "\(text): \(error)")
        XCTAssertTrue(error.message.hasPrefix(message), "\(text): \(error.message)")
        XCTAssertTrue(error.description.hasPrefix("bad.vsdemo:\(line):\(column): "), error.description)
      }
    }
  }

  func testKeyNamesRoundTrip() {
    let keys: [Key] = [
      .up, .down, .left, .right, .home, .end, .pageUp, .pageDown, .enter, .escape, .tab, .backTab, .backspace,
      .delete, .character(" "), .character("j"), .character("?"), .character("é"), .function(5), .control("w"),
    ]
    for key in keys { XCTAssertEqual(Key(configName: key.scriptName), key, key.scriptName) }
  }

  // MARK: - Player

  private func play(
    _ text: String, backend: any VectorBackend, events: [InputEvent] = [], hold: Bool = false,
    demoInstaller: DemoInstaller? = nil
  ) async throws -> (ExplorerExit, ExplorerRuntime, MemoryScreen) {
    let script = try DemoScript.parse(text, file: "test.vsdemo")
    let screen = MemoryScreen(size: size, events: events)
    let runtime = ExplorerRuntime(backend: backend, screen: screen, theme: .defaultDark, demoInstaller: demoInstaller)
    runtime.demo.player = DemoPlayer(DemoPlayback(script: script, speed: 1000, hold: hold))
    // With --hold the explorer stays open: a signal ends it once the script is done.
    let ending = await runtime.run(signals: { runtime.demo.player?.isFinished == true ? SIGTERM : nil })
    return (ending, runtime, screen)
  }

  func testThePlayerDrivesTheExplorerAndShowsCaptions() async throws {
    let backend = try await Fixture.store(in: temporaryDirectory(self))
    let (ending, runtime, screen) = try await play(
      """
      caption The collections, listed
      expect 1 Collections (3)
      key j
      expect 2 Schema · songs
      key Tab
      caption-clear
      key /
      type user
      expect 1 of 3
      key Enter
      """, backend: backend)
    XCTAssertEqual(ending, .quit)
    XCTAssertEqual(ending.exitCode, 0)
    XCTAssertEqual(runtime.state.filter, "user")
    XCTAssertEqual(runtime.state.selectedCollection?.name, "user_profiles_with_a_long_name")
    // The caption was drawn over the explorer, in a box naming the script and its progress.
    let captioned = try XCTUnwrap(screen.frames.first { $0.text.contains("The collections, listed") })
    XCTAssertTrue(captioned.text.contains("▶ test.vsdemo"), captioned.text)
    XCTAssertTrue(captioned.text.contains("Space pauses · q quits"))
    // caption-clear took it away.
    XCTAssertFalse(try XCTUnwrap(screen.lastFrame).text.contains("The collections, listed"))
    await backend.close()
  }

  func testAFailedExpectStopsPlaybackNamingItsLine() async throws {
    let backend = try await Fixture.store(in: temporaryDirectory(self))
    let (ending, runtime, _) = try await play(
      """
      # the second expect cannot hold
      expect books
      expect no such collection
      key Tab
      """, backend: backend)
    guard case .playbackFailed(let failure) = ending else { return XCTFail("\(ending)") }
    XCTAssertEqual(failure.line, 3)
    XCTAssertEqual(failure.description, "test.vsdemo:3: expected the screen to show \"no such collection\"")
    XCTAssertEqual(ending.exitCode, 1)
    XCTAssertEqual(runtime.state.focus, .collections, "nothing after the failed line ran")
    await backend.close()
  }

  func testABackendErrorInTheStatusLineStopsPlayback() async throws {
    let backend = try await Fixture.store(in: temporaryDirectory(self))
    let (ending, _, _) = try await play(
      """
      wait-idle
      key :
      type use nosuchdb
      key Enter
      wait-idle
      key Tab
      """, backend: backend)
    guard case .playbackFailed(let failure) = ending else { return XCTFail("\(ending)") }
    XCTAssertTrue(failure.line == 4 || failure.line == 5, "\(failure)")
    XCTAssertTrue(
      failure.message.hasPrefix("the explorer reported an error: switching to database nosuchdb failed"),
      failure.message)
    await backend.close()
  }

  func testAWaitThatTimesOutStopsPlayback() async throws {
    let directory = temporaryDirectory(self)
    let backend = try await Fixture.store(in: directory)
    let slow = SlowBackend(base: backend, delay: .seconds(30))
    let (ending, _, _) = try await play("wait-idle 50ms\nkey Tab", backend: slow)
    guard case .playbackFailed(let failure) = ending else { return XCTFail("\(ending)") }
    XCTAssertEqual(failure.description, "test.vsdemo:1: still listing collections after 50ms")
    await backend.close()
  }

  func testHoldKeepsTheExplorerOpenAndQQuitsMidScript() async throws {
    let backend = try await Fixture.store(in: temporaryDirectory(self))
    // Without --hold the last line ends the explorer; with it, only the signal does.
    let (held, heldRuntime, _) = try await play("expect books\nkey Tab", backend: backend, hold: true)
    XCTAssertEqual(held, .signal(SIGTERM))
    XCTAssertEqual(heldRuntime.state.focus, .schema)
    // A real q during playback quits; the rest of the script does not run.
    let (quit, quitRuntime, _) = try await play(
      "pause 60s\nkey Tab", backend: backend, events: [.key(.character("q"))])
    XCTAssertEqual(quit, .quit)
    XCTAssertEqual(quitRuntime.state.focus, .collections)
    await backend.close()
  }

  func testSpacePausesPlayback() async throws {
    let backend = try await Fixture.store(in: temporaryDirectory(self))
    let script = try DemoScript.parse("caption hi\npause 0ms\nkey Tab", file: "test.vsdemo")
    let screen = MemoryScreen(size: size, events: [.key(.character(" "))])
    let runtime = ExplorerRuntime(backend: backend, screen: screen, theme: .defaultDark)
    runtime.demo.player = DemoPlayer(DemoPlayback(script: script, speed: 1000))
    // Space arrives while the pause holds; the script then stays put until the signal.
    var turns = 0
    let ending = await runtime.run(signals: {
      turns += 1
      return turns > 300 ? SIGTERM : nil
    })
    XCTAssertEqual(ending, .signal(SIGTERM))
    XCTAssertEqual(runtime.demo.player?.isPaused, true)
    XCTAssertEqual(runtime.state.focus, .collections, "Tab was not played")
    XCTAssertTrue(try XCTUnwrap(screen.lastFrame).text.contains("❚❚ paused: Space resumes"))
    await backend.close()
  }

  func testResizeLaysTheExplorerOutSmallerInsideTheScreen() async throws {
    let backend = try await Fixture.store(in: temporaryDirectory(self))
    let (ending, runtime, screen) = try await play("resize 80 24\nexpect books\nkey Tab", backend: backend)
    XCTAssertEqual(ending, .quit)
    XCTAssertEqual(runtime.state.size, TerminalSize(width: 80, height: 24))
    let frame = try XCTUnwrap(screen.lastFrame)
    XCTAssertEqual(frame.width, 100, "the screen keeps its size")
    XCTAssertEqual(frame.height, 30)
    XCTAssertEqual(frame[79, 1].character, "┐", "the Collections pane ends at the layout's edge")
    XCTAssertEqual(frame[80, 1].character, " ", "nothing drawn right of the layout")
    await backend.close()
  }

  // MARK: - Recorder

  func testTheRecorderWritesTypePauseKeyAndWaitIdle() throws {
    let recorder = DemoRecorder()
    let start = ContinuousClock.now
    var time = start
    func press(_ key: Key, after gap: Duration = .milliseconds(100), call: Bool = false, line: Bool = false) {
      time += gap
      recorder.record(key, at: time, startedCall: call, commandLineWasOpen: line, quit: false)
    }
    press(.down)
    press(.down)
    press(.down, call: true)
    press(.character("/"))
    press(.character("b"))
    press(.character("o"), after: .milliseconds(1240))
    press(.character(" "))
    press(.enter)
    press(.character(" "))
    press(.character("e"), call: true)
    press(.character(":"))
    press(.character("q"), line: true)
    recorder.record(.enter, at: time, startedCall: false, commandLineWasOpen: true, quit: true)
    XCTAssertEqual(
      recorder.script.text,
      """
      key Down 3
      wait-idle
      type /b
      pause 1.2s
      type o
      key Space
      key Enter
      key Space
      type e
      wait-idle

      """)
    let file = recorder.scriptText(header: "recorded\nby a test")
    XCTAssertTrue(file.hasPrefix("# recorded\n# by a test\nkey Down 3\n"), file)
    XCTAssertEqual(try DemoScript.parse(file, file: "r").steps.count, 10)
  }

  func testRecordingTheLiveExplorerNotesTheCallsKeysStarted() async throws {
    let backend = try await Fixture.store(in: temporaryDirectory(self))
    let screen = MemoryScreen(size: size)
    let runtime = ExplorerRuntime(backend: backend, screen: screen, theme: .defaultDark)
    let recorder = DemoRecorder()
    runtime.demo.recorder = recorder
    runtime.start()
    await runtime.settle()
    let keys: [Key] = [.character("j"), .tab, .character("/"), .character("s"), .escape, .character(":")]
    for key in keys + [.character("q"), .enter] {
      runtime.receive(.key(key))
      await runtime.settle()
    }
    XCTAssertTrue(runtime.state.quitRequested)
    // Pauses depend on how fast the test ran; the rest does not. `:q` is left out.
    let lines = recorder.script.text.split(separator: "\n").filter { !$0.hasPrefix("pause ") }
    XCTAssertEqual(lines, ["type j", "wait-idle", "key Tab", "type /s", "key Esc"])
    await backend.close()
  }

  // MARK: - First-run offer

  func testAnEmptyStoreOffersTheDemoDataAndDCreatesIt() async throws {
    let backend = try EmbeddedBackend(directory: temporaryDirectory(self))
    let installer = DemoInstaller { store, progress in
      progress("colors: creating", 0.25)
      try await store.createCollection(
        CollectionSchema(
          name: "colors",
          fields: [
            FieldSchema(name: "id", type: .int64, isPrimary: true),
            FieldSchema(name: "lab", type: .floatVector, dim: 3),
          ]))
      progress("colors: done", 1)
    }
    let screen = MemoryScreen(size: size)
    let runtime = ExplorerRuntime(backend: backend, screen: screen, theme: .defaultDark, demoInstaller: installer)
    runtime.start()
    await runtime.settle()
    var text = try XCTUnwrap(screen.lastFrame).text
    XCTAssertTrue(text.contains("No collections yet. Press d to create the demo data"), text)
    XCTAssertTrue(text.contains("Welcome"))
    // The key is in the keymap (so help lists it); help hides the box, and d does nothing there.
    XCTAssertEqual(runtime.state.keymap.command(for: .character("d"), in: .welcome), .installDemo)
    runtime.handle(.key(.character("?")))
    runtime.handle(.key(.character("d")))
    XCTAssertFalse(runtime.state.isBusy)
    runtime.handle(.key(.escape))
    runtime.handle(.key(.character("d")))
    XCTAssertTrue(runtime.state.isBusy)
    while runtime.state.collections.isEmpty {
      runtime.drainInbox()
      try await Task.sleep(for: .milliseconds(2))
    }
    // The outcome shows until the new collection's description (started meanwhile) replaces it.
    XCTAssertEqual(runtime.state.status?.text, "created the demo data: colors")
    await runtime.settle()
    text = try XCTUnwrap(screen.lastFrame).text
    XCTAssertTrue(text.contains("1 Collections (1)"), text)
    XCTAssertFalse(text.contains("No collections yet"))
    let names = try await backend.listCollections().map(\.name)
    XCTAssertEqual(names, ["colors"])
    // With collections, d does nothing more.
    runtime.handle(.key(.character("d")))
    XCTAssertFalse(runtime.state.isBusy)
    await backend.close()
  }

  func testTheDemoCreationShowsProgressAndEscCancelsIt() async throws {
    let backend = try EmbeddedBackend(directory: temporaryDirectory(self))
    let started = Mutex(false)
    let installer = DemoInstaller { _, progress in
      progress("catalog: 5000/100000 rows", 0.3)
      started.withLock { $0 = true }
      try await Task.sleep(for: .seconds(60))
    }
    let screen = MemoryScreen(size: size)
    let runtime = ExplorerRuntime(backend: backend, screen: screen, theme: .defaultDark, demoInstaller: installer)
    runtime.start()
    await runtime.settle()
    runtime.handle(.key(.character("d")))
    while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(2)) }
    // The progress note arrives through the inbox like any result.
    while runtime.state.progressNotes.isEmpty {
      runtime.drainInbox()
      try await Task.sleep(for: .milliseconds(2))
    }
    runtime.draw()
    let text = try XCTUnwrap(screen.lastFrame).text
    XCTAssertTrue(text.contains("Creating the demo data"), text)
    XCTAssertTrue(text.contains("30% catalog: 5000/100000 rows"), text)
    XCTAssertTrue(text.contains("creating the demo data: "), text)
    runtime.handle(.key(.escape))
    await runtime.settle()
    XCTAssertEqual(runtime.state.status?.text, "cancelled creating the demo data")
    XCTAssertTrue(try XCTUnwrap(screen.lastFrame).text.contains("No collections yet"))
    await backend.close()
  }

  func testWithoutAnInstallerTheEmptyStoreOnlySaysSo() async throws {
    let backend = try EmbeddedBackend(directory: temporaryDirectory(self))
    let screen = MemoryScreen(size: size)
    let runtime = ExplorerRuntime(backend: backend, screen: screen, theme: .defaultDark)
    runtime.start()
    await runtime.settle()
    let text = try XCTUnwrap(screen.lastFrame).text
    XCTAssertTrue(text.contains("no collections in default"), text)
    XCTAssertFalse(text.contains("Press d"))
    runtime.handle(.key(.character("d")))
    XCTAssertFalse(runtime.state.isBusy)
    await backend.close()
  }
}
