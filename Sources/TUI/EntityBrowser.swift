import Model

/// The entity browser of one collection: a filter checked as typed, the rows that match it one
/// page at a time in primary-key order (fetched on demand by keyset, see `RowsQuery`), and their
/// `count(*)`.
struct EntityBrowser: Sendable, Hashable {
  var collection: String
  var schema: CollectionSchema
  /// The filter line as typed, with its cursor; checked with the shared parser at every keystroke.
  var filterInput = TextField() {
    didSet { checkFilter() }
  }
  /// The filter line's text. Setting it puts the cursor at the end.
  var filterText: String {
    get { filterInput.text }
    set { filterInput = TextField(newValue) }
  }
  private(set) var filterProblem: FilterProblem?
  /// Whether keys go into the filter line.
  var editing = false
  /// The filter the pages and the count are for (the last one applied).
  var filter = ""
  var pageSize: Int
  /// The page shown, from 0.
  var page = 0
  /// Pages fetched for `filter`, by number.
  var pages: [Int: [Row]] = [:]
  /// Keys met so far, by the number of matching rows up to and including them: where the next
  /// page's keyset query can start (kept across a resize, dropped with the pages on a reload).
  var keysByRowCount: [Int: PrimaryKey] = [:]
  /// `count(*)` with `filter`, once it has arrived.
  var total: Int?
  /// Why the last page could not be read.
  var problem: String?
  var cursor = ListCursor()
  /// The row (on the page shown) to select once that page arrives: set when a resize re-pages.
  var selectionOnArrival: Int?

  init(collection: String, schema: CollectionSchema, pageSize: Int) {
    self.collection = collection
    self.schema = schema
    self.pageSize = max(1, pageSize)
  }

  /// The rows of the page shown; nil while it loads.
  var shownRows: [Row]? { pages[page] }

  /// Whether a page after the one shown may have rows.
  var hasNextPage: Bool {
    if let total { return (page + 1) * pageSize < total }
    return (pages[page]?.count ?? 0) == pageSize
  }

  /// The columns: the primary key, the scalar fields, then the vector fields, in schema order.
  var columnFields: [FieldSchema] {
    let primary = schema.fields.filter(\.isPrimary)
    let scalars = schema.fields.filter { !$0.isPrimary && $0.type != .floatVector }
    return primary + scalars + schema.vectorFields
  }

  mutating func checkFilter() {
    do {
      _ = try FilterExpression.parse(filterText, schema: schema)
      filterProblem = nil
    } catch {
      filterProblem = FilterProblem(message: error.message, column: error.column)
    }
  }

  /// The query for page `number` with the applied filter.
  func query(page number: Int) -> RowsQuery {
    let offset = number * pageSize
    let anchor = keysByRowCount.filter { $0.key <= offset }.max { $0.key < $1.key }
    return RowsQuery(
      collection: collection, filter: filter, offset: offset, limit: pageSize,
      anchor: anchor.map { (rows: $0.key, key: $0.value) })
  }
}

extension ExplorerState {
  /// Opens the entity browser on the current collection (as left, when `filter` is nil), or
  /// with `filter` applied (`:query FILTER`; an invalid filter is shown for fixing, not run).
  mutating func openEntityBrowser(filter newFilter: String?, effects: inout [Effect]) {
    guard let name = currentCollectionName else {
      status = StatusMessage("select a collection to browse", isError: true)
      return
    }
    guard let detail = loadedDetail(name) else {
      status = StatusMessage("\(name) is not described yet; try again when it is", isError: true)
      return
    }
    let pageSize = Layout(size: size).browserRows
    if newFilter == nil, var browser = entityBrowser, browser.collection == name {
      browser.schema = detail.schema
      browser.editing = false
      entityBrowser = browser
      page = .entities
      if browser.shownRows == nil { reloadEntityBrowser(effects: &effects) }
      return
    }
    var browser = EntityBrowser(collection: name, schema: detail.schema, pageSize: pageSize)
    browser.filterText = newFilter?.trimmingSpaces ?? ""
    entityBrowser = browser
    page = .entities
    if let problem = browser.filterProblem {
      entityBrowser?.editing = true
      status = StatusMessage("column \(problem.column): \(problem.message)", isError: true)
      return
    }
    applyBrowserFilter(effects: &effects)
  }

  /// Runs the filter typed: the count and the first page, afresh.
  mutating func applyBrowserFilter(effects: inout [Effect]) {
    guard var browser = entityBrowser else { return }
    browser.filter = browser.filterText.trimmingSpaces
    browser.editing = false
    entityBrowser = browser
    reloadEntityBrowser(effects: &effects)
  }

