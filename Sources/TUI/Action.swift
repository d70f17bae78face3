import Model

/// Everything that can happen to the explorer: keys, resizes, ticks of the spinner and the
/// results of backend calls, which come back through the runtime's queue.
enum Action: Sendable, Hashable {
  /// The explorer opened: list what the backend has.
  case start
  case key(Key)
  /// A press or wheel turn where the terminal reports the mouse.
  case mouse(MouseEvent)
  case resize(TerminalSize)
  /// Time passed while a call runs: the spinner turns.
  case tick
  case completed(Int, OperationResult, latency: Duration)
  case failed(Int, message: String, latency: Duration)
  case cancelled(Int)
  /// A running call's progress, for the status line ("1,000 of 1,234 rows").
  case progress(Int, String)
  /// `:theme NAME` found its theme (already fitted to the terminal's colours).
  case themeLoaded(Theme)
  /// `:theme NAME` could not: why, naming the file and key.
  case themeFailed(String)
}

/// What a backend call returned.
enum OperationResult: Sendable, Hashable {
  case overview(server: ServerInfo, database: String, collections: [CollectionSummary], databases: [String] = [])
  case detail(name: String, CollectionDetail)
  /// The hits of the first (only) query vector, and that vector.
  case search(SearchQuery, vector: [Float], hits: [SearchHit])
  /// The entity, or nil when no entity has that key.
  case entity(collection: String, id: PrimaryKey, row: Row?)
  /// A collection's indexes after creating or dropping one, or while one builds.
  case indexes(collection: String, [IndexStatus])
  case rows(RowsQuery, [Row])
  case count(collection: String, filter: String, Int)
  case loadState(collection: String, LoadState)
  case exported(collection: String, path: String, rows: Int)
  /// The plot's sample, projected.
  case plotSample(PlotQuery, PlotSample)
  /// The exact hits of the results' search (first query vector), for the recall meter.
  case recall(SearchRequest, exact: [SearchHit])
  /// The exact search would scan `rows` entities, above the size guard's limit.
  case recallTooLarge(SearchRequest, rows: Int)
  /// Both sides' hits of a `:compare`.
  case compare(CompareQuery, CompareOutcome)
  /// `:connect` opened `backend` (the runtime switches to it) and listed it.
  case connected(
    name: String, OpenedBackend, server: ServerInfo, database: String, collections: [CollectionSummary],
    databases: [String])
}

/// What the update function asks the runtime to do.
enum Effect: Sendable, Hashable {
  /// Start a backend call; its result comes back as `.completed`, `.failed` or `.cancelled`.
  case run(Operation)
  /// Cancel a running call (its task is cancelled; a late result is ignored).
  case cancel(Int)
  /// Read the theme a name or path gives (`:theme`); the answer comes back as `.themeLoaded`
  /// or `.themeFailed`.
  case loadTheme(String)
  case quit
}
