import Engine
import Model
import XCTest

@testable import TUI

/// The search form, results and entity pages, driven by key sequences through the update
/// function; backend calls the update asks for are made on a real embedded store.
final class SearchTests: XCTestCase {
  private let small = TerminalSize(width: 80, height: 24)

  /// Performs the backend calls among `effects` as the runtime would, at a fixed latency;
  /// failures go to the status line.
  @discardableResult
  private func settle(_ state: inout ExplorerState, _ effects: [Effect], backend: any VectorBackend) async
    -> [Request]
  {
    await state.settle(effects, on: backend, latency: .microseconds(1_800))
  }

  private func searchRequests(_ effects: [Effect]) -> [SearchQuery] {
    effects.compactMap {
      if case .run(let operation) = $0, case .search(let query) = operation.request { return query }
      return nil
    }
  }

  private func statusRow(_ state: ExplorerState) -> String {
    String(state.frame.text.split(separator: "\n", omittingEmptySubsequences: false).last ?? "")
  }

  func testColourFieldsGetASwatchInTheirColour() async throws {
    let backend = try EmbeddedBackend(directory: temporaryDirectory(self))
    try await backend.createCollection(
      CollectionSchema(
        name: "swatches",
        fields: [
          FieldSchema(name: "id", type: .int64, isPrimary: true),
          FieldSchema(name: "hex", type: .varChar, maxLength: 7),
          FieldSchema(name: "lab", type: .floatVector, dim: 3),
        ]))
    let colours: [(Int64, String, [Float])] = [
      (1, "#ff0000", [53, 80, 67]), (2, "#00ff00", [88, -86, 83]), (3, "#0000ff", [32, 79, -108]),
    ]
    _ = try await backend.insert(
      "swatches", rows: colours.map { ["id": .int($0.0), "hex": .string($0.1), "lab": .floatVector($0.2)] },
      partition: nil)
    var state = try await loadedState(backend: backend, size: small)
    state.press(.character("s"), .left, .tab)
    state.type("[53, 80, 67]")
    await settle(&state, state.press(.enter), backend: backend)
    await backend.close()
    XCTAssertEqual(state.results?.hits.first?.id, .int(1))
    let frame = state.frame
    let lines = frame.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    for (_, hex, _) in colours {
      let y = try XCTUnwrap(lines.firstIndex { $0.contains("██ \(hex)") }, "no swatch for \(hex)")
      let x = DisplayWidth.of(String(lines[y][..<lines[y].range(of: "██")!.lowerBound]))
      let number = UInt32(hex.dropFirst(), radix: 16)!
      let expected = TerminalColor.rgb(UInt8(number >> 16), UInt8(number >> 8 & 0xFF), UInt8(number & 0xFF))
      XCTAssertEqual(frame[x, y].style.foreground, expected, hex)
      XCTAssertEqual(frame[x + 1, y].style.foreground, expected, hex)
      XCTAssertNotEqual(frame[x + 3, y].style.foreground, expected, "only the swatch is coloured")
    }
  }

  func testMetricAndPartitionsComeLastAndGoIntoTheRequest() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    state.press(.character("s"))
    XCTAssertTrue(state.frame.text.contains("metric      index's (COSINE)   L2   IP   COSINE"), state.frame.text)
    XCTAssertTrue(state.frame.text.contains("partitions all partitions"), state.frame.text)
    // Shift-Tab from the first field wraps to the last two: partitions, then metric.
    state.press(.backTab)
    XCTAssertEqual(state.searchForm?.field, .partitions)
    state.type("_default")
    state.press(.backTab)
    XCTAssertEqual(state.searchForm?.field, .metric)
    state.press(.right, .right)
    XCTAssertEqual(state.searchForm?.metricChoice, .ip)
    state.press(.right)
    XCTAssertEqual(state.searchForm?.metricChoice, .cosine)
    state.press(.right)
    XCTAssertNil(state.searchForm?.metricChoice, "the choices wrap round to the index's metric")
    state.press(.left)
    XCTAssertEqual(state.searchForm?.metricChoice, .cosine)
    let effects = state.press(.enter)
    let query = try XCTUnwrap(searchRequests(effects).first)
    XCTAssertEqual(query.request.metric, .cosine)
    XCTAssertEqual(query.request.partitions, ["_default"])
    await settle(&state, effects, backend: backend)
    XCTAssertEqual(state.results?.hits.count, 10, "the search ran in the named partition")

