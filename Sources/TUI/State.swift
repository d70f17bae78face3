import Model

/// The explorer's panes, numbered as their focus keys are.
enum Pane: Int, Sendable, Hashable, CaseIterable {
  case collections = 1
  case schema = 2
  case index = 3

  var title: String {
    switch self {
    case .collections: return "Collections"
    case .schema: return "Schema"
    case .index: return "Index"
    }
  }

  /// The pane after this one in focus order, wrapping round.
  var next: Pane { Pane(rawValue: rawValue % Pane.allCases.count + 1)! }
  /// The pane before this one in focus order, wrapping round.
  var previous: Pane { Pane(rawValue: (rawValue + Pane.allCases.count - 2) % Pane.allCases.count + 1)! }
}

/// A list's selected row and the first row shown. Moving keeps the selection inside the list
/// and the visible window around the selection.
struct ListCursor: Sendable, Hashable {
  var selected = 0
  var offset = 0

  /// Moves by `delta` rows; `wrap` goes round at the ends, otherwise the ends hold.
  mutating func move(by delta: Int, count: Int, wrap: Bool) {
    guard count > 0 else { return reset() }
    let target = selected + delta
    if wrap {
      selected = ((target % count) + count) % count
    } else {
      selected = min(max(0, target), count - 1)
    }
  }

  mutating func select(_ index: Int, count: Int) {
    selected = count > 0 ? min(max(0, index), count - 1) : 0
  }

  mutating func reset() { self = ListCursor() }

  /// Scrolls so that the selection is among the `visible` rows shown and no blank rows are
  /// shown below a list that could fill them.
  mutating func keepVisible(visible: Int, count: Int) {
    select(selected, count: count)
    guard visible > 0, count > visible else {
      offset = 0
      return
    }
    if selected < offset { offset = selected }
    if selected >= offset + visible { offset = selected - visible + 1 }
    offset = min(max(0, offset), count - visible)
  }
}

/// A collection in the list: the backend's listing plus its index types, at a glance.
struct CollectionSummary: Sendable, Hashable {
  var info: CollectionInfo
  /// Index types of its indexes; nil when they could not be read.
  var indexTypes: [String]?

  var name: String { info.name }
}

/// What the Schema and Index panes show for one collection.
struct CollectionDetail: Sendable, Hashable {
  var schema: CollectionSchema
  var indexes: [IndexStatus]
}

/// A collection's detail as far as the explorer knows it.
enum DetailState: Sendable, Hashable {
  case loading
  case loaded(CollectionDetail)
  case failed(String)
  /// The user cancelled the call; `r` asks again.
  case cancelled
}

/// A backend call the explorer asks for; the runtime performs it off the UI loop.
enum Request: Sendable, Hashable {
  /// Server info, current database, the collections and their index types.
  case overview
  /// One collection's schema and indexes.
  case detail(String)
  /// A similarity search (after fetching the query entity's vector, for "more like this").
  case search(SearchQuery)
  /// One entity with every field (`get` with `*`).
  case entity(collection: String, id: PrimaryKey)
  /// `:use DB`: switches the database, then lists it as `overview` does.
  case useDatabase(String)
  /// One page of the entity browser (`query` with limit and offset, every field).
  case rows(RowsQuery)
  /// `count(*)` with the entity browser's filter.
  case count(collection: String, filter: String)
  /// `:index create`: builds the index, then describes the collection's indexes.
  case createIndex(collection: String, spec: IndexSpec)
  /// `:index drop`: drops the index, then describes the collection's indexes.
  case dropIndex(collection: String, name: String)
  /// Waits a poll interval, then describes the indexes of a collection whose index is building.
  case indexProgress(String)
  case load(String)
  case release(String)
  /// `:drop` (confirmed): drops the collection, then lists the collections again.
  case dropCollection(String)
  /// `:export FILE`: every row of the collection as JSON lines, paged with `query`.
  case export(collection: String, path: String)
  /// `p`: a sample of a collection's vectors (paged `query`), projected with PCA.
  case plotSample(PlotQuery)
  /// The recall meter: the results' search done exactly, refused above `maxRows` entities
  /// (nil after the user confirmed a larger scan).
  case recall(SearchRequest, maxRows: Int?)
  /// The first-run offer's `d`: creates the demo collections, then lists the collections.
  case installDemo(DemoInstaller)
  /// `:connect NAME`: opens the saved connection and lists it as `overview` does.
  case connect(SavedConnection, ConnectionOpener)
  /// `:compare`: the results' search beside the same search with other parameters or elsewhere.
  case compare(CompareQuery)

