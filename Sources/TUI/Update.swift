import Model

extension ExplorerState {
  /// Applies one action and says which effects the runtime should carry out. The only place
  /// the state changes; it does no I/O, so tests drive it with plain key sequences.
  @discardableResult
  mutating func update(_ action: Action) -> [Effect] {
    var effects: [Effect] = []
    switch action {
    case .start:
      effects += start(.overview)
    case .key(let key):
      handle(key, effects: &effects)
    case .mouse(let mouse):
      handleMouse(mouse, effects: &effects)
    case .resize(let newSize):
      size = newSize
      repageEntityBrowser(effects: &effects)
    case .tick:
      spinnerFrame &+= 1
    case .completed(let id, let result, let latency):
      guard let operation = operations.removeValue(forKey: id) else { break }
      apply(result, of: operation, latency: latency, effects: &effects)
    case .failed(let id, let message, let latency):
      guard let operation = operations.removeValue(forKey: id) else { break }
      switch operation.request {
      case .overview: listingError = message
      case .detail(let name): details[name] = .failed(message)
      case .entity(let collection, let id):
        if entity?.collection == collection, entity?.id == id { entity?.problem = message }
      case .rows(let query):
        if entityBrowser?.collection == query.collection, entityBrowser?.filter == query.filter {
          entityBrowser?.problem = message
        }
      case .plotSample(let query):
        if plot?.query == query { plot?.problem = message }
      default: break
      }
      status = StatusMessage("\(operation.request.failureLabel): \(message)", latency: latency, isError: true)
    case .cancelled(let id):
      guard let operation = operations.removeValue(forKey: id) else { break }
      if case .detail(let name) = operation.request { details[name] = .cancelled }
      if case .plotSample(let query) = operation.request, plot?.query == query, plot?.sample == nil {
        plot?.problem = "cancelled; r samples again"
      }
      status = StatusMessage("cancelled \(operation.request.label)")
    case .progress(let id, let note):
      if operations[id] != nil { progressNotes[id] = note }
    case .themeLoaded(let newTheme):
      theme = newTheme
      status = StatusMessage("theme \(newTheme.name)")
    case .themeFailed(let message):
      status = StatusMessage(message, isError: true)
    }
    syncDetail(effects: &effects)
    keepCursorsVisible()
    if !progressNotes.isEmpty { progressNotes = progressNotes.filter { operations[$0.key] != nil } }
    if let notice = pendingNotice {
      // A problem found at start stays in the status line until the user does something.
      switch action {
      case .key, .mouse: pendingNotice = nil
      default: status = notice
      }
    }
    return effects
  }

  // MARK: - Keys

  private mutating func handle(_ key: Key, effects: inout [Effect]) {
    if commandLine != nil || editingFilter { return handleInput(key, effects: &effects) }
    if searchForm != nil, !showHelp { return handleForm(key, effects: &effects) }
    if page == .entities, entityBrowser?.editing == true, !showHelp {
      return handleBrowserFilter(key, effects: &effects)
    }
    if showsWelcome, let command = keymap.command(for: key, in: .welcome) { return perform(command, effects: &effects) }
    if page == .plot, !showHelp, let command = keymap.command(for: key, in: .plot) {
      return handlePlot(command)
    }
    guard let command = keymap.command(for: key, in: .global) ?? keymap.command(for: key, in: .list) else { return }
    if showsCompare, !showHelp, handleCompare(command, effects: &effects) { return }
    if showHelp {
      // Help is modal: it closes, or the explorer quits; nothing moves underneath it.
      let maxScroll = ExplorerView.helpMaxScroll(self)
      let page = max(1, Layout(size: size).body.height - 3)
      switch command {
      case .toggleHelp, .back: showHelp = false
      case .quit: perform(.quit, effects: &effects)
      case .moveDown: helpScroll = min(maxScroll, helpScroll + 1)
      case .moveUp: helpScroll = max(0, helpScroll - 1)
      case .pageDown: helpScroll = min(maxScroll, helpScroll + page)
      case .pageUp: helpScroll = max(0, helpScroll - page)
      case .top: helpScroll = 0
      case .bottom: helpScroll = maxScroll
      default: break
      }
      return
    }
    perform(command, effects: &effects)
  }

