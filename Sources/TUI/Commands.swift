import Model

/// The names Tab offered for the word being completed: the first Tab completes as far as the
/// names agree, the next ones go through them.
struct Completion: Sendable, Hashable {
  /// The line before the word being completed.
  var prefix: String
  var candidates: [String]
  /// The candidate in the line now; nil before the second Tab.
  var selected: Int?
  /// The line as completion left it (a changed line starts a new completion).
  var line: String
}

/// The `:` commands, their names for completion, and the parsing of `:index create`.
enum CommandSyntax {
  static let names = [
    "compare", "connect", "drop", "export", "help", "index", "load", "q", "query", "quit", "refresh", "release",
    "search", "theme", "use",
  ]

  /// The commands as the help screen lists them: how each is written, and what it does.
  static let help: [(usage: String, text: String)] = [
    (":search", "open the search form"),
    (":query F", "browse the rows where F"),
    (":compare", "k=v …: results vs params"),
    (":compare L", "results vs the same at L"),
    (":index", "create TYPE k=v · drop"),
    (":load NAME", "load; :release too"),
    (":drop NAME", "drop (asks for the name)"),
    (":export F", "rows as JSON lines to F"),
    (":use DB", "switch the database"),
    (":connect", "NAME: a saved server"),
    (":theme NAME", "switch the theme"),
  ]

  /// Index types offered when the backend does not say which it builds.
  static let defaultIndexTypes = ["FLAT", "HNSW", "IVF_FLAT", "IVF_SQ8", "IVF_PQ", "AUTOINDEX"]

  /// The build parameters Milvus takes for an index type.
  static func buildParams(for type: String) -> [String] {
    let type = type.uppercased()
    if type == "HNSW" { return ["M", "efConstruction"] }
    if type == "IVF_PQ" { return ["nlist", "m", "nbits"] }
    if type.hasPrefix("IVF") { return ["nlist"] }
    return []
  }

  /// `TYPE k=v …` of `:index create` as an index spec on `schema`'s vector field, or why not.
  static func indexSpec(
    _ words: [String], schema: CollectionSchema, indexTypes: [String]
  ) -> Result<IndexSpec, InputProblem> {
    guard let typeWord = words.first else {
      return .failure(InputProblem("usage: :index create TYPE [M=16 efConstruction=200 metric=L2 field=NAME]"))
    }
    let type = typeWord.uppercased()
    let known = indexTypes.isEmpty ? defaultIndexTypes : indexTypes
    guard known.contains(type) else {
      return .failure(
        InputProblem("unknown index type \(typeWord) (this backend builds \(known.joined(separator: ", ")))"))
    }
    var metric = Metric.cosine
    var fieldName: String?
    var indexName: String?
    var params: [String: JSONValue] = [:]
    for word in words.dropFirst() {
      guard let equals = word.firstIndex(of: "="), equals != word.startIndex else {
        return .failure(InputProblem("expected key=value, got \(word)"))
      }
      let key = String(word[..<equals])
      let text = String(word[word.index(after: equals)...])
      guard !text.isEmpty else { return .failure(InputProblem("\(key) needs a value")) }
      switch key.lowercased() {
      case "metric", "metric_type":
        guard let parsed = Metric(name: text) else {
          return .failure(InputProblem("unknown metric \(text) (L2, IP or COSINE)"))
        }
        metric = parsed
      case "field", "field_name": fieldName = text
      case "name", "index_name": indexName = text
      default:
        if let number = Int64(text) {
          params[key] = .int(number)
        } else if let number = Double(text) {
          params[key] = .double(number)
        } else {
          params[key] = .string(text)
        }
      }
    }
    let vectors = schema.vectorFields.map(\.name)
    let field: String
    if let fieldName {
      guard vectors.contains(fieldName) else {
        let what = schema.field(named: fieldName) == nil ? "has no field" : "has no vector field"
        return .failure(InputProblem("\(schema.name) \(what) named \(fieldName)"))
      }
      field = fieldName
    } else if vectors.count == 1 {
      field = vectors[0]
    } else if vectors.isEmpty {
      return .failure(InputProblem("\(schema.name) has no vector field to index"))
    } else {
      return .failure(
        InputProblem(
          "\(schema.name) has \(vectors.count) vector fields (\(vectors.joined(separator: ", "))): name one with field="
        ))
    }
    return .success(IndexSpec(fieldName: field, indexName: indexName, indexType: type, metric: metric, params: params))
  }
}

