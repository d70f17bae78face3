import Model
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// How the explorer ended.
public enum ExplorerExit: Sendable, Hashable {
  /// The user quit (`q`, `:q`).
  case quit
  /// SIGINT or SIGTERM arrived; the terminal was restored first.
  case signal(Int32)
  /// A demo script stopped (`vscope play`): an `expect` failed, a wait timed out, or a call failed.
  case playbackFailed(DemoFailure)

  /// The process exit status to report: 0, or 128 + the signal number as shells do.
  public var exitCode: Int32 {
    switch self {
    case .quit: return 0
    case .signal(let number): return 128 + number
    case .playbackFailed: return 1
    }
  }
}

/// Choices the executable passes in from its command line (and the config file).
public struct ExplorerOptions: Sendable {
  public var colorMode: ColorMode
  /// nil: the default dark theme (or monochrome when colours are off).
  public var theme: Theme?
  /// Where `:theme NAME` looks for themes.
  public var themes: ThemeCatalog
  /// The config file's settings (keys, saved connections, `embed_cmd`).
  public var config: ExplorerConfig
  /// The command that embeds the search form's text: `--embed-cmd`, else the config's
  /// `embed_cmd`; nil: the form offers no text source.
  public var embedCommand: String?
  /// Problems found while reading the theme and config files: the explorer shows them in its
  /// status line (the executable also prints them on stderr).
  public var notices: [String] = []
  /// Creates the demo collections when an empty store's welcome box is answered with `d`;
  /// nil (Milvus): the empty store only says that it has no collections.
  public var demoInstaller: DemoInstaller?
  /// Opens the collection a `:compare LOCATION` names (`embedded:NAME`, `embedded:/dir:NAME`,
  /// `milvus://host:port[/db]/NAME`) on a backend of its own, closed after the call; nil: the
  /// explorer offers only `:compare k=v`.
  public var openLocation: (@Sendable (String) async throws -> (backend: any VectorBackend, collection: String))?
  /// Opens a saved connection (`:connect NAME`) in place of the explorer's backend; nil: the
  /// explorer offers no `:connect`.
  public var openConnection: (@Sendable (SavedConnection) async throws -> any VectorBackend)?
  /// Where `NO_COLOR` and the config directory (`XDG_CONFIG_HOME`, `HOME`) are read.
  public var environment: [String: String]

  public init(
    colorMode: ColorMode = .auto, theme: Theme? = nil, config: ExplorerConfig = ExplorerConfig(),
    environment: [String: String]? = nil
  ) {
    self.colorMode = colorMode
    self.theme = theme
    self.config = config
    embedCommand = config.embedCommand
    let environment = environment ?? ExplorerOptions.processEnvironment()
    self.environment = environment
    themes = ThemeCatalog(environment: environment)
  }

  /// The options for a command line's `--theme NAME|PATH` and `--color`: reads the config
  /// file, then the theme the flag names (or else the config's `theme`). Never fails: a broken
  /// file becomes a notice and the default theme (or an empty config) is used instead.
  public static func load(
    theme argument: String?, colorMode: ColorMode = .auto, embedCommand: String? = nil,
    environment: [String: String]? = nil
  ) -> ExplorerOptions {
    var options = ExplorerOptions(colorMode: colorMode, environment: environment)
    do {
      options.config = try ExplorerConfig.load(environment: options.environment)
    } catch {
      options.notices.append("\(error); the config file is ignored")
    }
    options.embedCommand = embedCommand ?? options.config.embedCommand
    guard let name = argument ?? options.config.theme else { return options }
    do {
      options.theme = try options.themes.load(name)
    } catch {
      var problem = error
      if argument == nil, problem.file == nil {
        // An unknown name in the config file: say where it was written.
        problem = SettingsError(
          file: options.config.file, key: "theme", error.message, line: options.config.themeLine)
      } else if argument != nil, problem.file == nil {
        problem.key = "--theme"
      }
      options.notices.append("\(problem); using the default theme")
    }
    return options
  }