  /// What the status line says while the call runs.
  var label: String {
    switch self {
    case .overview: return "listing collections"
    case .detail(let name): return "describing \(name)"
    case .search(let query):
      return query.embedding == nil
        ? "searching \(query.request.collection)" : "embedding the text and searching \(query.request.collection)"
    case .entity(let collection, let id): return "fetching \(id) from \(collection)"
    case .useDatabase(let name): return "switching to database \(name)"
    case .rows(let query): return "querying \(query.collection)"
    case .count(let collection, _): return "counting \(collection)"
    case .createIndex(let collection, let spec):
      return "creating \(spec.indexType) index on \(collection).\(spec.fieldName)"
    case .dropIndex(let collection, let name): return "dropping index \(name) of \(collection)"
    case .indexProgress(let collection): return "building index on \(collection)"
    case .load(let collection): return "loading \(collection)"
    case .release(let collection): return "releasing \(collection)"
    case .dropCollection(let collection): return "dropping \(collection)"
    case .export(let collection, let path): return "exporting \(collection) to \(path)"
    case .plotSample(let query): return "sampling \(query.collection).\(query.vectorField) for the plot"
    case .recall(let request, _): return "exact search of \(request.collection) for recall"
    case .installDemo: return "creating the demo data"
    case .compare(let query): return "comparing \(query.leftLabel) with \(query.rightLabel)"
    case .connect(let connection, _): return "connecting to \(connection.name)"
    }
  }

  /// What the status line says when the call fails.
  var failureLabel: String {
    switch self {
    case .overview: return "listing collections failed"
    case .detail(let name): return "describing \(name) failed"
    case .search(let query): return "search in \(query.request.collection) failed"
    case .entity(let collection, let id): return "fetching \(id) from \(collection) failed"
    case .useDatabase(let name): return "switching to database \(name) failed"
    case .rows(let query): return "query in \(query.collection) failed"
    case .count(let collection, _): return "count in \(collection) failed"
    case .createIndex(let collection, _): return "creating the index on \(collection) failed"
    case .dropIndex(let collection, let name): return "dropping index \(name) of \(collection) failed"
    case .indexProgress(let collection): return "reading the index progress of \(collection) failed"
    case .load(let collection): return "loading \(collection) failed"
    case .release(let collection): return "releasing \(collection) failed"
    case .dropCollection(let collection): return "dropping \(collection) failed"
    case .export(let collection, _): return "exporting \(collection) failed"
    case .plotSample(let query): return "plotting \(query.collection) failed"
    case .recall(let request, _): return "exact search of \(request.collection) failed"
    case .installDemo: return "creating the demo data failed"
    case .compare(let query): return "comparing with \(query.rightLabel) failed"
    case .connect(let connection, _): return "connecting to \(connection.name) failed"
    }
  }
}

/// One page of rows the entity browser asks for.
///
/// Pages are read in primary-key order by keyset (`pk > key`), never with `query`'s offset, so
/// that a browser can page past Milvus's offset + limit ≤ 16,384 cap: `anchor` is a key the
/// browser already knows with the number of matching rows up to it, and the runtime walks from
/// there to `offset` with primary-key-only queries when the page is further on.
struct RowsQuery: Sendable, Hashable {
  var collection: String
  var filter: String
  var offset: Int
  var limit: Int
  /// The last key of the first `anchor.rows` matching rows; nil: count from the first row.
  var anchor: (rows: Int, key: PrimaryKey)?

  init(collection: String, filter: String, offset: Int, limit: Int, anchor: (rows: Int, key: PrimaryKey)? = nil) {
    self.collection = collection
    self.filter = filter
    self.offset = offset
    self.limit = limit
    self.anchor = anchor
  }

