import Model

/// Measurements of the explorer on the in-memory screen, for `vscope bench-tui`: how long a
/// frame takes to render, how long a key takes from update to a rendered frame, and how long
/// the explorer takes from start to its first frame with the collections listed.
public enum ExplorerBenchmark {
  /// One measurement: the durations of its samples.
  public struct Timing: Sendable {
    public var name: String
    public var samples: [Duration]

    public init(name: String, samples: [Duration]) {
      self.name = name
      self.samples = samples
    }

    /// The median, in milliseconds.
    public var medianMilliseconds: Double { percentile(0.5) }
    /// The 99th percentile, in milliseconds.
    public var p99Milliseconds: Double { percentile(0.99) }
    /// The slowest sample, in milliseconds.
    public var maxMilliseconds: Double { percentile(1) }

    /// The `fraction` quantile (nearest rank), in milliseconds.
    public func percentile(_ fraction: Double) -> Double {
      guard !samples.isEmpty else { return 0 }
      let sorted = samples.sorted()
      let rank = min(sorted.count - 1, max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))
      return milliseconds(sorted[rank])
    }
  }

  /// What the measurements found besides timings (page sizes, counts), by name.
  public struct Report: Sendable {
    public var timings: [Timing] = []
    public var facts: [(name: String, value: String)] = []
  }

  /// Renders and drives the explorer on `backend` (which must hold `bigCollection` and many
  /// others): the collections list, the entity browser on `bigCollection`, and a search's
  /// results page; `frames` renders of each, and keys over the collections list.
  @MainActor
  public static func measure(
    backend: any VectorBackend, bigCollection: String, size: TerminalSize, frames: Int
  ) async throws -> Report {
    var report = Report()
    var driver = Driver(size: size, backend: backend)
    try await driver.run(driver.state.update(.resize(size)) + driver.state.update(.start))
    report.facts.append(("collections listed", String(driver.state.collections.count)))

    report.timings.append(driver.renderTiming("render: collections list", frames: frames))

    // Keys over the list: each timed from the update to the rendered frame; the calls the key
    // asked for (the selected collection's detail) are then made, untimed, as the runtime would.
    let moves: [Key] =
      Array(repeating: .character("j"), count: frames / 4) + Array(repeating: .character("k"), count: frames / 4)
    report.timings.append(try await driver.keyTiming("key→frame: j/k in the list", keys: moves))
    report.timings.append(
      try await driver.keyTiming(
        "key→frame: PgDn/PgUp in the list",
        keys: Array(repeating: .pageDown, count: frames / 8) + Array(repeating: .pageUp, count: frames / 8)))
    var typing: [Key] = []
    while typing.count < frames / 2 {
      typing += [.character("/")] + "col_09".map { .character($0) } + [.escape]
    }
    report.timings.append(try await driver.keyTiming("key→frame: / filter typing", keys: typing))

    // The entity browser on the big collection: only the visible page is fetched.
    try await driver.run(driver.press(.character("/")))
    for character in bigCollection { try await driver.run(driver.press(.character(character))) }
    try await driver.run(driver.press(.enter))
    guard driver.state.selectedCollection?.name == bigCollection else {
      throw BenchmarkError("\(bigCollection) is not in the list")
    }
    let browse = driver.press(.character("e"))
    for case .run(let operation) in browse {
      if case .rows(let query) = operation.request {
        report.facts.append(("browser page: rows fetched per page", String(query.limit)))
      }
    }
    let clock = ContinuousClock()
    let fetchStart = clock.now
    try await driver.run(browse)
    report.facts.append(("browser: first page + count(*) fetched (ms)", format(milliseconds(clock.now - fetchStart))))
    report.timings.append(driver.renderTiming("render: entity browser (1M)", frames: frames))
    var pageFetches: [Duration] = []
    for _ in 0..<20 {
      let effects = driver.press(.pageDown)
      let started = clock.now
      try await driver.run(effects)
      pageFetches.append(clock.now - started)
    }
    report.timings.append(Timing(name: "fetch: one browser page (PgDn)", samples: pageFetches))
    report.timings.append(
      try await driver.keyTiming("key→frame: PgDn in the browser", keys: Array(repeating: .pageDown, count: 50)))

    // A search's results: random vector, top 100, on the big collection.
    try await driver.run(driver.press(.escape))
    try await driver.run(driver.press(.character("s")))
    try await driver.run(driver.press(.tab, .backspace, .backspace) + driver.type("100"))
    let searchStart = clock.now
    try await driver.run(driver.press(.enter))
    report.facts.append(("search: top 100 of the 1M collection (ms)", format(milliseconds(clock.now - searchStart))))
    guard driver.state.page == .results, let hits = driver.state.results?.hits.count else {
      throw BenchmarkError("the search did not show results: \(driver.state.status?.text ?? "")")
    }
    report.facts.append(("results shown", String(hits)))
    report.timings.append(driver.renderTiming("render: results page (100 hits)", frames: frames))
    report.timings.append(
      try await driver.keyTiming("key→frame: j in the results", keys: Array(repeating: .character("j"), count: 200)))
    return report
  }

  /// Frame and key timings over synthetic lists of `count` collections, with no backend:
  /// a view that draws only the visible rows takes the same time for any count.
  @MainActor
  public static func measureList(count: Int, size: TerminalSize, frames: Int) async throws -> [Timing] {
    var state = ExplorerState(size: size)
    _ = state.update(.resize(size))
    let effects = state.update(.start)
    guard case .run(let operation)? = effects.first else { throw BenchmarkError("start asked for no listing") }
    let collections = (0..<count).map { index in
      CollectionSummary(
        info: CollectionInfo(name: "col_\(index)", entityCount: index * 10, loadState: .loaded), indexTypes: ["HNSW"])
    }
    let server = ServerInfo(kind: "embedded", version: "bench", address: "memory", indexTypes: [], metrics: [])
    _ = state.update(
      .completed(operation.id, .overview(server: server, database: "default", collections: collections), latency: .zero)
    )
    let clock = ContinuousClock()
    var renders: [Duration] = []
    for _ in 0..<frames {
      let started = clock.now
      _ = ExplorerView.render(state, theme: state.theme)
      renders.append(clock.now - started)
    }
    var keys: [Duration] = []
    for index in 0..<frames {
      let started = clock.now
      _ = state.update(.key(index % 2 == 0 ? .pageDown : .character("j")))
      _ = ExplorerView.render(state, theme: state.theme)
      keys.append(clock.now - started)
    }
    return [
      Timing(name: "render: \(count) synthetic collections", samples: renders),
      Timing(name: "key→frame: PgDn/j, \(count) synthetic collections", samples: keys),
    ]
  }

  /// In process: from the explorer's start to its first frame with the collections listed,
  /// through the runtime that the terminal uses, on an in-memory screen.
  @MainActor
  public static func timeToFirstFrame(backend: any VectorBackend, size: TerminalSize) async -> Duration {
    let clock = ContinuousClock()
    let started = clock.now
    let screen = MemoryScreen(size: size)
    let runtime = ExplorerRuntime(backend: backend, screen: screen, theme: .defaultDark)
    runtime.start()
    while !runtime.state.collectionsListed {
      runtime.drainInbox()
      await Task.yield()
    }
    runtime.draw()
    return clock.now - started
  }

  static func milliseconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) * 1_000 + Double(parts.attoseconds) / 1e15
  }

  /// A number of milliseconds with two decimals.
  public static func format(_ milliseconds: Double) -> String {
    NumberText.fixed(milliseconds, digits: 2)
  }
}

