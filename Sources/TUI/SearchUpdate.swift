import Model

/// One line of the entity page: a field, its type and its value.
struct EntityField: Sendable, Hashable {
  var name: String
  var type: String
  var value: Value
}

extension EntityPage {
  /// The schema the page lays its fields out by (schema order, then dynamic keys by name).
  func fields(schema: CollectionSchema?) -> [EntityField] {
    guard let row else { return [] }
    let declared = schema?.fields ?? []
    var fields = declared.map { EntityField(name: $0.name, type: $0.typeLabel, value: row[$0.name] ?? .null) }
    let known = Set(declared.map(\.name))
    for key in row.keys.sorted() where !known.contains(key) {
      fields.append(EntityField(name: key, type: "dynamic", value: row[key]!))
    }
    return fields
  }
}

extension ExplorerState {
  /// The result row under the cursor, if any.
  var selectedHit: SearchHit? {
    guard let hits = results?.hits, hits.indices.contains(resultsCursor.selected) else { return nil }
    return hits[resultsCursor.selected]
  }

  /// The schema of `collection`, from its form or its loaded detail.
  func schema(of collection: String) -> CollectionSchema? {
    if let form = savedForms[collection] { return form.schema }
    if case .loaded(let detail)? = details[collection] { return detail.schema }
    return nil
  }

  /// The lines of the entity page.
  var entityRows: [EntityField] {
    guard let entity else { return [] }
    return entity.fields(schema: schema(of: entity.collection))
  }

  /// The search running now, if any.
  var runningSearch: Operation? {
    operations.values.sorted { $0.id < $1.id }.first {
      if case .search = $0.request { return true }
      return false
    }
  }

  // MARK: - The form

  mutating func handleForm(_ key: Key, effects: inout [Effect]) {
    guard var form = searchForm else { return }
    let formCommand = keymap.command(for: key, in: .form)
    let inputCommand = keymap.command(for: key, in: .input)
    if case .paste(let text) = key {
      form.paste(text)
    } else if var input = form.input, let inputCommand, formCommand == nil || formCommand == .choose,
      input.perform(inputCommand)
    {
      // In a text field the editing keys edit (Left and Right move the cursor, not the choice).
      form.input = input
    } else if let command = formCommand {
      switch command {
      case .nextField:
        form.moveFocus(by: 1)
      case .previousField:
        form.moveFocus(by: -1)
      case .choose:
        let keys = keymap.bindings.first { $0.scope == .form && $0.command == .choose }?.keys ?? []
        form.choose(by: keys.count > 1 && key == keys.first ? -1 : 1)
      case .runSearch:
        return runForm(form, effects: &effects)
      case .closeForm:
        if let running = runningSearch {
          operations[running.id] = nil
          effects.append(.cancel(running.id))
          status = StatusMessage("cancelled \(running.request.label)")
        } else {
          savedForms[form.collection] = form
          searchForm = nil
          return
        }
      default:
        break
      }
    } else if let character = key.printable, form.input != nil {
      form.input?.insert(String(character))
    }
    searchForm = form
    savedForms[form.collection] = form
  }

  /// Runs the form's search, or says in the form (and the status line) why it cannot.
  private mutating func runForm(_ form: SearchForm, effects: inout [Effect]) {
    var form = form
    switch form.query(random: &random) {
    case .failure(let refusal):
      form.error = refusal.message
      if form.fields.contains(refusal.field) { form.field = refusal.field }
      status = StatusMessage(refusal.message, isError: true)
    case .success(let query):
      form.error = nil
      effects += start(.search(query))
    }
    searchForm = form
    savedForms[form.collection] = form
  }