  /// Fetches the count and the page shown again (`r`, or a new filter).
  mutating func reloadEntityBrowser(effects: inout [Effect]) {
    guard var browser = entityBrowser else { return }
    let keep = browser.pages[browser.page] == nil ? 0 : browser.page
    browser.pages.removeAll()
    browser.keysByRowCount.removeAll()
    browser.total = nil
    browser.problem = nil
    browser.page = keep
    browser.cursor.reset()
    entityBrowser = browser
    effects += start(.count(collection: browser.collection, filter: browser.filter))
    effects += start(.rows(browser.query(page: browser.page)))
  }

  /// After a resize: pages by as many rows as the body now shows, and fetches the page that
  /// holds the first row that was visible, so it stays on screen (pages start at multiples of
  /// the page size). The selected row stays selected when it is on that page.
  mutating func repageEntityBrowser(effects: inout [Effect]) {
    guard var browser = entityBrowser else { return }
    let newPageSize = max(1, Layout(size: size).browserRows)
    guard newPageSize != browser.pageSize else { return }
    let firstVisible = browser.page * browser.pageSize + browser.cursor.offset
    let selected = browser.page * browser.pageSize + browser.cursor.selected
    browser.pageSize = newPageSize
    browser.page = firstVisible / newPageSize
    browser.pages.removeAll()
    browser.problem = nil
    let pageStart = browser.page * newPageSize
    let keep = (pageStart..<pageStart + newPageSize).contains(selected) ? selected : firstVisible
    browser.cursor.reset()
    browser.selectionOnArrival = keep - pageStart
    entityBrowser = browser
    effects += start(.rows(browser.query(page: browser.page)))
  }

  /// PgDn / PgUp: the next or previous page, fetched when it has not been yet.
  mutating func turnBrowserPage(by delta: Int, effects: inout [Effect]) {
    guard var browser = entityBrowser else { return }
    let target = browser.page + delta
    if delta > 0, !browser.hasNextPage {
      status = StatusMessage("last page of \(browser.collection)")
      return
    }
    guard target >= 0 else {
      browser.cursor.select(0, count: browser.shownRows?.count ?? 0)
      entityBrowser = browser
      return
    }
    browser.page = target
    browser.cursor.reset()
    browser.problem = nil
    entityBrowser = browser
    if browser.pages[target] == nil { effects += start(.rows(browser.query(page: target))) }
  }

  /// Keys while the browser's filter line is being typed into.
  mutating func handleBrowserFilter(_ key: Key, effects: inout [Effect]) {
    guard var browser = entityBrowser else { return }
    if case .paste(let text) = key {
      browser.filterInput.insert(text)
      entityBrowser = browser
      return
    }
    let command = keymap.command(for: key, in: .input)
    switch command {
    case .acceptInput:
      if let problem = browser.filterProblem {
        status = StatusMessage("fix the filter first: column \(problem.column): \(problem.message)", isError: true)
        return
      }
      applyBrowserFilter(effects: &effects)
      return
    case .cancelInput:
      browser.filterText = browser.filter
      browser.editing = false
    default:
      if let command, browser.filterInput.perform(command) { break }
      if let character = key.printable { browser.filterInput.insert(String(character)) }
    }
    entityBrowser = browser
  }

  /// The primary key of the browser's selected row.
  var selectedBrowserID: PrimaryKey? {
    guard let browser = entityBrowser, let rows = browser.shownRows, rows.indices.contains(browser.cursor.selected),
      let key = browser.schema.primaryField?.name
    else { return nil }
    switch rows[browser.cursor.selected][key] {
    case .int(let value)?: return .int(value)
    case .string(let value)?: return .string(value)
    default: return nil
    }
  }

  /// Enter on a row: the entity page, with every field.
  mutating func openEntityFromBrowser(effects: inout [Effect]) {
    guard let browser = entityBrowser, let id = selectedBrowserID else { return }
    entity = EntityPage(collection: browser.collection, id: id, vectorField: browser.schema.vectorFields.first?.name)
    entityCursor.reset()
    entityOrigin = .entities
    page = .entity
    effects += start(.entity(collection: browser.collection, id: id))
  }

  /// `m` on a browser row (or an entity opened from one): searches like it, with the
  /// collection's search form as last left (or its defaults).
  mutating func moreLikeThisFromBrowser(_ id: PrimaryKey, effects: inout [Effect]) {
    guard let collection = currentCollectionName, let detail = loadedDetail(collection) else { return }
    var form =
      savedForms[collection] ?? SearchForm(collection: collection, schema: detail.schema, indexes: detail.indexes)
    form.schema = detail.schema
    form.indexes = detail.indexes
    form.checkFilter()
    guard !form.schema.vectorFields.isEmpty else {
      status = StatusMessage("\(collection) has no vector field to search", isError: true)
      return
    }
    form.source = .entity
    form.entityID = id.description
    savedForms[collection] = form
    switch form.query(random: &random) {
    case .success(let query): effects += start(.search(query))
    case .failure(let refusal): status = StatusMessage(refusal.message, isError: true)
    }
  }