extension ExplorerState {
  /// The collection commands act on: the one on the page shown, or the one selected.
  var currentCollectionName: String? {
    switch page {
    case .entities: return entityBrowser?.collection ?? selectedCollection?.name
    case .entity: return entity?.collection ?? selectedCollection?.name
    case .results: return results?.query.request.collection ?? selectedCollection?.name
    case .browser: return selectedCollection?.name
    case .plot: return plot?.query.collection ?? selectedCollection?.name
    }
  }

  /// The detail of `name`, when it has arrived.
  func loadedDetail(_ name: String) -> CollectionDetail? {
    if case .loaded(let detail)? = details[name] { return detail }
    return nil
  }

  // MARK: - History

  mutating func remember(_ line: String) {
    let trimmed = line.trimmingSpaces
    guard !trimmed.isEmpty, commandHistory.last != trimmed else { return }
    commandHistory.append(trimmed)
    if commandHistory.count > 200 { commandHistory.removeFirst() }
  }

  /// Up (-1) and Down (+1) through the history; Down past the newest gives back the line typed.
  mutating func walkHistory(by delta: Int) {
    guard !commandHistory.isEmpty else { return }
    if delta < 0 {
      if let index = historyIndex {
        historyIndex = max(0, index - 1)
      } else {
        historyDraft = commandLine ?? ""
        historyIndex = commandHistory.count - 1
      }
    } else {
      guard let index = historyIndex else { return }
      if index + 1 >= commandHistory.count {
        historyIndex = nil
        commandLine = historyDraft
        return
      }
      historyIndex = index + 1
    }
    if let index = historyIndex { commandLine = commandHistory[index] }
  }

  // MARK: - Completion

  /// Tab: completes the last word of the command line as far as the names agree; with the
  /// names already shown, goes to the next one.
  mutating func complete() {
    guard let line = commandLine else { return }
    if var shown = completion, shown.line == line, shown.candidates.count > 1 {
      let next = ((shown.selected ?? -1) + 1) % shown.candidates.count
      shown.selected = next
      shown.line = shown.prefix + shown.candidates[next]
      commandLine = shown.line
      completion = shown
      return
    }
    var prefix = line
    var word = ""
    if let space = line.lastIndex(of: " ") {
      prefix = String(line[...space])
      word = String(line[line.index(after: space)...])
    } else {
      prefix = ""
      word = line
    }
    let words = prefix.split(separator: " ").map(String.init)
    if !words.isEmpty, let equals = word.firstIndex(of: "=") {
      prefix += String(word[...equals])
      word = String(word[word.index(after: equals)...])
    }
    let valueOf = line.lastIndex(of: " ").map { line[line.index(after: $0)...] } ?? Substring(line)
    let key = valueOf.firstIndex(of: "=").map { String(valueOf[..<$0]) }
    let candidates = completionNames(words: words, key: key).filter {
      $0.lowercased().hasPrefix(word.lowercased())
    }
    guard !candidates.isEmpty else {
      completion = nil
      return
    }
    if candidates.count == 1 {
      let only = candidates[0]
      commandLine = prefix + only + (only.hasSuffix("=") ? "" : " ")
      completion = nil
      return
    }
    var common = candidates[0]
    for candidate in candidates.dropFirst() {
      while !candidate.lowercased().hasPrefix(common.lowercased()) { common.removeLast() }
    }
    let completed = common.count > word.count ? prefix + common : line
    commandLine = completed
    completion = Completion(prefix: prefix, candidates: candidates, selected: nil, line: completed)
  }

  /// The names that fit after `words` (the words before the one completed); `key` is set when
  /// the word is the value of a `key=value`.
  private func completionNames(words: [String], key: String?) -> [String] {
    guard let command = words.first else { return CommandSyntax.names }
    let collection = currentCollectionName
    let schema = collection.flatMap { loadedDetail($0)?.schema }
    switch command {
    case "use":
      return words.count == 1 ? databases : []
    case "connect":
      return words.count == 1 ? connections.map(\.name) : []
    case "theme", "colorscheme":
      return words.count == 1 ? BuiltinThemes.names : []
    case "load", "release", "drop":
      return words.count == 1 ? collections.map(\.name) : []
    case "query":
      var names = schema?.fields.filter { $0.type != .floatVector }.map(\.name) ?? []
      names += ["and", "or", "not", "in", "like"]
      return names
    case "index":
      if words.count == 1 { return ["create", "drop"] }
      if words[1] == "drop" {
        return words.count == 2 ? (collection.flatMap { loadedDetail($0)?.indexes.map(\.spec.indexName) } ?? []) : []
      }
      guard words[1] == "create" else { return [] }
      if words.count == 2 {
        let types = server?.indexTypes ?? []
        return types.isEmpty ? CommandSyntax.defaultIndexTypes : types
      }
      switch key?.lowercased() {
      case "metric", "metric_type": return Metric.allCases.map(\.rawValue)
      case "field", "field_name": return schema?.vectorFields.map(\.name) ?? []
      case .some: return []
      case nil:
        let given = Set(words.dropFirst(3).compactMap { $0.split(separator: "=").first.map(String.init) })
        let keys = CommandSyntax.buildParams(for: words[2]) + ["metric", "field", "name"]
        return keys.filter { !given.contains($0) }.map { $0 + "=" }
      }
    default:
      return []
    }
  }

