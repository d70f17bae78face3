import Engine
import Model
import XCTest

@testable import TUI

/// `:theme NAME` switches the theme while the explorer runs; a bad name is an error in the
/// status line and nothing else changes.
final class ThemeCommandTests: XCTestCase {
  private let size = TerminalSize(width: 100, height: 30)

  private func statusLine(_ frame: CellBuffer) -> String {
    String(frame.text.split(separator: "\n", omittingEmptySubsequences: false).last ?? "")
  }

  func testTheUpdateFunctionAsksForTheThemeAndAppliesTheAnswer() throws {
    var state = ExplorerState(size: size)
    state.press(.character(":"))
    state.type("theme nord")
    XCTAssertEqual(state.press(.enter), [.loadTheme("nord")])
    XCTAssertEqual(state.theme, .defaultDark, "nothing changes until the theme is read")
    let nord = try ThemeCatalog(userDirectory: nil).load("nord")
    state.update(.themeLoaded(nord))
    XCTAssertEqual(state.theme, nord)
    XCTAssertEqual(state.status, StatusMessage("theme nord"))
    XCTAssertEqual(state.frame.text, ExplorerView.render(state, theme: nord).text)

    state.update(.themeFailed("unknown theme \"nope\""))
    XCTAssertEqual(state.theme, nord, "a failure keeps the theme")
    XCTAssertEqual(state.status, StatusMessage("unknown theme \"nope\"", isError: true))

    state.press(.character(":"))
    state.type("theme")
    XCTAssertEqual(state.press(.enter), [])
    XCTAssertTrue(state.status?.text.hasPrefix("theme nord; :theme NAME switches (built-in: default, light,") == true)
  }

  @MainActor
  func testThemeSwitchesLiveAndABadNameIsAStatusError() async throws {
    let backend = try await Fixture.store(in: temporaryDirectory(self))
    let screen = MemoryScreen(size: size)
    let runtime = ExplorerRuntime(backend: backend, screen: screen, theme: .defaultDark)
    runtime.start()
    await runtime.settle()
    var frame = try XCTUnwrap(screen.lastFrame)
    XCTAssertEqual(frame[0, 0].style, Theme.defaultDark[.header])

    for key in ":theme nord" { runtime.handle(.key(.character(key))) }
    runtime.handle(.key(.enter))
    await runtime.settle()
    frame = try XCTUnwrap(screen.lastFrame)
    let nord = try ThemeCatalog(userDirectory: nil).load("nord").forTerminal(colors: 256)
    XCTAssertEqual(runtime.theme, nord)
    XCTAssertEqual(frame[0, 0].style, nord[.header], "the header is drawn in nord's colours")
    XCTAssertEqual(frame[0, 0].style.background, .palette(67), "#5e81ac on 256 colours")
    XCTAssertTrue(statusLine(frame).contains("✓ theme nord"), statusLine(frame))

    for key in ":theme nope" { runtime.handle(.key(.character(key))) }
    runtime.handle(.key(.enter))
    await runtime.settle()
    frame = try XCTUnwrap(screen.lastFrame)
    XCTAssertEqual(runtime.theme, nord, "the theme stays")
    XCTAssertTrue(statusLine(frame).contains("✗ unknown theme \"nope\" (available: default,"), statusLine(frame))
    XCTAssertEqual(frame[1, frame.height - 1].style, nord[.error])
    // Still running: keys work.
    runtime.handle(.key(.character("j")))
    await runtime.settle()
    XCTAssertEqual(runtime.state.selectedCollection?.name, "songs")
    XCTAssertFalse(runtime.state.quitRequested)
    await backend.close()
  }

  @MainActor
  func testWithoutColoursAThemeKeepsOnlyAttributes() async throws {
    let backend = try await Fixture.store(in: temporaryDirectory(self))
    let screen = MemoryScreen(size: size)
    let runtime = ExplorerRuntime(backend: backend, screen: screen, theme: .monochrome, colors: 0)
    runtime.start()
    await runtime.settle()
    for key in ":theme gruvbox-dark" { runtime.handle(.key(.character(key))) }
    runtime.handle(.key(.enter))
    await runtime.settle()
    XCTAssertEqual(runtime.theme.name, "gruvbox-dark (no colour)")
    let frame = try XCTUnwrap(screen.lastFrame)
    for y in 0..<frame.height {
      for x in 0..<frame.width {
        XCTAssertEqual(frame[x, y].style.foreground, .default)
        XCTAssertEqual(frame[x, y].style.background, .default)
      }
    }
    XCTAssertEqual(frame[0, 0].style.attributes, [.bold, .reverse], "the header bar is reversed")
    await backend.close()
  }

  @MainActor
  func testAStartupProblemStaysInTheStatusLineUntilAKey() async throws {
    let backend = try await Fixture.store(in: temporaryDirectory(self))
    let screen = MemoryScreen(size: size)
    let notice = "themes/x.toml: styles.header.fg: unknown colour \"blu\" (line 7); using the default theme"
    let runtime = ExplorerRuntime(backend: backend, screen: screen, theme: .defaultDark, notices: [notice])
    runtime.start()
    await runtime.settle()
    let status = statusLine(try XCTUnwrap(screen.lastFrame))
    XCTAssertTrue(status.contains("✗ themes/x.toml: styles.header.fg: unknown colour"), status)
    XCTAssertEqual(runtime.state.status, StatusMessage(notice, isError: true))
    runtime.handle(.key(.character("j")))
    await runtime.settle()
    XCTAssertEqual(runtime.state.status?.text.hasPrefix("described songs"), true, "gone after a key")
    await backend.close()
  }
}