  static func == (lhs: RowsQuery, rhs: RowsQuery) -> Bool {
    lhs.collection == rhs.collection && lhs.filter == rhs.filter && lhs.offset == rhs.offset
      && lhs.limit == rhs.limit && lhs.anchor?.rows == rhs.anchor?.rows && lhs.anchor?.key == rhs.anchor?.key
  }

  func hash(into hasher: inout Hasher) {
    hasher.combine(collection)
    hasher.combine(filter)
    hasher.combine(offset)
    hasher.combine(limit)
    hasher.combine(anchor?.rows)
    hasher.combine(anchor?.key)
  }
}

/// A running backend call.
struct Operation: Sendable, Hashable {
  var id: Int
  var request: Request
}

/// The status line's message: the last operation's outcome.
struct StatusMessage: Sendable, Hashable {
  var text: String
  var latency: Duration?
  var isError: Bool

  init(_ text: String, latency: Duration? = nil, isError: Bool = false) {
    self.text = text
    self.latency = latency
    self.isError = isError
  }
}

/// Everything the explorer shows. Views read it and draw; only `update` changes it.
struct ExplorerState: Sendable, Hashable {
  var size: TerminalSize
  var keymap = Keymap.standard
  /// How everything is drawn; `:theme NAME` changes it.
  var theme = Theme.defaultDark
  /// A problem found at start (a broken theme or config file): the status line shows it,
  /// whatever calls finish meanwhile, until the first key.
  var pendingNotice: StatusMessage?

  var server: ServerInfo?
  var database: String?
  var collections: [CollectionSummary] = [] {
    didSet { refilterCollections() }
  }
  /// Whether a listing has arrived (an empty list then means "no collections").
  var collectionsListed = false
  /// Why the last listing failed; the Collections pane shows it while nothing is listed.
  var listingError: String?
  var details: [String: DetailState] = [:]
  /// The collection whose detail the Schema and Index cursors belong to.
  var shownCollection: String?

  var focus = Pane.collections
  var cursors: [Pane: ListCursor] = [:]
  /// The collections filter as typed, with its cursor.
  var filterInput = TextField() {
    didSet { if filterInput.text != oldValue.text { refilterCollections() } }
  }
  /// The collections filter: a case-insensitive substring of the name. Setting it puts the
  /// cursor at the end.
  var filter: String {
    get { filterInput.text }
    set { filterInput = TextField(newValue) }
  }
  var editingFilter = false
  /// The `:` prompt while it is open: its text and cursor.
  var commandInput: TextField?
  /// The `:` prompt's text while it is open. Setting it puts the cursor at the end.
  var commandLine: String? {
    get { commandInput?.text }
    set { commandInput = newValue.map { TextField($0) } }
  }
  /// Command lines run this session, oldest first (Up and Down walk them).
  var commandHistory: [String] = []
  /// Where Up/Down are in the history; nil: at the line being typed.
  var historyIndex: Int?
  /// The line being typed when Up first went into the history.
  var historyDraft = ""
  /// The names Tab offered for the word being completed, while they are shown.
  var completion: Completion?
  /// `:drop` asks to type the collection's name: the collection, while the prompt is open.
  var confirmDrop: String?
  /// Databases of the backend (for `:use` completion).
  var databases: [String] = []
  var showHelp = false {
    didSet { if !showHelp { helpScroll = 0 } }
  }
  /// The first help line shown, when the help screen is taller than the terminal.
  var helpScroll = 0