  /// A page or a count for the browser arrived.
  mutating func applyBrowserResult(_ result: OperationResult, latency: Duration) {
    switch result {
    case .rows(let query, let rows):
      guard var browser = entityBrowser, browser.collection == query.collection, browser.filter == query.filter,
        query.limit == browser.pageSize
      else { return }
      let number = query.offset / browser.pageSize
      browser.pages[number] = rows
      if let key = browser.schema.primaryField?.name, let last = rows.last.flatMap({ EntityPager.primaryKey($0[key]) })
      {
        browser.keysByRowCount[query.offset + rows.count] = last
      }
      browser.problem = nil
      if number == browser.page, let row = browser.selectionOnArrival {
        browser.cursor.select(row, count: rows.count)
        browser.selectionOnArrival = nil
      }
      entityBrowser = browser
      let of = browser.total.map { " of \(Format.grouped($0))" } ?? ""
      let range = rows.isEmpty ? "no rows" : "rows \(query.offset + 1)–\(query.offset + rows.count)\(of)"
      status = StatusMessage("\(range) in \(query.collection)", latency: latency)
    case .count(let collection, let filter, let total):
      guard entityBrowser?.collection == collection, entityBrowser?.filter == filter else { return }
      entityBrowser?.total = total
    default:
      break
    }
  }
}

extension ExplorerState {
  /// Rows the wheel scrolls by.
  static let wheelRows = 3

  /// Mouse: a press focuses the pane under it and selects the row; the wheel moves the
  /// selection of the list under it. Ignored while typing, in the form and under the help.
  mutating func handleMouse(_ event: MouseEvent, effects: inout [Effect]) {
    guard commandLine == nil, !editingFilter, searchForm == nil, !showHelp, size.contains(.minimum) else { return }
    let layout = Layout(size: size)
    let delta = event.kind == .wheelUp ? -Self.wheelRows : Self.wheelRows
    /// The list row under the pointer, for a table whose first row is at `top`.
    func row(top: Int, in rect: Rect, visible: Int) -> Int? {
      guard event.x >= rect.x, event.x < rect.maxX, event.y >= top, event.y < top + visible else { return nil }
      return event.y - top
    }
    switch page {
    case .browser:
      guard
        let pane = Pane.allCases.first(where: {
          let rect = layout.rect($0)
          return event.x >= rect.x && event.x < rect.maxX && event.y >= rect.y && event.y < rect.maxY
        })
      else { return }
      var cursor = self[cursor: pane]
      let count = rowCount(pane)
      if event.kind == .press {
        focus = pane
        let rect = layout.rect(pane)
        if let index = row(top: rect.inner.y + 1, in: rect, visible: layout.listRows(pane)) {
          guard cursor.offset + index < count else { break }
          cursor.select(cursor.offset + index, count: count)
        }
      } else {
        cursor.move(by: delta, count: count, wrap: false)
      }
      self[cursor: pane] = cursor
    case .results:
      let count = results?.hits.count ?? 0
      if event.kind == .press {
        if let index = row(top: layout.body.y + 3, in: layout.body, visible: layout.resultRows),
          resultsCursor.offset + index < count
        {
          resultsCursor.select(resultsCursor.offset + index, count: count)
        }
      } else {
        resultsCursor.move(by: delta, count: count, wrap: false)
      }
    case .entity:
      let count = entityRows.count
      if event.kind == .press {
        if let index = row(top: layout.body.y + 2, in: layout.body, visible: layout.entityRows),
          entityCursor.offset + index < count
        {
          entityCursor.select(entityCursor.offset + index, count: count)
        }
      } else {
        entityCursor.move(by: delta, count: count, wrap: false)
      }
    case .entities:
      guard var browser = entityBrowser, !browser.editing else { return }
      let count = browser.shownRows?.count ?? 0
      if event.kind == .press {
        if let index = row(top: layout.body.y + 4, in: layout.body, visible: layout.browserRows),
          browser.cursor.offset + index < count
        {
          browser.cursor.select(browser.cursor.offset + index, count: count)
        }
      } else {
        browser.cursor.move(by: delta, count: count, wrap: false)
      }
      entityBrowser = browser
    case .plot:
      // The wheel zooms the plot: up in, down out.
      if event.kind != .press { plot?.zoom(in: delta < 0) }
    }
  }
}