  private mutating func handleInput(_ key: Key, effects: inout [Effect]) {
    let command = keymap.command(for: key, in: .input)
    if command != .complete { completion = nil }
    if case .paste(let text) = key { return editInput { $0.insert(text) } }
    if let command {
      switch command {
      case .acceptInput:
        if let line = commandLine {
          commandLine = nil
          historyIndex = nil
          if let name = confirmDrop {
            confirmDrop = nil
            confirmDropping(name, typed: line, effects: &effects)
          } else {
            remember(line)
            run(commandLine: line, effects: &effects)
          }
        } else {
          editingFilter = false
        }
      case .cancelInput:
        if commandLine != nil {
          commandLine = nil
          historyIndex = nil
          if let name = confirmDrop {
            confirmDrop = nil
            status = StatusMessage("kept \(name): drop cancelled")
          }
        } else {
          editingFilter = false
          changeFilter(to: "")
        }
      case .deleteBackward:
        if let line = commandLine {
          if line.isEmpty {
            commandLine = nil
            if let name = confirmDrop {
              confirmDrop = nil
              status = StatusMessage("kept \(name): drop cancelled")
            }
          } else {
            editInput { $0.perform(.deleteBackward) }
          }
        } else if filter.isEmpty {
          editingFilter = false
        } else {
          editInput { $0.perform(.deleteBackward) }
        }
      case .complete:
        if let input = commandInput, confirmDrop == nil { complete(beforeCursorOf: input) }
      default:
        editInput { $0.perform(command) }
      }
    } else if let character = key.printable {
      editInput { $0.insert(String(character)) }
    } else if commandLine != nil, let command = keymap.command(for: key, in: .list) {
      // On the command line, the up and down keys walk the history.
      if confirmDrop == nil, command == .moveUp || command == .moveDown {
        walkHistory(by: command == .moveUp ? -1 : 1)
      }
    } else if commandLine == nil, let command = keymap.command(for: key, in: .list), command != .open {
      // Arrows and paging still move through the list being filtered.
      perform(command, effects: &effects)
    }
  }

  mutating func perform(_ command: Command, effects: inout [Effect]) {
    switch command {
    case .quit:
      quitRequested = true
      effects.append(.quit)
    case .toggleHelp:
      showHelp.toggle()
    case .refresh:
      if page == .entities {
        reloadEntityBrowser(effects: &effects)
      } else if page == .plot, let query = plot?.query {
        plot = PlotState(query: query, origin: plot?.origin ?? .browser)
        effects += start(.plotSample(query))
      } else {
        refresh(effects: &effects)
      }
    case .commandLine:
      commandLine = ""
      historyIndex = nil
    case .filter:
      if page == .entities, entityBrowser != nil {
        entityBrowser?.editing = true
        return
      }
      page = .browser
      focus = .collections
      editingFilter = true
    case .focusNext:
      if page == .browser { focus = focus.next } else { page = .browser }
    case .focusPrevious:
      if page == .browser { focus = focus.previous } else { page = .browser }
    case .focus(let pane):
      page = .browser
      focus = pane
    case .back:
      if isBusy {
        cancelAll(effects: &effects)
      } else if page == .entity {
        if entityOrigin == .entities, entityBrowser != nil {
          page = .entities
        } else {
          page = results != nil ? .results : .browser
        }
        entity = nil
      } else if page == .results {
        if let previous = resultsHistory.popLast() {
          results = previous
          resultsCursor.reset()
        } else {
          page = resultsOrigin == .entities && entityBrowser != nil ? .entities : .browser
        }
      } else if page == .plot {
        page = plot?.origin ?? .browser
      } else if page == .entities {
        page = .browser
      } else if focus != .collections {
        focus = .collections
      } else if !filter.isEmpty {
        changeFilter(to: "")
      }
    case .moveDown:
      moveCursor { $0.move(by: 1, count: $1, wrap: true) }
    case .moveUp:
      moveCursor { $0.move(by: -1, count: $1, wrap: true) }
    case .top:
      moveCursor { cursor, count in cursor.select(0, count: count) }
    case .bottom:
      moveCursor { cursor, count in cursor.select(count - 1, count: count) }
    case .pageDown:
      if page == .entities { return turnBrowserPage(by: 1, effects: &effects) }
      let rows = pageRows
      moveCursor { $0.move(by: rows, count: $1, wrap: false) }
    case .pageUp:
      if page == .entities { return turnBrowserPage(by: -1, effects: &effects) }
      let rows = pageRows
      moveCursor { $0.move(by: -rows, count: $1, wrap: false) }
    case .open:
      switch page {
      case .browser:
        if focus == .collections, selectedCollection != nil {
          focus = .schema
        } else if focus == .schema {
          openEntityBrowser(filter: nil, effects: &effects)
        }
      case .results: openEntity(effects: &effects)
      case .entities: openEntityFromBrowser(effects: &effects)
      case .entity, .plot: break
      }
    case .browseEntities:
      openEntityBrowser(filter: nil, effects: &effects)
    case .search:
      openSearchForm()
    case .moreLikeThis:
      moreLikeThis(effects: &effects)
    case .plot:
      openPlot(effects: &effects)
    case .cyclePlotColor, .zoomPlotIn, .zoomPlotOut, .panPlot, .resetPlot:
      break
    case .measureRecall:
      measureRecall(effects: &effects)
    case .installDemo:
      if showsWelcome, let demoInstaller { effects += start(.installDemo(demoInstaller)) }
    case .acceptInput, .cancelInput, .deleteBackward, .nextField, .previousField, .choose, .runSearch, .closeForm,
      .complete, .cursorLeft, .cursorRight, .lineStart, .lineEnd, .deleteForward, .deleteWordBackward, .deleteToStart,
      .deleteToEnd:
      break
    }
  }