  /// What the body shows: the browser's panes, the last search's results, or one entity.
  var page = Page.browser
  /// The search form while it is open.
  var searchForm: SearchForm?
  /// Each collection's form as last left, so the next search starts from it.
  var savedForms: [String: SearchForm] = [:]
  var results: SearchResults?
  /// The search whose exact scan is above the size guard's limit: the next `R` on it scans anyway.
  var recallConfirmation: SearchRequest?
  /// The most entities the recall meter's exact search scans without asking.
  var recallLimit = ExactSearchLimits.defaultMaxRows
  var resultsCursor = ListCursor()
  /// Results left by hopping to "more like this"; Esc goes back through them.
  var resultsHistory: [SearchResults] = []
  var entity: EntityPage?
  var entityCursor = ListCursor()
  /// The page Esc goes back to from the entity page (results or the entity browser).
  var entityOrigin = Page.results
  /// The page Esc goes back to from the first results (browser or the entity browser).
  var resultsOrigin = Page.browser
  /// The entity browser (`e`, `:query`), kept while another page is shown.
  var entityBrowser: EntityBrowser?
  /// The plot page (`p`), kept while another page is shown.
  var plot: PlotState?
  /// The command that turns the search form's text into a vector, when one is configured.
  var embedCommand: EmbeddingCommand?
  /// Creates the demo collections (embedded stores only): an empty store offers it with `d`.
  var demoInstaller: DemoInstaller?
  /// The compare page (`:compare`), shown over the results it was made from.
  var compare: CompareState?
  /// Opens the other side of `:compare LOCATION`; nil: only `:compare k=v` is offered.
  var locationOpener: LocationOpener?
  /// The config file's saved connections, which `:connect NAME` opens.
  var connections: [SavedConnection] = []
  /// Opens a saved connection; nil: `:connect` is not offered.
  var connectionOpener: ConnectionOpener?
  /// The saved connection the explorer drives since the last `:connect`; nil: the one it started on.
  var connectionName: String?
  /// Draws the random query vectors (seeded from the system in the runtime, fixed in tests).
  var random = SplitMix64(seed: 0x5EED)

  var operations: [Int: Operation] = [:]
  /// What running calls reported of their progress (`:export`, `:load`), by operation.
  var progressNotes: [Int: String] = [:]
  var nextOperationID = 1
  var spinnerFrame = 0
  var status: StatusMessage?
  var quitRequested = false

  init(size: TerminalSize) {
    self.size = size
  }

  subscript(cursor pane: Pane) -> ListCursor {
    get { cursors[pane] ?? ListCursor() }
    set { cursors[pane] = newValue }
  }

  /// The collections that pass the filter, in listing order. Kept in step with `collections`
  /// and the filter rather than computed on use: an update and its frame ask for it a dozen
  /// times, and with thousands of collections each filtering cost a millisecond.
  private(set) var visibleCollections: [CollectionSummary] = []

  private mutating func refilterCollections() {
    let needle = filter.lowercased()
    visibleCollections = needle.isEmpty ? collections : collections.filter { $0.name.lowercased().contains(needle) }
  }

  /// The collection the cursor is on, if any.
  var selectedCollection: CollectionSummary? {
    let visible = visibleCollections
    let index = self[cursor: .collections].selected
    return visible.indices.contains(index) ? visible[index] : nil
  }

  /// The selected collection's detail, when it has arrived.
  var selectedDetail: CollectionDetail? {
    guard let name = selectedCollection?.name, case .loaded(let detail)? = details[name] else { return nil }
    return detail
  }

  /// The rows of the Schema pane: one per field, plus the dynamic field when it is on.
  var schemaRowCount: Int {
    guard let schema = selectedDetail?.schema else { return 0 }
    return schema.fields.count + (schema.enableDynamicField ? 1 : 0)
  }

  /// The rows of the Index pane: one per index, then one per vector field without an index.
  var indexRows: [IndexRow] {
    guard let detail = selectedDetail else { return [] }
    var rows = detail.indexes.map { IndexRow.index($0) }
    let indexed = Set(detail.indexes.map(\.spec.fieldName))
    for field in detail.schema.vectorFields where !indexed.contains(field.name) { rows.append(.unindexed(field)) }
    return rows
  }

  /// How many rows the list in `pane` has.
  func rowCount(_ pane: Pane) -> Int {
    switch pane {
    case .collections: return visibleCollections.count
    case .schema: return schemaRowCount
    case .index: return indexRows.count
    }
  }

  var isBusy: Bool { !operations.isEmpty }

  /// Whether the Collections pane shows the welcome box that offers the demo data: an empty
  /// store listed, an installer at hand, the browser in front.
  var showsWelcome: Bool {
    demoInstaller != nil && collectionsListed && collections.isEmpty && page == .browser && !showHelp
      && searchForm == nil
  }
}

/// A row of the Index pane.
enum IndexRow: Sendable, Hashable {
  case index(IndexStatus)
  /// A vector field that has no index: search scans it exactly.
  case unindexed(FieldSchema)
}