/// Why a benchmark could not go on.
public struct BenchmarkError: Error, CustomStringConvertible {
  public var description: String
  init(_ description: String) { self.description = description }
}

/// The explorer's state with every call it asks for made at once, for real, as tests do.
@MainActor
private struct Driver {
  var state: ExplorerState
  let backend: any VectorBackend
  let clock = ContinuousClock()

  init(size: TerminalSize, backend: any VectorBackend) {
    state = ExplorerState(size: size)
    self.backend = backend
  }

  mutating func press(_ keys: Key...) -> [Effect] {
    keys.flatMap { state.update(.key($0)) }
  }

  mutating func type(_ text: String) -> [Effect] {
    text.flatMap { state.update(.key(.character($0))) }
  }

  /// Makes the calls, feeding each result back (index progress polls are dropped: they wait).
  mutating func run(_ effects: [Effect]) async throws {
    var pending = effects
    while !pending.isEmpty {
      guard case .run(let operation) = pending.removeFirst() else { continue }
      if case .indexProgress = operation.request { continue }
      let started = clock.now
      do {
        let result = try await ExplorerRuntime.perform(operation.request, on: backend)
        pending += state.update(.completed(operation.id, result, latency: clock.now - started))
      } catch {
        let message = ExplorerRuntime.message(for: error)
        pending += state.update(.failed(operation.id, message: message, latency: clock.now - started))
      }
    }
  }

  func renderTiming(_ name: String, frames: Int) -> ExplorerBenchmark.Timing {
    var samples: [Duration] = []
    samples.reserveCapacity(frames)
    for _ in 0..<frames {
      let started = clock.now
      _ = ExplorerView.render(state, theme: state.theme)
      samples.append(clock.now - started)
    }
    return ExplorerBenchmark.Timing(name: name, samples: samples)
  }

  /// Times each key from its update to the rendered frame; then makes the calls it asked for.
  mutating func keyTiming(_ name: String, keys: [Key]) async throws -> ExplorerBenchmark.Timing {
    var samples: [Duration] = []
    for key in keys {
      let started = clock.now
      let effects = state.update(.key(key))
      _ = ExplorerView.render(state, theme: state.theme)
      samples.append(clock.now - started)
      try await run(effects)
    }
    return ExplorerBenchmark.Timing(name: name, samples: samples)
  }
}