  static func processEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    for name in ["NO_COLOR", "TERM", "COLORTERM", "XDG_CONFIG_HOME", "HOME"] {
      if let value = getenv(name) { result[name] = String(cString: value) }
    }
    return result
  }
}

/// Opens the explorer on `backend` in this terminal and runs it until the user quits or a
/// signal arrives. The terminal is restored on every way out, a thrown error included.
///
/// The executable chooses the backend (`EmbeddedBackend`, later the Milvus adapter) and calls
/// this from the main actor, then exits with `exitCode`.
@MainActor
@discardableResult
public func runExplorer(
  backend: any VectorBackend, options: ExplorerOptions = ExplorerOptions(), playback: DemoPlayback? = nil,
  recorder: DemoRecorder? = nil
) async throws -> ExplorerExit {
  // Signals first, so that curses does not install handlers of its own.
  let signals = SignalWatch()
  defer { signals.stop() }
  let wantsColor = options.colorMode.wantsColor(environment: options.environment)
  let screen = try NCursesScreen(useColor: wantsColor)
  defer { screen.close() }
  let theme = (options.theme ?? .defaultDark).forTerminal(colors: screen.colorCount)
  let runtime = ExplorerRuntime(
    backend: backend, screen: screen, theme: theme, keymap: options.config.keymap, themes: options.themes,
    colors: screen.colorCount, notices: options.notices,
    embedCommand: options.embedCommand.map { EmbeddingCommand($0) }, demoInstaller: options.demoInstaller,
    locationOpener: options.openLocation.map { LocationOpener($0) },
    connections: options.config.connections, connectionOpener: options.openConnection.map { ConnectionOpener($0) }
  )
  runtime.demo.player = playback.map(DemoPlayer.init)
  runtime.demo.recorder = recorder
  return await runtime.run(signals: { signals.caught })
}

/// Results of backend calls on their way back to the UI loop, from any thread.
final class ActionInbox: Sendable {
  private let pending = Mutex<[Action]>([])

  func post(_ action: Action) { pending.withLock { $0.append(action) } }

  func drain() -> [Action] {
    pending.withLock { actions in
      defer { actions.removeAll() }
      return actions
    }
  }
}

/// The loop: reads keys, applies actions to the state, runs effects, draws. Backend calls run in
/// tasks off the loop and come back through the inbox, which the loop drains between key reads.
@MainActor
final class ExplorerRuntime {
  private(set) var state: ExplorerState
  /// The backend the calls go to: the one the explorer opened on, or the last `:connect`'s.
  private(set) var backend: any VectorBackend
  /// The backend the last `:connect` opened, which the runtime closes (the one it started on
  /// belongs to its caller).
  private var connectedBackend: (any VectorBackend)?
  let screen: any Screen
  /// Where `:theme NAME` looks.
  let themes: ThemeCatalog
  /// How many colours the screen shows (themes loaded later are fitted to them); 0: none.
  let colors: Int
  let inbox = ActionInbox()
  private var tasks: [Int: Task<Void, Never>] = [:]
  private var needsDraw = true
  private var lastTick = ContinuousClock.now
  /// The demo script playing or the keys being recorded (DemoPlayer.swift), if any.
  var demo = DemoSession()

  /// How long a key read waits, so results and the spinner show promptly.
  static let keyTimeout = Duration.milliseconds(40)
  static let tickInterval = Duration.milliseconds(100)

  init(
    backend: any VectorBackend, screen: any Screen, theme: Theme, keymap: Keymap = .standard,
    themes: ThemeCatalog = ThemeCatalog(userDirectory: nil), colors: Int = 256, notices: [String] = [],
    embedCommand: EmbeddingCommand? = nil, demoInstaller: DemoInstaller? = nil, locationOpener: LocationOpener? = nil,
    connections: [SavedConnection] = [], connectionOpener: ConnectionOpener? = nil
  ) {
    self.backend = backend
    self.screen = screen
    self.themes = themes
    self.colors = colors
    state = ExplorerState(size: screen.size)
    state.theme = theme
    state.keymap = keymap
    state.embedCommand = embedCommand
    state.demoInstaller = demoInstaller
    state.locationOpener = locationOpener
    state.connections = connections
    state.connectionOpener = connectionOpener
    var seed = SystemRandomNumberGenerator()
    state.random = SplitMix64(seed: seed.next())
    if !notices.isEmpty { state.pendingNotice = StatusMessage(notices.joined(separator: "; "), isError: true) }
  }