  /// Rows a page key moves by: the rows the list in front shows.
  private var pageRows: Int {
    let layout = Layout(size: size)
    switch page {
    case .browser: return layout.listRows(focus)
    case .results: return layout.resultRows
    case .entity: return layout.entityRows
    case .entities: return layout.browserRows
    case .plot: return 1
    }
  }

  private mutating func moveCursor(_ body: (inout ListCursor, Int) -> Void) {
    switch page {
    case .browser:
      var cursor = self[cursor: focus]
      body(&cursor, rowCount(focus))
      self[cursor: focus] = cursor
    case .results:
      body(&resultsCursor, results?.hits.count ?? 0)
    case .entity:
      body(&entityCursor, entityRows.count)
    case .entities:
      guard var browser = entityBrowser else { return }
      body(&browser.cursor, browser.shownRows?.count ?? 0)
      entityBrowser = browser
    case .plot:
      break
    }
  }

  /// Tab on the command line: completes the text before the cursor, keeping the text after it.
  private mutating func complete(beforeCursorOf input: TextField) {
    var tail = String(input.text.dropFirst(input.cursor))
    guard !tail.isEmpty else { return complete() }
    commandLine = String(input.text.prefix(input.cursor))
    complete()
    let head = commandLine ?? ""
    if head.hasSuffix(" "), tail.hasPrefix(" ") { tail.removeFirst() }
    commandInput = TextField(head + tail, cursor: head.count)
  }

  /// Edits the open input (the command line, or else the collections filter) with `edit`.
  private mutating func editInput(_ edit: (inout TextField) -> Void) {
    if var line = commandInput {
      edit(&line)
      commandInput = line
    } else {
      var input = filterInput
      edit(&input)
      changeFilter(to: input)
    }
  }

  /// Sets the filter, keeping the selected collection selected when it still passes.
  private mutating func changeFilter(to newFilter: String) { changeFilter(to: TextField(newFilter)) }

  /// Sets the filter and its cursor, keeping the selected collection selected when it still passes.
  private mutating func changeFilter(to newFilter: TextField) {
    let selectedName = selectedCollection?.name
    filterInput = newFilter
    let index = visibleCollections.firstIndex(where: { $0.name == selectedName }) ?? 0
    self[cursor: .collections].select(index, count: visibleCollections.count)
  }

  // MARK: - Backend calls

  /// Starts `request` unless the same call is already running.
  mutating func start(_ request: Request) -> [Effect] {
    guard !operations.values.contains(where: { $0.request == request }) else { return [] }
    let operation = Operation(id: nextOperationID, request: request)
    nextOperationID += 1
    operations[operation.id] = operation
    return [.run(operation)]
  }

  mutating func refresh(effects: inout [Effect]) {
    details.removeAll()
    effects += start(.overview)
  }

  private mutating func cancelAll(effects: inout [Effect]) {
    let running = operations.values.sorted { $0.id < $1.id }
    for operation in running {
      effects.append(.cancel(operation.id))
      if case .detail(let name) = operation.request { details[name] = .cancelled }
    }
    operations.removeAll()
    status = StatusMessage("cancelled " + running.map(\.request.label).joined(separator: ", "))
  }