    // A partition that does not exist is the backend's error, on the status line.
    state.press(.character("s"))
    for _ in 0..<FormField.allCases.count where state.searchForm?.field != .partitions { state.press(.tab) }
    XCTAssertEqual(state.searchForm?.field, .partitions)
    state.type(",nowhere")
    await settle(&state, state.press(.enter), backend: backend)
    await backend.close()
    XCTAssertEqual(state.status?.isError, true)
    XCTAssertTrue(state.status?.text.contains("partition not found") == true, statusRow(state))
    XCTAssertTrue(state.status?.text.contains("nowhere") == true, state.status?.text ?? "")
  }

  func testBadFilterIsShownWithItsColumnThenTheFixedFormRuns() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    state.press(.character("s"))
    var form = try XCTUnwrap(state.searchForm, "s opens the form on the selected collection")
    XCTAssertEqual(form.collection, "books")
    XCTAssertEqual(form.field, .source)
    XCTAssertEqual(form.source, .random)
    XCTAssertNil(form.paramName, "a FLAT index takes neither ef nor nprobe")
    state.press(.left)
    XCTAssertEqual(state.searchForm?.source, .literal)
    state.press(.tab)
    XCTAssertEqual(state.searchForm?.field, .value)
    let vector = (0..<16).map { Float($0 % 4) / 4 }
    state.type("[" + vector.map { String($0) }.joined(separator: ", ") + "]")
    state.press(.tab)
    XCTAssertEqual(state.searchForm?.field, .topK, "one vector field: nothing to choose, Tab skips it")
    state.press(.backspace, .backspace)
    state.type("5")
    state.press(.tab)
    XCTAssertEqual(state.searchForm?.field, .filter)
    // Checked as typed: a number compared with text, then a broken expression.
    state.type("title > 2000")
    form = try XCTUnwrap(state.searchForm)
    XCTAssertNotNil(form.filterProblem)
    for _ in 0..<12 { state.press(.backspace) }
    XCTAssertNil(state.searchForm?.filterProblem, "an empty filter is valid")
    state.type("year > 2000 and")
    form = try XCTUnwrap(state.searchForm)
    let problem = try XCTUnwrap(form.filterProblem)
    XCTAssertEqual(problem.column, 16, problem.message)
    let lines = state.frame.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let filterLine = try XCTUnwrap(lines.firstIndex { $0.contains("▸ filter     year > 2000 and") })
    let textStart = try XCTUnwrap(lines[filterLine].range(of: "year > 2000 and"))
    let caretLine = lines[filterLine + 1]
    let caretColumn = DisplayWidth.of(String(caretLine[..<caretLine.firstIndex(of: "^")!]))
    let textColumn = DisplayWidth.of(String(lines[filterLine][..<textStart.lowerBound]))
    XCTAssertEqual(caretColumn - textColumn, 15, "the caret sits under column 16 of the filter")
    XCTAssertTrue(lines[filterLine + 2].contains("column 16: expected a value after 'and'"), lines[filterLine + 2])
    // Running is refused while the filter is invalid.
    XCTAssertEqual(state.press(.enter), [])
    XCTAssertEqual(state.status?.isError, true)
    XCTAssertTrue(state.searchForm?.error?.hasPrefix("fix the filter first") == true)
    state.type(" tags[0] == \"fiction\"")
    XCTAssertNil(state.searchForm?.filterProblem)
    state.press(.backTab, .tab)
    let effects = state.press(.enter)
    let query = try XCTUnwrap(searchRequests(effects).first)
    XCTAssertEqual(
      query.request,
      SearchRequest(
        collection: "books", vectors: [vector], vectorField: "embedding", topK: 5,
        filter: "year > 2000 and tags[0] == \"fiction\"", outputFields: ["title", "tags", "year"]))
    XCTAssertNil(query.like)
    XCTAssertEqual(query.metric, .cosine)
    XCTAssertTrue(statusRow(state).contains("searching books…  Esc cancels"))
    // The answer closes the form and shows the results.
    await settle(&state, effects, backend: backend)
    await backend.close()
    XCTAssertNil(state.searchForm)
    XCTAssertEqual(state.page, .results)
    let results = try XCTUnwrap(state.results)
    XCTAssertEqual(results.hits.count, 5)
    let text = state.frame.text
    XCTAssertTrue(text.contains("Results · books"), text)
    XCTAssertTrue(text.contains("SCORE"), text)
    XCTAssertTrue(text.contains(results.hits[0].id.description))
    XCTAssertTrue(statusRow(state).contains("5 hits in books, top 5 by COSINE · 1.8 ms"), statusRow(state))
    // s reopens the form as it was left, with "more like this" set to the selected row.
    state.press(.character("s"))
    XCTAssertEqual(state.searchForm?.source, .entity)
    XCTAssertEqual(state.searchForm?.entityID, results.hits[0].id.description)
    XCTAssertEqual(state.searchForm?.topK, "5")
  }

  func testEscCancelsARunningSearchThenClosesTheForm() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    await backend.close()
    state.press(.character("s"))
    guard case .run(let operation)? = state.press(.enter).first else { return XCTFail("Enter runs a random search") }
    XCTAssertEqual(searchRequests([.run(operation)]).first?.request.vectors.first?.count, 16)
    XCTAssertEqual(state.press(.escape), [.cancel(operation.id)], "Esc cancels the running search's task")
    XCTAssertNotNil(state.searchForm, "the form stays to change the search")
    XCTAssertEqual(state.status?.text, "cancelled searching books")
    // A late answer is ignored.
    state.update(
      .completed(
        operation.id, .search(operation.searchQuery!, vector: [], hits: [SearchHit(id: .int(1), distance: 0)]),
        latency: .zero))
    XCTAssertNil(state.results)
    state.press(.escape)
    XCTAssertNil(state.searchForm, "a second Esc closes the form")
    XCTAssertEqual(state.page, .browser)
    state.press(.character(":"))
    state.type("search")
    state.press(.enter)
    XCTAssertEqual(state.searchForm?.source, .random, ":search opens the form as it was left")
  }

  func testVectorOfTheWrongDimensionIsRefusedAndBackendErrorsReachTheStatusLine() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    state.press(.character("s"), .left, .tab)
    state.type("[0.1, 0.2, 0.3]")
    XCTAssertEqual(state.press(.enter), [])
    XCTAssertEqual(state.searchForm?.error, "the vector has 3 values; embedding has dim 16")
    XCTAssertTrue(state.frame.text.contains("✗ the vector has 3 values; embedding has dim 16"))
    state.press(.escape)
    // The released collection: the backend refuses, the explorer says so and goes on.
    let released = try await loadedState(backend: backend, size: small)
    state = released
    await settle(&state, state.press(.end), backend: backend)
    state.press(.character("s"))
    XCTAssertEqual(state.searchForm?.collection, "user_profiles_with_a_long_name")
    XCTAssertEqual(state.searchForm?.vectorField, "face")
    state.press(.tab)
    XCTAssertEqual(state.searchForm?.field, .vectorField, "several vector fields: a choice")
    state.press(.right)
    XCTAssertEqual(state.searchForm?.vectorField, "profile")
    let effects = state.press(.enter)
    XCTAssertEqual(searchRequests(effects).first?.request.vectors.first?.count, 8)
    await settle(&state, effects, backend: backend)
    await backend.close()
    XCTAssertEqual(state.status?.isError, true)
    XCTAssertTrue(
      state.status?.text.hasPrefix("search in user_profiles_with_a_long_name failed: collection not loaded") == true,
      "\(String(describing: state.status))")
    XCTAssertTrue(statusRow(state).contains("✗ search in user_profiles_with_a_long_name failed: collection"))
    XCTAssertNotNil(state.searchForm, "the form stays open to try again")
    XCTAssertEqual(state.page, .browser)
  }

  func testMoreLikeThisHopsFromResultToEntityToNeighbours() async throws {
    let (backend, _) = try await Fixture.store(self)
    var state = try await loadedState(backend: backend, size: small)
    state.press(.character("s"))
    await settle(&state, state.press(.enter), backend: backend)
    let first = try XCTUnwrap(state.results)
    XCTAssertEqual(first.hits.count, 10)
    // m on a result row: the row's vector is fetched, then searched with.
    state.press(.character("j"))
    let hit = first.hits[1]
    var effects = state.press(.character("m"))
    var query = try XCTUnwrap(searchRequests(effects).first)
    XCTAssertEqual(query.like, hit.id)
    XCTAssertEqual(query.request.vectors, [])
    XCTAssertEqual(query.request.vectorField, "embedding")
    XCTAssertEqual(query.request.topK, 10)
    await settle(&state, effects, backend: backend)
    let second = try XCTUnwrap(state.results)
    XCTAssertEqual(second.query.source, "more like this: \(hit.id)")
    // An entity is its own nearest neighbour (with the fixture's copies of its vector).
    XCTAssertEqual(Double(second.hits.first?.distance ?? 0), 1, accuracy: 1e-5)
    XCTAssertTrue(second.hits.prefix(while: { $0.distance == second.hits[0].distance }).contains { $0.id == hit.id })
    XCTAssertEqual(state.resultsHistory.count, 1)
    // Enter opens the entity with every field and a preview of its vector.
    state.press(.character("j"))
    let neighbour = second.hits[1]
    effects = state.press(.enter)
    XCTAssertEqual(state.page, .entity)
    XCTAssertTrue(state.frame.text.contains("loading \(neighbour.id)…"))
    let requests = await settle(&state, effects, backend: backend)
    XCTAssertEqual(requests, [.entity(collection: "books", id: neighbour.id)])
    let row = try XCTUnwrap(state.entity?.row)
    guard case .floatVector(let vector)? = row["embedding"] else { return XCTFail("the entity has its vector") }
    let text = state.frame.text
    XCTAssertTrue(text.contains("Entity · books · \(neighbour.id)"), text)
    XCTAssertTrue(text.contains("dim 16"), text)
    XCTAssertTrue(text.contains(VectorLiteral.preview(vector, width: 12).dropLast(2)), text)
    XCTAssertEqual(state.entityRows.map(\.name), Fixture.books.fields.map(\.name))
    // m on the entity searches with the vector it holds: no fetch needed.
    effects = state.press(.character("m"))
    query = try XCTUnwrap(searchRequests(effects).first)
    XCTAssertNil(query.like)
    XCTAssertEqual(query.request.vectors, [vector])
    await settle(&state, effects, backend: backend)
    await backend.close()
    XCTAssertEqual(state.page, .results)
    XCTAssertEqual(Double(state.results?.hits.first?.distance ?? 0), 1, accuracy: 1e-5)
    XCTAssertEqual(state.resultsHistory.count, 2)
    // Esc goes back through the earlier results, then to the browser.
    state.press(.escape)
    XCTAssertEqual(state.results?.query.source, "more like this: \(hit.id)")
    state.press(.escape)
    XCTAssertEqual(state.results?.query.source, "random vector")
    state.press(.escape)
    XCTAssertEqual(state.page, .browser)
  }

  func testMoreLikeThisNeedsARow() {
    var state = ExplorerState(size: small)
    XCTAssertEqual(state.press(.character("m")), [])
    XCTAssertEqual(state.status?.isError, true)
    state.press(.character("s"))
    XCTAssertNil(state.searchForm)
    XCTAssertEqual(state.status?.text, "select a collection to search")
  }

  func testVectorLiteralsAndNumbers() {
    XCTAssertEqual(try VectorLiteral.parse("[1, 2.5,-3]").get(), [1, 2.5, -3])
    XCTAssertEqual(try VectorLiteral.parse("0.5 0.25").get(), [0.5, 0.25])
    XCTAssertEqual(VectorLiteral.parse("[1, x]").failureMessage, "value 2 of the vector is not a number: x")
    XCTAssertEqual(VectorLiteral.parse("[]").failureMessage, "paste a vector such as [0.1, 0.2, …]")
    XCTAssertEqual(VectorLiteral.preview([0.1534, 2, -0.5], width: 40), "[0.153, 2, -0.5]")
    XCTAssertEqual(VectorLiteral.preview([0.1534, 2, -0.5], width: 12), "[0.153, …]")
    XCTAssertEqual(NumberText.fixed(0.98765, digits: 4), "0.9877")
    XCTAssertEqual(NumberText.fixed(-12, digits: 2), "-12.00")
  }
}

extension TUI.Operation {
  var searchQuery: SearchQuery? {
    if case .search(let query) = request { return query }
    return nil
  }
}

extension Result where Failure == InputProblem {
  var failureMessage: String? {
    if case .failure(let problem) = self { return problem.message }
    return nil
  }
}