  /// The theme the explorer draws with now.
  var theme: Theme { state.theme }

  /// Runs until the user quits or `signals` reports one, then closes the backend a `:connect`
  /// opened.
  func run(signals: () -> Int32? = { nil }) async -> ExplorerExit {
    let ending = await loop(signals: signals)
    cancelAll()
    // A `:connect` that finished as the loop ended: its backend is not wanted.
    for case .completed(_, .connected(_, let opened, _, _, _, _), _) in inbox.drain() { await opened.backend.close() }
    await closeConnectedBackend()
    return ending
  }

  private func loop(signals: () -> Int32?) async -> ExplorerExit {
    start()
    while !state.quitRequested {
      if let number = signals() { return .signal(number) }
      drainInbox()
      if state.isBusy, ContinuousClock.now - lastTick >= Self.tickInterval {
        lastTick = .now
        dispatch(.tick)
      }
      if let ending = playDemo() { return ending }
      draw()
      if let event = screen.nextEvent(timeout: eventTimeout(now: .now)) { receive(event) }
      await Task.yield()
    }
    return .quit
  }

  func start() {
    dispatch(.resize(screen.size))
    dispatch(.start)
    draw()
  }

  func handle(_ event: InputEvent) {
    switch event {
    case .key(let key): dispatch(.key(key))
    case .resize(let size): dispatch(.resize(size))
    case .mouse(let mouse): dispatch(.mouse(mouse))
    }
  }

  func dispatch(_ action: Action) {
    switch action {
    case .completed(let id, _, _), .failed(let id, _, _), .cancelled(let id): tasks[id] = nil
    default: break
    }
    if case .completed(let id, .connected(_, let opened, _, _, _, _), _) = action {
      if state.operations[id] != nil {
        switchBackend(to: opened.backend)
      } else {
        // Cancelled while it was opened: nobody will use it.
        Task { await opened.backend.close() }
      }
    }
    for effect in state.update(action) { perform(effect) }
    needsDraw = true
  }

  func drainInbox() {
    for action in inbox.drain() { dispatch(action) }
  }

  func draw() {
    guard needsDraw else { return }
    needsDraw = false
    screen.present(composeFrame())
  }

  /// Draws again at the next turn of the loop.
  func requestDraw() { needsDraw = true }

  /// No backend call is running and every result is applied.
  var isIdle: Bool { tasks.isEmpty && !state.isBusy }

  /// Waits until no call is running and every result is applied (tests), then draws.
  func settle() async {
    while true {
      drainInbox()
      if tasks.isEmpty, !state.isBusy { break }
      try? await Task.sleep(for: .milliseconds(2))
    }
    draw()
  }

  private func perform(_ effect: Effect) {
    switch effect {
    case .run(let operation):
      let backend = backend
      let inbox = inbox
      tasks[operation.id] = Task.detached {
        let clock = ContinuousClock()
        let started = clock.now
        do {
          let result = try await Self.perform(operation.request, on: backend) { note in
            inbox.post(.progress(operation.id, note))
          }
          // A backend opened by `:connect` goes to the loop even when cancelled meanwhile: the loop
          // closes it unless it is still wanted.
          if case .connected = result {
            inbox.post(.completed(operation.id, result, latency: clock.now - started))
            return
          }
          try Task.checkCancellation()
          inbox.post(.completed(operation.id, result, latency: clock.now - started))
        } catch {
          if Task.isCancelled || error is CancellationError || (error as? VectorError) == .cancelled {
            inbox.post(.cancelled(operation.id))
          } else {
            inbox.post(.failed(operation.id, message: Self.message(for: error), latency: clock.now - started))
          }
        }
      }
    case .cancel(let id):
      tasks.removeValue(forKey: id)?.cancel()
    case .loadTheme(let name):
      // A small file read on the loop; the answer goes through the update function like any other.
      do {
        dispatch(.themeLoaded(try themes.load(name).forTerminal(colors: colors)))
      } catch {
        dispatch(.themeFailed(error.description))
      }
    case .quit:
      break
    }
  }

