import Model

/// Opens the collection a `:compare` location names (`embedded:NAME`, `embedded:/dir:NAME`,
/// `milvus://host:port[/db]/NAME`) on a backend of its own. The executable makes it, since the
/// TUI knows no backend but the protocol; the caller closes the backend it gets.
public struct LocationOpener: Sendable, Hashable {
  /// A backend opened for a location, and the collection the location names on it.
  public typealias Opened = (backend: any VectorBackend, collection: String)

  public let open: @Sendable (String) async throws -> Opened

  public init(_ open: @escaping @Sendable (String) async throws -> Opened) {
    self.open = open
  }

  // One opener per explorer: any two are the same as far as requests go.
  public static func == (lhs: LocationOpener, rhs: LocationOpener) -> Bool { true }
  public func hash(into hasher: inout Hasher) {}
}

/// `:compare`: the shown results' search (the left side) run again beside the same search with
/// other search parameters, or on another collection or backend (the right side).
struct CompareQuery: Sendable, Hashable {
  /// The shown search with its query vector and search parameters.
  var left: SearchRequest
  /// The same search with the parameters `:compare` gave; on another location, its collection
  /// is the one the location names.
  var right: SearchRequest
  /// Where the right side runs; nil: the explorer's own backend.
  var location: String?
  /// Opens `location` (nil when the explorer was started without one).
  var opener: LocationOpener?
  /// The sides as the page titles them: `catalog (ef=64)`, or the location.
  var leftLabel: String
  var rightLabel: String
  /// The metric the left side ranks by (its index's), for the distance columns' name.
  var metric: Metric
}

/// What the two searches of a `:compare` found, and how long each took (a second, warm run).
struct CompareOutcome: Sendable, Hashable {
  var left: [SearchHit]
  var right: [SearchHit]
  var leftLatency: Duration
  var rightLatency: Duration
}

/// One line of the compare page: the neighbours at one rank on each side.
struct CompareRow: Sendable, Hashable {
  var rank: Int
  var left: SearchHit?
  /// How many places the left neighbour moved on the right: `=`, `+2`, `-1`, or `gone`.
  var move: String?
  var right: SearchHit?
  /// Whether the right neighbour is one the left did not find.
  var isNew: Bool
}

/// The compare page: both top-k lists of a `:compare`, their overlap and rank changes.
struct CompareState: Sendable, Hashable {
  var query: CompareQuery
  var outcome: CompareOutcome
  var comparison: ResultComparison
  /// The results the comparison was made from: the page shows while they are the results shown.
  var base: SearchQuery
  var cursor = ListCursor()
  let rows: [CompareRow]

  init(query: CompareQuery, outcome: CompareOutcome, base: SearchQuery) {
    self.query = query
    self.outcome = outcome
    self.base = base
    comparison = ResultComparison(left: outcome.left, right: outcome.right)
    rows = Self.rows(left: outcome.left, right: outcome.right)
  }

  /// Both lists rank by rank, with the left neighbours' moves and the right's new ones.
  static func rows(left: [SearchHit], right: [SearchHit]) -> [CompareRow] {
    var rightRank: [PrimaryKey: Int] = [:]
    for (index, hit) in right.enumerated() where rightRank[hit.id] == nil { rightRank[hit.id] = index + 1 }
    let leftIDs = Set(left.map(\.id))
    return (0..<max(left.count, right.count)).map { index in
      var row = CompareRow(rank: index + 1, isNew: false)
      if index < left.count {
        let hit = left[index]
        row.left = hit
        if let other = rightRank[hit.id] {
          let shift = other - (index + 1)
          row.move = shift == 0 ? "=" : (shift > 0 ? "+\(shift)" : "\(shift)")
        } else {
          row.move = "gone"
        }
      }
      if index < right.count {
        row.right = right[index]
        row.isNew = !leftIDs.contains(right[index].id)
      }
      return row
    }
  }

  /// `overlap@10 9/10 (0.90) · mean rank shift 0.40`, or `… · identical`.
  var summary: String {
    let k = comparison.k
    let ratio = NumberText.fixed(comparison.overlapRatio, digits: 2)
    let head = "overlap@\(k) \(comparison.overlap)/\(k) (\(ratio))"
    if comparison.isIdentical { return head + " · identical" }
    return head + " · mean rank shift " + NumberText.fixed(comparison.meanRankShift, digits: 2)
  }
}

