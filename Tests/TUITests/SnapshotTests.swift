import Engine
import Model
import XCTest

@testable import TUI

/// Every pane and the help screen at the smallest and a roomy terminal, compared with reviewed
/// snapshots (text plus a style map). The data comes from a real embedded store.
final class SnapshotTests: XCTestCase {
  static let sizes = [TerminalSize(width: 80, height: 24), TerminalSize(width: 120, height: 40)]

  /// The fixture store, listed and described, with a stable address in the header (and wide
  /// characters in it, so the header's truncation is exercised too).
  private func fixtureState(size: TerminalSize) async throws -> ExplorerState {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: size)
    state.server?.address = "/srv/ベクトル/vscope-data"
    await backend.close()
    return state
  }

  private func name(_ base: String, _ size: TerminalSize) -> String { "\(base)-\(size.width)x\(size.height)" }

  func testCollectionsPane() async throws {
    for size in Self.sizes {
      let state = try await fixtureState(size: size)
      XCTAssertEqual(state.focus, .collections)
      Snapshot.assertMatches(state.frame, named: name("collections", size))
    }
  }

  func testSchemaPane() async throws {
    for size in Self.sizes {
      var state = try await fixtureState(size: size)
      state.press(.tab, .character("j"), .character("j"))
      XCTAssertEqual(state.focus, .schema)
      Snapshot.assertMatches(state.frame, named: name("schema", size))
    }
  }

  func testIndexPane() async throws {
    for size in Self.sizes {
      let (backend, _) = try await Fixture.store(self)
      var state = try await loadedState(backend: backend, size: size)
      state.server?.address = "/srv/ベクトル/vscope-data"
      // Select the collection with an index and an unindexed vector field; its detail loads.
      for effect in state.press(.end, .character("3")) {
        guard case .run(let operation) = effect else { continue }
        let result = try await ExplorerRuntime.perform(operation.request, on: backend)
        state.update(.completed(operation.id, result, latency: .milliseconds(12)))
      }
      await backend.close()
      XCTAssertEqual(state.focus, .index)
      XCTAssertEqual(state.indexRows.count, 2)
      Snapshot.assertMatches(state.frame, named: name("index", size))
      state.press(.character("j"))
      Snapshot.assertMatches(state.frame, named: name("index-unindexed", size))
    }
  }

  func testHelpScreen() async throws {
    for size in Self.sizes {
      var state = try await fixtureState(size: size)
      state.press(.character("?"))
      Snapshot.assertMatches(state.frame, named: name("help", size))
    }
  }

  func testDropConfirmationDialog() async throws {
    for size in Self.sizes {
      var state = try await fixtureState(size: size)
      state.press(.character(":"))
      state.type("drop")
      state.press(.enter)
      XCTAssertEqual(state.confirmDrop, "books")
      state.type("boo")
      Snapshot.assertMatches(state.frame, named: name("drop-confirm", size))
    }
  }

  func testWelcomeOnAnEmptyStore() async throws {
    for size in Self.sizes {
      let directory = temporaryDirectory(self)
      let backend = try EmbeddedBackend(directory: directory)
      var state = ExplorerState(size: size)
      state.demoInstaller = DemoInstaller { _, _ in }
      try await state.perform(state.update(.start), on: backend, latency: .microseconds(2_400))
      await backend.close()
      state.server?.address = "/srv/empty"
      XCTAssertTrue(state.showsWelcome)
      Snapshot.assertMatches(state.frame, named: name("welcome", size))
    }
  }

  func testFilterWhileTyping() async throws {
    for size in Self.sizes {
      var state = try await fixtureState(size: size)
      state.press(.character("/"))
      state.type("so")
      Snapshot.assertMatches(state.frame, named: name("filter", size))
    }
  }

  func testTooSmall() async throws {
    var state = try await fixtureState(size: TerminalSize(width: 80, height: 24))
    state.update(.resize(TerminalSize(width: 79, height: 23)))
    Snapshot.assertMatches(state.frame, named: "too-small-79x23")
  }

  func testBackendErrorInTheStatusLine() async throws {
    for size in Self.sizes {
      var state = try await fixtureState(size: size)
      guard case .run(let operation)? = state.press(.character("r")).first else {
        return XCTFail("r starts a listing")
      }
      // The detail of the selected collection is asked for again after a refresh; fail both.
      state.update(
        .failed(operation.id, message: "checksum mismatch in /srv/data/books/manifest", latency: .milliseconds(7)))
      for id in state.operations.keys.sorted() {
        state.update(.failed(id, message: "the file /srv/data/books/seg-1.vss is corrupt", latency: .milliseconds(3)))
      }
      Snapshot.assertMatches(state.frame, named: "error-\(size.width)x\(size.height)")
    }
  }

  /// The index of the Index-pane snapshots below.
  static let hnswSpec = IndexSpec(
    fieldName: "dense", indexType: "HNSW", metric: .l2, params: ["M": .int(16), "efConstruction": .int(200)])

  /// What a Milvus server reports while it builds an HNSW index: params, progress, pending rows.
  func testIndexBuildInProgress() {
    let building = IndexStatus(
      spec: Self.hnswSpec,
      state: .inProgress, indexedRows: 613_000, totalRows: 1_000_000, pendingIndexRows: 387_000)
    for size in Self.sizes {
      Snapshot.assertMatches(
        indexState(size: size, kind: "milvus", status: building).frame,
        named: "index-building-\(size.width)x\(size.height)")
    }
  }

  /// A built index: the embedded store says what its structures take, Milvus does not.
  func testIndexMemory() {
    var built = IndexStatus(
      spec: Self.hnswSpec,
      state: .finished, indexedRows: 1_000_000, totalRows: 1_000_000, memoryBytes: 146_800_640)
    for size in Self.sizes {
      Snapshot.assertMatches(
        indexState(size: size, kind: "embedded", status: built).frame,
        named: "index-memory-\(size.width)x\(size.height)")
    }
    built.memoryBytes = nil
    let frame = indexState(size: Self.sizes[0], kind: "milvus", status: built).frame
    XCTAssertTrue(frame.text.contains("memory  not reported"), frame.text)
  }

  /// The Index pane focused on one collection `docs` with one index, as `kind` reports it.
  private func indexState(size: TerminalSize, kind: String, status: IndexStatus) -> ExplorerState {
    var state = ExplorerState(size: size)
    state.server = ServerInfo(
      kind: kind, version: "2.4.13", address: "localhost:19530", indexTypes: [], metrics: [])
    state.database = "default"
    let schema = CollectionSchema(
      name: "docs",
      fields: [
        FieldSchema(name: "pk", type: .varChar, isPrimary: true, maxLength: 36),
        FieldSchema(name: "dense", type: .floatVector, dim: 768),
      ])
    state.collections = [
      CollectionSummary(
        info: CollectionInfo(name: "docs", entityCount: 1_000_000, loadState: .loading), indexTypes: ["HNSW"])
    ]
    state.collectionsListed = true
    state.details["docs"] = .loaded(CollectionDetail(schema: schema, indexes: [status]))
    state.update(.key(.character("3")))
    return state
  }

  func testDefaultThemeStylesAreDistinct() {
    let styles = StyleKey.allCases.map { Theme.defaultDark[$0] }
    XCTAssertEqual(Set(styles).count, styles.count, "the style maps need one style per key")
    XCTAssertFalse(styles.contains(.plain))
  }
}