  private func cancelAll() {
    for task in tasks.values { task.cancel() }
    tasks.removeAll()
  }

  /// From now on calls go to `newBackend`; those still running on the old one are cancelled (the
  /// update function forgets them), and the old one is closed if `:connect` opened it.
  private func switchBackend(to newBackend: any VectorBackend) {
    cancelAll()
    let previous = connectedBackend
    backend = newBackend
    connectedBackend = newBackend
    if let previous { Task { await previous.close() } }
  }

  /// Closes the backend the last `:connect` opened (tests call it after driving the runtime).
  func closeConnectedBackend() async {
    await connectedBackend?.close()
    connectedBackend = nil
  }

  /// One page of the entity browser in primary-key order, by keyset: from the query's anchor
  /// (or the first row), primary-key-only queries of up to 16,384 keys walk to the page's first
  /// row, then one query reads the page with every field. No offset is used, so this works past
  /// Milvus's offset + limit cap; `iterator` makes Milvus Lite return the smallest keys.
  nonisolated static func browserPage(_ query: RowsQuery, on backend: any VectorBackend) async throws -> [Row] {
    let schema = try await backend.describeCollection(query.collection)
    guard let primary = schema.primaryField?.name else { return [] }
    var after = query.anchor?.key
    var position = query.anchor?.rows ?? 0
    while position < query.offset {
      try Task.checkCancellation()
      let step = min(16384, query.offset - position)
      let keys = try await backend.query(
        QueryRequest(
          collection: query.collection, filter: EntityPager.filter(query.filter, primaryKey: primary, after: after),
          limit: step, iterator: true)
      ).compactMap { EntityPager.primaryKey($0[primary]) }.sorted()
      // Fewer matching rows than the page's offset: the page is empty.
      guard keys.count == step, let last = keys.last else { return [] }
      after = last
      position += step
    }
    let rows = try await backend.query(
      QueryRequest(
        collection: query.collection, filter: EntityPager.filter(query.filter, primaryKey: primary, after: after),
        outputFields: ["*"], limit: query.limit, iterator: true))
    return rows.map { (key: EntityPager.primaryKey($0[primary]), row: $0) }
      .sorted { lhs, rhs in
        guard let left = lhs.key, let right = rhs.key else { return lhs.key != nil }
        return left < right
      }
      .map(\.row)
  }

