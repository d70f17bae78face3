import Engine
import Model
import XCTest

@testable import TUI

/// Mouse presses and the wheel, fed to the update function as the ncurses screen reports them.
final class MouseTests: XCTestCase {
  private let small = TerminalSize(width: 80, height: 24)

  /// Performs the backend calls among `effects` as the runtime would, at a fixed latency; a
  /// failing call throws.
  @discardableResult
  private func settle(_ state: inout ExplorerState, _ effects: [Effect], backend: any VectorBackend) async throws
    -> [Request]
  {
    try await state.perform(effects, on: backend, latency: .microseconds(1_000))
  }

  func testPressFocusesAndSelectsAndTheWheelScrolls() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    let layout = Layout(size: small)
    // The Collections pane: its border, then the column headers, then the rows.
    let firstRow = layout.collections.y + 2
    var effects = state.update(.mouse(MouseEvent(.press, x: 10, y: firstRow + 1)))
    XCTAssertEqual(state.selectedCollection?.name, "songs", "a press selects the row under it")
    try await settle(&state, effects, backend: backend)
    state.update(.mouse(MouseEvent(.press, x: 10, y: firstRow + 5)))
    XCTAssertEqual(state.selectedCollection?.name, "songs", "below the last row: nothing changes")
    state.update(.mouse(MouseEvent(.press, x: layout.index.x + 3, y: layout.index.y + 3)))
    XCTAssertEqual(state.focus, .index, "a press focuses the pane under it")
    state.update(.mouse(MouseEvent(.press, x: layout.schema.x + 3, y: layout.schema.y + 4)))
    XCTAssertEqual(state.focus, .schema)
    XCTAssertEqual(state[cursor: .schema].selected, 2)
    state.update(.mouse(MouseEvent(.wheelDown, x: layout.schema.x + 3, y: layout.schema.y + 4)))
    XCTAssertEqual(state[cursor: .schema].selected, 3, "songs has 4 fields: the wheel stops at the last")
    effects = state.update(.mouse(MouseEvent(.wheelDown, x: 10, y: firstRow)))
    XCTAssertEqual(state.selectedCollection?.name, "user_profiles_with_a_long_name")
    try await settle(&state, effects, backend: backend)
    effects = state.update(.mouse(MouseEvent(.wheelUp, x: 10, y: firstRow)))
    XCTAssertEqual(state.selectedCollection?.name, "books")
    try await settle(&state, effects, backend: backend)
    // The entity browser's rows start below the filter, the count and the column headers.
    try await settle(&state, state.press(.character("e")), backend: backend)
    state.update(.mouse(MouseEvent(.press, x: 20, y: layout.body.y + 4 + 2)))
    XCTAssertEqual(state.entityBrowser?.cursor.selected, 2)
    XCTAssertEqual(state.selectedBrowserID, .int(9_780_000_000_002))
    state.update(.mouse(MouseEvent(.wheelDown, x: 20, y: layout.body.y + 6)))
    XCTAssertEqual(state.entityBrowser?.cursor.selected, 5)
    // Typing into the command line: the mouse does nothing.
    state.press(.character(":"))
    state.update(.mouse(MouseEvent(.press, x: 20, y: layout.body.y + 4)))
    await backend.close()
    XCTAssertEqual(state.entityBrowser?.cursor.selected, 5)
  }
}