  // MARK: - Running commands

  /// Runs a `:` command.
  mutating func run(commandLine line: String, effects: inout [Effect]) {
    let command = line.trimmingSpaces
    let words = command.split(separator: " ").map(String.init)
    let name = words.first ?? ""
    let argument = String(command.dropFirst(name.count)).trimmingSpaces
    switch name {
    case "": break
    case "q", "q!", "quit", "qa", "qa!", "qall": perform(.quit, effects: &effects)
    case "help", "h": showHelp = true
    case "r", "refresh": refresh(effects: &effects)
    case "search": openSearchForm()
    case "theme", "colorscheme":
      if argument.isEmpty {
        status = StatusMessage(
          "theme \(theme.name); :theme NAME switches (built-in: \(BuiltinThemes.names.joined(separator: ", ")))")
      } else {
        effects.append(.loadTheme(argument))
      }
    case "use":
      guard words.count == 2 else {
        status = StatusMessage(
          "usage: :use DATABASE (databases: \(databases.isEmpty ? "unknown" : databases.joined(separator: ", ")))",
          isError: true)
        return
      }
      effects += start(.useDatabase(words[1]))
    case "connect":
      connect(to: words.count > 1 ? words[1] : nil, effects: &effects)
    case "query":
      openEntityBrowser(filter: argument, effects: &effects)
    case "compare":
      runCompare(Array(words.dropFirst()), effects: &effects)
    case "index":
      runIndexCommand(Array(words.dropFirst()), effects: &effects)
    case "load", "release", "drop", "export":
      let target = name == "export" ? currentCollectionName : (words.count > 1 ? words[1] : currentCollectionName)
      guard let target else {
        status = StatusMessage("select a collection first", isError: true)
        return
      }
      if name != "export", !collections.contains(where: { $0.name == target }) {
        status = StatusMessage("no collection named \(target)", isError: true)
        return
      }
      switch name {
      case "load": effects += start(.load(target))
      case "release": effects += start(.release(target))
      case "drop":
        confirmDrop = target
        commandLine = ""
        completion = nil
      default:
        guard !argument.isEmpty else {
          status = StatusMessage("usage: :export FILE (the rows of \(target) as JSON lines)", isError: true)
          return
        }
        effects += start(.export(collection: target, path: argument))
      }
    default: status = StatusMessage("unknown command :\(command) (:q quits, ? shows the keys)", isError: true)
    }
  }

  private mutating func runIndexCommand(_ words: [String], effects: inout [Effect]) {
    guard let action = words.first, action == "create" || action == "drop" else {
      status = StatusMessage("usage: :index create TYPE [k=v …] | :index drop [NAME]", isError: true)
      return
    }
    guard let collection = currentCollectionName else {
      status = StatusMessage("select a collection first", isError: true)
      return
    }
    guard let detail = loadedDetail(collection) else {
      status = StatusMessage("\(collection) is not described yet; try again when it is", isError: true)
      return
    }
    if action == "drop" {
      let names = detail.indexes.map(\.spec.indexName)
      let name: String
      if words.count > 1 {
        guard names.contains(words[1]) else {
          status = StatusMessage("\(collection) has no index named \(words[1])", isError: true)
          return
        }
        name = words[1]
      } else if names.count == 1 {
        name = names[0]
      } else if names.isEmpty {
        status = StatusMessage("\(collection) has no index to drop", isError: true)
        return
      } else {
        status = StatusMessage(
          "\(collection) has \(names.count) indexes: :index drop NAME (\(names.joined(separator: ", ")))",
          isError: true)
        return
      }
      effects += start(.dropIndex(collection: collection, name: name))
      return
    }
    switch CommandSyntax.indexSpec(
      Array(words.dropFirst()), schema: detail.schema, indexTypes: server?.indexTypes ?? [])
    {
    case .failure(let problem):
      status = StatusMessage(problem.message, isError: true)
    case .success(let spec):
      if detail.indexes.contains(where: { $0.spec.fieldName == spec.fieldName }) {
        status = StatusMessage(
          "\(collection).\(spec.fieldName) already has an index; :index drop it first", isError: true)
        return
      }
      effects += start(.createIndex(collection: collection, spec: spec))
    }
  }