  /// The backend calls behind each request.
  nonisolated static func perform(
    _ request: Request, on backend: any VectorBackend, progress: (@Sendable (String) -> Void)? = nil
  ) async throws -> OperationResult {
    switch request {
    case .overview:
      return try await overview(on: backend)
    case .useDatabase(let name):
      try await backend.useDatabase(name)
      try Task.checkCancellation()
      return try await overview(on: backend)
    case .dropCollection(let name):
      try await backend.dropCollection(name)
      try Task.checkCancellation()
      return try await overview(on: backend)
    case .rows(let query):
      return .rows(query, try await browserPage(query, on: backend))
    case .count(let collection, let filter):
      return .count(
        collection: collection, filter: filter, try await backend.count(collection, filter: filter, partitions: []))
    case .createIndex(let collection, let spec):
      try await backend.createIndex(collection, spec: spec)
      try Task.checkCancellation()
      return .indexes(collection: collection, try await backend.describeIndexes(collection))
    case .dropIndex(let collection, let name):
      try await backend.dropIndex(collection, indexName: name)
      try Task.checkCancellation()
      return .indexes(collection: collection, try await backend.describeIndexes(collection))
    case .indexProgress(let collection):
      try await Task.sleep(for: ExplorerState.indexPollInterval)
      return .indexes(collection: collection, try await backend.describeIndexes(collection))
    case .load(let collection):
      // A bar in the status line ("loading books: ████░░░░  40%").
      try await backend.loadCollection(collection) { percent in
        progress?(Format.progressBar(done: percent, total: 100, width: 24))
      }
      return .loadState(collection: collection, try await backend.loadState(collection))
    case .release(let collection):
      try await backend.releaseCollection(collection)
      return .loadState(collection: collection, try await backend.loadState(collection))
    case .export(let collection, let path):
      let rows = try await RowExport.run(collection: collection, path: path, on: backend, progress: progress)
      return .exported(collection: collection, path: path, rows: rows)
    case .detail(let name):
      let schema = try await backend.describeCollection(name)
      try Task.checkCancellation()
      let indexes = try await backend.describeIndexes(name)
      return .detail(name: name, CollectionDetail(schema: schema, indexes: indexes))
    case .search(let query):
      var request = query.request
      if let id = query.like {
        // "More like this": the entity's own vector is the query.
        let field = request.vectorField ?? ""
        let rows = try await backend.get(request.collection, ids: [id], outputFields: [field])
        guard let row = rows.first else {
          throw VectorError.invalidArgument("no entity with id \(id) in \(request.collection)")
        }
        guard case .floatVector(let vector)? = row[field] else {
          throw VectorError.invalidArgument("entity \(id) has no vector in \(field)")
        }
        request.vectors = [vector]
        try Task.checkCancellation()
      }
      if let embedding = query.embedding {
        // Search by text: the user's command makes the query vector (and stops if cancelled).
        let vector = try await embedding.command.embed(embedding.text, field: embedding.field, dim: embedding.dim)
        request.vectors = [vector]
        try Task.checkCancellation()
      }
      let hits = try await backend.search(request)
      return .search(query, vector: request.vectors.first ?? [], hits: hits.first ?? [])
    case .plotSample(let query):
      return .plotSample(query, try await PlotSample.fetch(query, on: backend, progress: progress))
    case .entity(let collection, let id):
      let rows = try await backend.get(collection, ids: [id], outputFields: ["*"])
      return .entity(collection: collection, id: id, row: rows.first)
    case .recall(let request, let maxRows):
      return try await exactSearch(request, maxRows: maxRows, on: backend, progress: progress)
    case .installDemo(let installer):
      try await installer.install(backend) { note, fraction in
        progress?(Format.progressBar(done: Int(fraction * 1000), total: 1000, width: 16) + " " + note)
      }
      try Task.checkCancellation()
      return try await overview(on: backend)
    case .compare(let query):
      return .compare(query, try await query.run(on: backend))
    case .connect(let connection, let opener):
      let opened = try await opener.open(connection)
      do {
        let listing = try await listing(on: opened)
        try Task.checkCancellation()
        return .connected(
          name: connection.name, OpenedBackend(opened), server: listing.server, database: listing.database,
          collections: listing.collections, databases: listing.databases)
      } catch {
        await opened.close()
        throw error
      }
    }
  }

  /// Server info, current database, the collections with their index types, the databases.
  nonisolated static func overview(on backend: any VectorBackend) async throws -> OperationResult {
    let listing = try await listing(on: backend)
    return .overview(
      server: listing.server, database: listing.database, collections: listing.collections,
      databases: listing.databases)
  }

  nonisolated static func listing(on backend: any VectorBackend) async throws -> (
    server: ServerInfo, database: String, collections: [CollectionSummary], databases: [String]
  ) {
    let server = try await backend.serverInfo()
    let database = await backend.currentDatabase()
    try Task.checkCancellation()
    let listed = try await backend.listCollections()
    var summaries: [CollectionSummary] = []
    for info in listed {
      try Task.checkCancellation()
      // One unreadable collection does not hide the others: its index column shows "?".
      let indexes = try? await backend.describeIndexes(info.name)
      summaries.append(CollectionSummary(info: info, indexTypes: indexes.map { $0.map(\.spec.indexType) }))
    }
    // Only `:use` completion needs the databases: a backend without them still lists.
    let databases = (try? await backend.listDatabases()) ?? [database]
    return (server, database, summaries, databases)
  }

  nonisolated static func message(for error: any Error) -> String {
    if let error = error as? VectorError { return error.description }
    return String(describing: error)
  }
}