/// The words of `:compare`.
enum CompareSyntax {
  static let usage = ":compare k=v … (e.g. ef=512) | :compare LOCATION [k=v …]"
  static let locationForms =
    "embedded:NAME, embedded:/dir:NAME, milvus://host:port[/db]/NAME or CONNECTION:NAME (a saved connection)"

  /// Whether `word` names a location rather than a search parameter.
  static func isLocation(_ word: String) -> Bool {
    word.hasPrefix("embedded:") || word.contains("://") || !word.contains("=")
  }

  /// `[LOCATION] k=v …` as the location and the search parameters, or why not.
  static func parse(_ words: [String]) -> Result<(location: String?, params: [String: JSONValue]), InputProblem> {
    guard let first = words.first else { return .failure(InputProblem("usage: " + usage)) }
    var location: String?
    var rest = words[...]
    if isLocation(first) {
      // `CONNECTION:NAME` too: the opener says whether such a connection is saved.
      guard first.contains(":"), !first.hasPrefix(":"), !first.hasSuffix(":") else {
        return .failure(InputProblem("unknown location \(first): use \(locationForms)"))
      }
      location = first
      rest = rest.dropFirst()
    }
    var params: [String: JSONValue] = [:]
    for word in rest {
      guard let equals = word.firstIndex(of: "="), equals != word.startIndex else {
        return .failure(InputProblem("expected key=value, got \(word)"))
      }
      let key = String(word[..<equals])
      let text = String(word[word.index(after: equals)...])
      guard !text.isEmpty else { return .failure(InputProblem("\(key) needs a value")) }
      if let number = Int64(text) {
        params[key] = .int(number)
      } else if let number = Double(text) {
        params[key] = .double(number)
      } else {
        params[key] = .string(text)
      }
    }
    if location == nil, params.isEmpty { return .failure(InputProblem("usage: " + usage)) }
    return .success((location, params))
  }

  /// `catalog (ef=64 nprobe=8)`, or the name alone without parameters.
  static func label(_ name: String, params: [String: JSONValue]) -> String {
    guard !params.isEmpty else { return name }
    let text = params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.jsonText)" }
    return "\(name) (\(text.joined(separator: " ")))"
  }
}

extension CompareQuery {
  /// Runs both searches (the right one on the location's backend, opened for the call and
  /// closed after it), each once to warm up and once timed.
  func run(on backend: any VectorBackend) async throws -> CompareOutcome {
    guard let location else { return try await Self.searchBoth(left, right, on: (backend, backend)) }
    guard let opener else { throw VectorError.unsupported("this explorer cannot open other locations") }
    let opened = try await opener.open(location)
    do {
      try Task.checkCancellation()
      let right = try await fitted(to: opened)
      try Task.checkCancellation()
      let outcome = try await Self.searchBoth(left, right, on: (backend, opened.backend))
      await opened.backend.close()
      return outcome
    } catch {
      await opened.backend.close()
      throw error
    }
  }

  /// The right search on the location's collection: its vector field must take the query
  /// vector; output fields it lacks are left out.
  private func fitted(to opened: LocationOpener.Opened) async throws -> SearchRequest {
    var request = right
    request.collection = opened.collection
    let schema = try await opened.backend.describeCollection(opened.collection)
    let fieldName = request.vectorField ?? schema.vectorFields.first?.name ?? ""
    guard let field = schema.field(named: fieldName), field.type == .floatVector else {
      throw VectorError.invalidArgument("\(location ?? opened.collection) has no float vector field named \(fieldName)")
    }
    let dim = request.vectors.first?.count ?? 0
    if let fieldDim = field.dim, fieldDim != dim {
      throw VectorError.invalidArgument(
        "vector dimension mismatch: the query vector has dim \(dim), \(opened.collection).\(fieldName) has dim \(fieldDim)"
      )
    }
    if !schema.enableDynamicField {
      request.outputFields = request.outputFields.filter { $0 == "*" || schema.field(named: $0) != nil }
    }
    return request
  }