  /// The answer to `:drop`'s prompt: the collection's name drops it, anything else cancels.
  mutating func confirmDropping(_ name: String, typed: String, effects: inout [Effect]) {
    guard typed.trimmingSpaces == name else {
      status = StatusMessage("kept \(name): the name typed did not match, drop cancelled")
      return
    }
    effects += start(.dropCollection(name))
  }

  // MARK: - Results of commands

  /// How often `describeIndexes` is asked again while an index builds.
  static let indexPollInterval = Duration.milliseconds(300)

  mutating func applyCommandResult(
    _ result: OperationResult, of operation: Operation, latency: Duration, effects: inout [Effect]
  ) {
    switch result {
    case .indexes(let collection, let indexes):
      if var detail = loadedDetail(collection) {
        detail.indexes = indexes
        details[collection] = .loaded(detail)
      }
      if let summary = collections.firstIndex(where: { $0.name == collection }) {
        collections[summary].indexTypes = indexes.map(\.spec.indexType)
      }
      if case .dropIndex(_, let name) = operation.request {
        status = StatusMessage("dropped index \(name) of \(collection)", latency: latency)
        return
      }
      if case .createIndex = operation.request {
        page = .browser
        focus = .index
      }
      let building = indexes.filter { $0.state == .inProgress || $0.state == .unissued }
      if let status = building.first {
        self.status = StatusMessage(
          "index \(status.spec.indexType) on \(collection).\(status.spec.fieldName): \(status.state.rawValue) "
            + "\(Format.grouped(status.indexedRows)) of \(Format.grouped(status.totalRows)) rows")
        effects += start(.indexProgress(collection))
      } else {
        var field: String?
        if case .createIndex(_, let spec) = operation.request { field = spec.fieldName }
        if let built = indexes.first(where: { field == nil || $0.spec.fieldName == field }) {
          describeBuilt(built, collection: collection, latency: latency)
        }
      }
    case .rows, .count:
      applyBrowserResult(result, latency: latency)
    case .loadState(let collection, let state):
      if let index = collections.firstIndex(where: { $0.name == collection }) {
        collections[index].info.loadState = state
      }
      let verb = operation.request == .release(collection) ? "released" : "loaded"
      status = StatusMessage("\(verb) \(collection): \(state.rawValue)", latency: latency)
    case .exported(let collection, let path, let rows):
      status = StatusMessage(
        "exported \(Format.grouped(rows)) row\(rows == 1 ? "" : "s") of \(collection) to \(path)", latency: latency)
    default:
      break
    }
  }

  private mutating func describeBuilt(_ built: IndexStatus, collection: String, latency: Duration) {
    let what = "\(built.spec.indexType) index on \(collection).\(built.spec.fieldName)"
    if built.state == .failed {
      status = StatusMessage("\(what) failed: \(built.failReason)", latency: latency, isError: true)
    } else {
      status = StatusMessage("built \(what) (\(built.spec.metric.rawValue))", latency: latency)
    }
  }

  /// `:use` switched databases: nothing shown belongs to the new one.
  mutating func resetForNewDatabase() {
    details.removeAll()
    savedForms.removeAll()
    cursors.removeAll()
    shownCollection = nil
    filter = ""
    focus = .collections
    page = .browser
    results = nil
    resultsHistory.removeAll()
    entity = nil
    entityBrowser = nil
    searchForm = nil
    plot = nil
    compare = nil
    recallConfirmation = nil
  }

  /// `:drop` dropped `name`: forgets what was shown of it.
  mutating func forget(_ name: String) {
    details[name] = nil
    savedForms[name] = nil
    if entityBrowser?.collection == name { entityBrowser = nil }
    if results?.query.request.collection == name {
      results = nil
      resultsHistory.removeAll()
    }
    if entity?.collection == name { entity = nil }
    page = .browser
  }
}