  private mutating func apply(
    _ result: OperationResult, of operation: Operation, latency: Duration, effects: inout [Effect]
  ) {
    switch result {
    case .overview(let server, let database, let listed, let databases),
      .connected(_, _, let server, let database, let listed, let databases):
      if case .useDatabase = operation.request { resetForNewDatabase() }
      var cancelledWork: [String] = []
      if case .connect(let connection, _) = operation.request {
        cancelledWork = forgetTheBackend(for: connection, effects: &effects)
      }
      if case .dropCollection(let name) = operation.request { forget(name) }
      self.databases = databases
      self.server = server
      self.database = database
      collections = listed
      collectionsListed = true
      listingError = nil
      let names = Set(listed.map(\.name))
      details = details.filter { names.contains($0.key) }
      let selectedName = shownCollection
      let index =
        visibleCollections.firstIndex(where: { $0.name == selectedName }) ?? self[cursor: .collections].selected
      self[cursor: .collections].select(index, count: visibleCollections.count)
      let noun = listed.count == 1 ? "collection" : "collections"
      switch operation.request {
      case .useDatabase:
        status = StatusMessage("using database \(database): \(listed.count) \(noun)", latency: latency)
      case .dropCollection(let name):
        status = StatusMessage("dropped collection \(name); \(listed.count) \(noun) left", latency: latency)
      case .installDemo:
        status = StatusMessage("created the demo data: \(listed.map(\.name).joined(separator: ", "))", latency: latency)
      case .connect(let connection, _):
        var text =
          "connected to \(connection.name) (\(server.kind) \(server.version)): \(listed.count) \(noun) in \(database)"
        if !cancelledWork.isEmpty { text += "; cancelled " + cancelledWork.joined(separator: ", ") }
        status = StatusMessage(text, latency: latency)
      default:
        status = StatusMessage("listed \(listed.count) \(noun) in \(database)", latency: latency)
      }
    case .detail(let name, let detail):
      details[name] = .loaded(detail)
      let fields = detail.schema.fields.count
      let indexes = detail.indexes.count
      status = StatusMessage(
        "described \(name): \(fields) field\(fields == 1 ? "" : "s"), \(indexes) index\(indexes == 1 ? "" : "es")",
        latency: latency)
    case .search(let query, let vector, let hits):
      compare = nil
      applySearch(query, vector: vector, hits: hits, latency: latency)
    case .compare(let query, let outcome):
      applyCompare(query, outcome, latency: latency)
    case .plotSample(let query, let sample):
      applyPlotSample(query, sample, latency: latency)
    case .recall(let request, let exact):
      applyRecall(request, exact: exact, latency: latency)
    case .recallTooLarge(let request, let rows):
      askToConfirmRecall(request, rows: rows)
    case .entity(let collection, let id, let row):
      guard entity?.collection == collection, entity?.id == id else { break }
      entity?.row = row
      entity?.problem = row == nil ? "no entity with id \(id) in \(collection) (deleted since the search?)" : nil
      status = StatusMessage(
        row == nil ? "no entity \(id) in \(collection)" : "fetched \(id) from \(collection)", latency: latency,
        isError: row == nil)
    default:
      applyCommandResult(result, of: operation, latency: latency, effects: &effects)
    }
  }

  /// Keeps the selected collection's detail loaded (or loading), and stops loading the detail
  /// of collections the cursor has left.
  private mutating func syncDetail(effects: inout [Effect]) {
    let wanted = selectedCollection?.name
    if wanted != shownCollection {
      shownCollection = wanted
      self[cursor: .schema].reset()
      self[cursor: .index].reset()
    }
    let stale = operations.values.filter {
      if case .detail(let name) = $0.request { return name != wanted }
      return false
    }
    for operation in stale.sorted(by: { $0.id < $1.id }) {
      operations[operation.id] = nil
      effects.append(.cancel(operation.id))
      if case .detail(let name) = operation.request, details[name] == .loading { details[name] = nil }
    }
    if let wanted, collectionsListed, details[wanted] == nil {
      details[wanted] = .loading
      effects += start(.detail(wanted))
    }
  }

  private mutating func keepCursorsVisible() {
    let layout = Layout(size: size)
    for pane in Pane.allCases {
      self[cursor: pane].keepVisible(visible: layout.listRows(pane), count: rowCount(pane))
    }
    resultsCursor.keepVisible(visible: resultsTableRows, count: results?.hits.count ?? 0)
    if var browser = entityBrowser {
      browser.cursor.keepVisible(visible: layout.browserRows, count: browser.shownRows?.count ?? 0)
      entityBrowser = browser
    }
    entityCursor.keepVisible(visible: layout.entityRows, count: entityRows.count)
    if var shown = compare {
      shown.cursor.keepVisible(visible: layout.compareRows, count: shown.rows.count)
      compare = shown
    }
  }
}

extension String {
  /// The string without leading and trailing spaces and tabs.
  var trimmingSpaces: String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
      return ""
    }
    return String(self[first...last])
  }
}