  private static func searchBoth(
    _ left: SearchRequest, _ right: SearchRequest, on backends: (any VectorBackend, any VectorBackend)
  ) async throws -> CompareOutcome {
    let clock = ContinuousClock()
    // A first search on each side loads what it needs (an index, a connection); the timed one follows.
    _ = try await backends.0.search(left)
    _ = try await backends.1.search(right)
    try Task.checkCancellation()
    var leftHits: [SearchHit] = []
    var rightHits: [SearchHit] = []
    let leftLatency = try await clock.measure { leftHits = try await backends.0.search(left).first ?? [] }
    try Task.checkCancellation()
    let rightLatency = try await clock.measure { rightHits = try await backends.1.search(right).first ?? [] }
    return CompareOutcome(left: leftHits, right: rightHits, leftLatency: leftLatency, rightLatency: rightLatency)
  }
}

extension ExplorerState {
  /// Whether the results page shows the compare page (made from the results shown).
  var showsCompare: Bool {
    guard page == .results, let compare, let results else { return false }
    return compare.base == results.query
  }

  /// `:compare [LOCATION] [k=v …]` on the results page: the shown search again, beside the same
  /// search with these parameters, or on another collection or backend.
  mutating func runCompare(_ words: [String], effects: inout [Effect]) {
    guard page == .results, let results else {
      status = StatusMessage(":compare runs on the results page: search first (s)", isError: true)
      return
    }
    let parsed: (location: String?, params: [String: JSONValue])
    switch CompareSyntax.parse(words) {
    case .failure(let problem):
      status = StatusMessage(problem.message, isError: true)
      return
    case .success(let value):
      parsed = value
    }
    if parsed.location != nil, locationOpener == nil {
      status = StatusMessage("this explorer cannot open other locations", isError: true)
      return
    }
    var left = results.query.request
    left.vectors = [results.vector]
    var right = left
    right.params.merge(parsed.params) { $1 }
    let name = left.collection
    let rightLabel = CompareSyntax.label(
      parsed.location ?? name, params: parsed.location == nil ? right.params : parsed.params)
    let query = CompareQuery(
      left: left, right: right, location: parsed.location, opener: locationOpener,
      leftLabel: CompareSyntax.label(name, params: left.params), rightLabel: rightLabel, metric: results.query.metric)
    effects += start(.compare(query))
  }

  mutating func applyCompare(_ query: CompareQuery, _ outcome: CompareOutcome, latency: Duration) {
    guard let results, query.left.collection == results.query.request.collection else { return }
    let state = CompareState(query: query, outcome: outcome, base: results.query)
    compare = state
    page = .results
    status = StatusMessage("compared \(query.leftLabel) with \(query.rightLabel): \(state.summary)", latency: latency)
  }

  /// Keys on the compare page: the list keys move through the ranks, Enter opens the left
  /// entity, Esc goes back to the results. Says whether it took the command.
  mutating func handleCompare(_ command: Command, effects: inout [Effect]) -> Bool {
    guard var shown = compare else { return false }
    let count = shown.rows.count
    let visible = Layout(size: size).compareRows
    switch command {
    case .moveDown: shown.cursor.move(by: 1, count: count, wrap: true)
    case .moveUp: shown.cursor.move(by: -1, count: count, wrap: true)
    case .top: shown.cursor.select(0, count: count)
    case .bottom: shown.cursor.select(count - 1, count: count)
    case .pageDown: shown.cursor.move(by: visible, count: count, wrap: false)
    case .pageUp: shown.cursor.move(by: -visible, count: count, wrap: false)
    case .back:
      if isBusy { return false }
      compare = nil
      return true
    case .open:
      guard shown.rows.indices.contains(shown.cursor.selected), let hit = shown.rows[shown.cursor.selected].left
      else {
        status = StatusMessage("no left neighbour at this rank", isError: true)
        return true
      }
      let collection = shown.query.left.collection
      entity = EntityPage(collection: collection, id: hit.id, vectorField: shown.query.left.vectorField)
      entityCursor.reset()
      entityOrigin = .results
      page = .entity
      effects += start(.entity(collection: collection, id: hit.id))
      return true
    case .moreLikeThis, .measureRecall, .plot:
      status = StatusMessage("Esc goes back to the results for that", isError: true)
      return true
    default:
      return false
    }
    shown.cursor.keepVisible(visible: visible, count: count)
    compare = shown
    return true
  }
}

extension Layout {
  /// Rows of ranks the compare page shows (below the summary line, the sides' labels and the
  /// column headers).
  var compareRows: Int { max(1, body.inner.height - 3) }
}
