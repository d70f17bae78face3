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

  /// The process exit status to report: 0, or 128 + the signal number as shells do.
  public var exitCode: Int32 {
    switch self {
    case .quit: return 0
    case .signal(let number): return 128 + number
    }
  }
}

/// Choices the executable passes in from its command line.
public struct ExplorerOptions: Sendable {
  public var colorMode: ColorMode
  /// nil: the default dark theme (or monochrome when colours are off).
  public var theme: Theme?
  /// Where `NO_COLOR` is read.
  public var environment: [String: String]

  public init(colorMode: ColorMode = .auto, theme: Theme? = nil, environment: [String: String]? = nil) {
    self.colorMode = colorMode
    self.theme = theme
    self.environment = environment ?? ExplorerOptions.processEnvironment()
  }

  private static func processEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    for name in ["NO_COLOR", "TERM", "COLORTERM"] {
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
public func runExplorer(backend: any VectorBackend, options: ExplorerOptions = ExplorerOptions()) async throws
  -> ExplorerExit
{
  // Signals first, so that curses does not install handlers of its own.
  let signals = SignalWatch()
  defer { signals.stop() }
  let wantsColor = options.colorMode.wantsColor(environment: options.environment)
  let screen = try NCursesScreen(useColor: wantsColor)
  defer { screen.close() }
  let theme: Theme
  if let chosen = options.theme {
    theme = screen.hasColors ? chosen : chosen.withoutColors
  } else {
    theme = screen.hasColors ? .defaultDark : .monochrome
  }
  let runtime = ExplorerRuntime(backend: backend, screen: screen, theme: theme)
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
  let backend: any VectorBackend
  let screen: any Screen
  let theme: Theme
  let inbox = ActionInbox()
  private var tasks: [Int: Task<Void, Never>] = [:]
  private var needsDraw = true
  private var lastTick = ContinuousClock.now

  /// How long a key read waits, so results and the spinner show promptly.
  static let keyTimeout = Duration.milliseconds(40)
  static let tickInterval = Duration.milliseconds(100)

  init(backend: any VectorBackend, screen: any Screen, theme: Theme) {
    self.backend = backend
    self.screen = screen
    self.theme = theme
    state = ExplorerState(size: screen.size)
  }

  /// Runs until the user quits or `signals` reports one.
  func run(signals: () -> Int32? = { nil }) async -> ExplorerExit {
    start()
    defer { cancelAll() }
    while !state.quitRequested {
      if let number = signals() { return .signal(number) }
      drainInbox()
      if state.isBusy, ContinuousClock.now - lastTick >= Self.tickInterval {
        lastTick = .now
        dispatch(.tick)
      }
      draw()
      if let event = screen.nextEvent(timeout: Self.keyTimeout) { handle(event) }
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
    }
  }

  func dispatch(_ action: Action) {
    switch action {
    case .completed(let id, _, _), .failed(let id, _, _), .cancelled(let id): tasks[id] = nil
    default: break
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
    screen.present(ExplorerView.render(state, theme: theme))
  }

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
          let result = try await Self.perform(operation.request, on: backend)
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
    case .quit:
      break
    }
  }

  private func cancelAll() {
    for task in tasks.values { task.cancel() }
    tasks.removeAll()
  }

  /// The backend calls behind each request.
  nonisolated static func perform(_ request: Request, on backend: any VectorBackend) async throws
    -> OperationResult
  {
    switch request {
    case .overview:
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
      return .overview(server: server, database: database, collections: summaries)
    case .detail(let name):
      let schema = try await backend.describeCollection(name)
      try Task.checkCancellation()
      let indexes = try await backend.describeIndexes(name)
      return .detail(name: name, CollectionDetail(schema: schema, indexes: indexes))
    }
  }

  nonisolated static func message(for error: any Error) -> String {
    if let error = error as? VectorError { return error.description }
    return String(describing: error)
  }
}