  /// Opens the form: on the results' or entity's collection (with "more like this" set to the
  /// selected row), or on the collection selected in the browser.
  mutating func openSearchForm() {
    var form: SearchForm
    var likeID: PrimaryKey?
    let fromBrowser = page == .entities || (page == .entity && entityOrigin == .entities)
    if fromBrowser, let collection = currentCollectionName, let detail = loadedDetail(collection) {
      form =
        savedForms[collection] ?? SearchForm(collection: collection, schema: detail.schema, indexes: detail.indexes)
      form.schema = detail.schema
      form.indexes = detail.indexes
      form.checkFilter()
      likeID = page == .entities ? selectedBrowserID : entity?.id
    } else if page != .browser, let collection = entity?.collection ?? results?.query.request.collection,
      let saved = savedForms[collection]
    {
      form = saved
      likeID = page == .entity ? entity?.id : selectedHit?.id
    } else {
      guard let name = selectedCollection?.name else {
        status = StatusMessage("select a collection to search", isError: true)
        return
      }
      guard case .loaded(let detail)? = details[name] else {
        status = StatusMessage("\(name) is not described yet; s opens the search once it is", isError: true)
        return
      }
      form = savedForms[name] ?? SearchForm(collection: name, schema: detail.schema, indexes: detail.indexes)
      form.schema = detail.schema
      form.indexes = detail.indexes
      form.checkFilter()
    }
    guard !form.schema.vectorFields.isEmpty else {
      status = StatusMessage("\(form.collection) has no vector field to search", isError: true)
      return
    }
    form.embedder = embedCommand
    if let likeID {
      form.source = .entity
      form.entityID = likeID.description
    }
    if !form.fields.contains(form.field) { form.field = .source }
    form.error = nil
    searchForm = form
  }

  // MARK: - Results and entities

  /// "More like this": searches again, as the shown results did, with the vector of the
  /// selected result row (fetched first) or of the entity shown.
  mutating func moreLikeThis(effects: inout [Effect]) {
    if page == .entities {
      guard let id = selectedBrowserID else {
        status = StatusMessage("no row selected", isError: true)
        return
      }
      return moreLikeThisFromBrowser(id, effects: &effects)
    }
    if page == .entity, entityOrigin == .entities, let id = entity?.id {
      return moreLikeThisFromBrowser(id, effects: &effects)
    }
    guard page != .browser, var query = results?.query else {
      status = StatusMessage("m searches like a result row or an entity: run a search first (s)", isError: true)
      return
    }
    let id: PrimaryKey
    if page == .entity, let entity {
      id = entity.id
      let field = query.request.vectorField ?? entity.vectorField ?? ""
      if case .floatVector(let vector)? = entity.row?[field] {
        query.request.vectors = [vector]
        query.like = nil
      } else {
        query.request.vectors = []
        query.like = id
      }
    } else if let hit = selectedHit {
      id = hit.id
      query.request.vectors = []
      query.like = id
    } else {
      status = StatusMessage("no result selected", isError: true)
      return
    }
    query.source = "more like this: \(id)"
    let collection = query.request.collection
    if var form = savedForms[collection] {
      form.source = .entity
      form.entityID = id.description
      savedForms[collection] = form
    }
    effects += start(.search(query))
  }

  /// Opens the selected result row's entity page and fetches every field.
  mutating func openEntity(effects: inout [Effect]) {
    guard let results, let hit = selectedHit else { return }
    let collection = results.query.request.collection
    entity = EntityPage(collection: collection, id: hit.id, vectorField: results.query.request.vectorField)
    entityCursor.reset()
    entityOrigin = .results
    page = .entity
    effects += start(.entity(collection: collection, id: hit.id))
  }

  mutating func applySearch(_ query: SearchQuery, vector: [Float], hits: [SearchHit], latency: Duration) {
    let fromBrowser = page == .entities || (page == .entity && entityOrigin == .entities)
    if page == .browser || fromBrowser {
      resultsHistory.removeAll()
      resultsOrigin = fromBrowser ? .entities : .browser
    } else if let shown = results {
      resultsHistory.append(shown)
      if resultsHistory.count > 50 { resultsHistory.removeFirst() }
    }
    results = SearchResults(query: query, vector: vector, hits: hits)
    resultsCursor.reset()
    entity = nil
    page = .results
    if let form = searchForm, form.collection == query.request.collection {
      savedForms[form.collection] = form
      searchForm = nil
    }
    let noun = hits.count == 1 ? "hit" : "hits"
    status = StatusMessage(
      "\(hits.count) \(noun) in \(query.request.collection), top \(query.request.topK) by \(query.metric.rawValue)",
      latency: latency)
  }
}
