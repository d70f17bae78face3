import Engine
import Model
import XCTest

@testable import TUI

/// The search form (valid, and with a filter error), the results page and the entity page at
/// the smallest and a roomy terminal, compared with reviewed snapshots.
final class SearchSnapshotTests: XCTestCase {
  private func name(_ base: String, _ size: TerminalSize) -> String { "\(base)-\(size.width)x\(size.height)" }

  /// The fixture store listed, with the search form open on books: a pasted vector, top 5,
  /// and `filter` typed into the filter field.
  private func formState(size: TerminalSize, filter: String) async throws -> (ExplorerState, EmbeddedBackend) {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: size)
    state.server?.address = "/srv/ベクトル/vscope-data"
    state.press(.character("s"), .left, .tab)
    state.type("[" + (0..<16).map { String(Float($0 % 4) / 4) }.joined(separator: ", ") + "]")
    state.press(.tab, .backspace, .backspace)
    state.type("5")
    state.press(.tab)
    state.type(filter)
    return (state, backend)
  }

  /// Performs the backend calls among `effects` as the runtime would, at a fixed latency; a
  /// failing call throws.
  @discardableResult
  private func settle(_ state: inout ExplorerState, _ effects: [Effect], backend: any VectorBackend) async throws
    -> [Request]
  {
    try await state.perform(effects, on: backend, latency: .microseconds(3_100))
  }

  func testSearchForm() async throws {
    for size in SnapshotTests.sizes {
      let (state, backend) = try await formState(size: size, filter: "year > 2000")
      await backend.close()
      XCTAssertNil(state.searchForm?.filterProblem)
      Snapshot.assertMatches(state.frame, named: name("search-form", size))
    }
  }

  func testSearchFormWithAFilterError() async throws {
    for size in SnapshotTests.sizes {
      let (state, backend) = try await formState(size: size, filter: "year > 2000 and title > 3")
      await backend.close()
      XCTAssertEqual(state.searchForm?.filterProblem?.column, 23)
      Snapshot.assertMatches(state.frame, named: name("search-form-filter-error", size))
    }
  }

  func testResultsAndEntity() async throws {
    for size in SnapshotTests.sizes {
      var (state, backend) = try await formState(size: size, filter: "year > 2000")
      try await settle(&state, state.press(.enter), backend: backend)
      XCTAssertEqual(state.page, .results)
      Snapshot.assertMatches(state.frame, named: name("search-results", size))
      try await settle(&state, state.press(.character("j"), .enter), backend: backend)
      await backend.close()
      XCTAssertEqual(state.page, .entity)
      Snapshot.assertMatches(state.frame, named: name("search-entity", size))
    }
  }
}
