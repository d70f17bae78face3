/// What a key asks the explorer to do. The update function interprets commands; keys never
/// reach it except through the keymap (or as text typed into an input).
enum Command: Sendable, Hashable {
  case quit
  case toggleHelp
  case refresh
  case commandLine
  case filter
  case focusNext
  case focusPrevious
  case focus(Pane)
  case back
  case moveDown
  case moveUp
  case top
  case bottom
  case pageDown
  case pageUp
  case open
  case acceptInput
  case cancelInput
  case deleteBackward
  /// Opens the search form on the selected collection (or the results' collection).
  case search
  /// Searches with the vector of the selected result row or the entity shown.
  case moreLikeThis
  case nextField
  case previousField
  /// Changes a choice field: the binding's first key goes back, the others forward.
  case choose
  case runSearch
  /// Cancels the running search, or closes the form.
  case closeForm
  /// Opens the entity browser on the selected collection.
  case browseEntities
  /// Completes the word before the cursor on the command line.
  case complete
  /// Plots the collection's vectors with PCA (marking a search's query and hits).
  case plot
  /// The plot: colours the points by the next scalar field.
  case cyclePlotColor
  /// The plot: zooms in about the centre.
  case zoomPlotIn
  /// The plot: zooms out about the centre.
  case zoomPlotOut
  /// The plot: moves the view one step that way.
  case panPlot(PanDirection)
  /// The plot: shows every point again.
  case resetPlot
  /// Runs the shown search again exactly and reports recall@k and the neighbours the index missed.
  case measureRecall
  /// Creates the demo collections (the welcome box of an empty store).
  case installDemo
  /// Text inputs: moves the cursor one character left.
  case cursorLeft
  /// Text inputs: moves the cursor one character right.
  case cursorRight
  /// Text inputs: moves the cursor to the start of the text.
  case lineStart
  /// Text inputs: moves the cursor to the end of the text.
  case lineEnd
  /// Text inputs: deletes the character at the cursor.
  case deleteForward
  /// Text inputs: deletes the word before the cursor.
  case deleteWordBackward
  /// Text inputs: deletes from the start of the text to the cursor.
  case deleteToStart
  /// Text inputs: deletes from the cursor to the end of the text.
  case deleteToEnd
}

/// Where a binding applies; also the help screen's sections, in this order. While an input is
/// open, keys that are neither input bindings nor printable fall back to the list bindings, so
/// the arrows still move through the collections being filtered, and on the command line the
/// up and down bindings walk the history of commands. In the search form, keys
/// that are not form bindings fall back to the input bindings (Backspace).
enum KeyScope: String, Sendable, Hashable, CaseIterable {
  case global = "Global"
  case list = "Lists"
  case input = "Filter and command line"
  /// The search form: text goes into the focused field and is edited as in the inputs
  /// (Left and Right move the cursor in text fields and change the choice in choice fields).
  case form = "Search form"
  /// The plot page.
  case plot = "Plot"
  /// The welcome box of an empty embedded store.
  case welcome = "Empty store"
}

/// One row of the keymap: the keys, what they do, and the help text that says so.
struct KeyBinding: Sendable, Hashable {
  var keys: [Key]
  var command: Command
  var scope: KeyScope
  var help: String
}

/// The one table that drives both key handling and the help screen.
struct Keymap: Sendable, Hashable {
  var bindings: [KeyBinding]

  /// The command bound to `key` in `scope`, if any.
  func command(for key: Key, in scope: KeyScope) -> Command? {
    bindings.first(where: { $0.scope == scope && $0.keys.contains(key) })?.command
  }

  /// The bindings of `scope`, in table order.
  func bindings(in scope: KeyScope) -> [KeyBinding] { bindings.filter { $0.scope == scope } }

  static let standard = Keymap(bindings: [
    KeyBinding(keys: [.character("?")], command: .toggleHelp, scope: .global, help: "show or hide this help"),
    KeyBinding(keys: [.character("q")], command: .quit, scope: .global, help: "quit"),
    KeyBinding(keys: [.character(":")], command: .commandLine, scope: .global, help: "command line; ↑ ↓ history"),
    KeyBinding(keys: [.tab], command: .focusNext, scope: .global, help: "focus the next pane"),
    KeyBinding(keys: [.backTab], command: .focusPrevious, scope: .global, help: "focus the previous pane"),
    KeyBinding(keys: [.character("1")], command: .focus(.collections), scope: .global, help: "focus Collections"),
    KeyBinding(keys: [.character("2")], command: .focus(.schema), scope: .global, help: "focus Schema"),
    KeyBinding(keys: [.character("3")], command: .focus(.index), scope: .global, help: "focus Index"),
    KeyBinding(keys: [.character("/")], command: .filter, scope: .global, help: "filter the collections"),
    KeyBinding(keys: [.character("r")], command: .refresh, scope: .global, help: "reload from the backend"),
    KeyBinding(keys: [.escape], command: .back, scope: .global, help: "cancel a call, or go back"),
    KeyBinding(keys: [.character("s")], command: .search, scope: .global, help: "search the collection"),
    KeyBinding(keys: [.character("m")], command: .moreLikeThis, scope: .global, help: "more like this row/entity"),
    KeyBinding(keys: [.character("e")], command: .browseEntities, scope: .global, help: "browse entities (rows)"),
    KeyBinding(keys: [.character("p")], command: .plot, scope: .global, help: "plot the vectors (PCA)"),
    KeyBinding(keys: [.character("R")], command: .measureRecall, scope: .global, help: "recall@k vs exact search"),
    KeyBinding(keys: [.character("j"), .down], command: .moveDown, scope: .list, help: "next row (wraps)"),
    KeyBinding(keys: [.character("k"), .up], command: .moveUp, scope: .list, help: "previous row (wraps)"),
    KeyBinding(keys: [.character("g"), .home], command: .top, scope: .list, help: "first row"),
    KeyBinding(keys: [.character("G"), .end], command: .bottom, scope: .list, help: "last row"),
    KeyBinding(keys: [.pageDown], command: .pageDown, scope: .list, help: "page down, next page"),
    KeyBinding(keys: [.pageUp], command: .pageUp, scope: .list, help: "page up"),
    KeyBinding(keys: [.enter], command: .open, scope: .list, help: "open schema, rows, entity"),
    KeyBinding(keys: [.enter], command: .acceptInput, scope: .input, help: "keep filter / run command"),
    KeyBinding(keys: [.escape], command: .cancelInput, scope: .input, help: "cancel; clears the filter"),
    KeyBinding(keys: [.backspace], command: .deleteBackward, scope: .input, help: "delete a character"),
    KeyBinding(keys: [.left], command: .cursorLeft, scope: .input, help: "cursor left"),
    KeyBinding(keys: [.right], command: .cursorRight, scope: .input, help: "cursor right"),
    KeyBinding(keys: [.home, .control("a")], command: .lineStart, scope: .input, help: "cursor to the start"),
    KeyBinding(keys: [.end, .control("e")], command: .lineEnd, scope: .input, help: "cursor to the end"),
    KeyBinding(keys: [.delete], command: .deleteForward, scope: .input, help: "delete at the cursor"),
    KeyBinding(keys: [.control("w")], command: .deleteWordBackward, scope: .input, help: "delete the word before"),
    KeyBinding(keys: [.control("u")], command: .deleteToStart, scope: .input, help: "delete to the start"),
    KeyBinding(keys: [.control("k")], command: .deleteToEnd, scope: .input, help: "delete to the end"),
    KeyBinding(keys: [.tab], command: .complete, scope: .input, help: "complete command, name"),
    KeyBinding(keys: [.tab], command: .nextField, scope: .form, help: "next field"),
    KeyBinding(keys: [.backTab], command: .previousField, scope: .form, help: "previous field"),
    KeyBinding(keys: [.left, .right], command: .choose, scope: .form, help: "change the choice"),
    KeyBinding(keys: [.enter], command: .runSearch, scope: .form, help: "run the search"),
    KeyBinding(keys: [.escape], command: .closeForm, scope: .form, help: "cancel the search / close"),
    KeyBinding(keys: [.character("c")], command: .cyclePlotColor, scope: .plot, help: "colour by the next field"),
    KeyBinding(keys: [.character("+"), .character("=")], command: .zoomPlotIn, scope: .plot, help: "zoom in"),
    KeyBinding(keys: [.character("-")], command: .zoomPlotOut, scope: .plot, help: "zoom out"),
    KeyBinding(keys: [.left, .character("h")], command: .panPlot(.left), scope: .plot, help: "pan left"),
    KeyBinding(keys: [.right, .character("l")], command: .panPlot(.right), scope: .plot, help: "pan right"),
    KeyBinding(keys: [.up, .character("k")], command: .panPlot(.up), scope: .plot, help: "pan up"),
    KeyBinding(keys: [.down, .character("j")], command: .panPlot(.down), scope: .plot, help: "pan down"),
    KeyBinding(keys: [.character("0")], command: .resetPlot, scope: .plot, help: "show every point"),
    KeyBinding(keys: [.character("d")], command: .installDemo, scope: .welcome, help: "create the demo data"),
  ])

  /// The label of the first key bound to `command` (for hints in footers), if any.
  func keyLabel(for command: Command) -> String? {
    bindings.first(where: { $0.command == command })?.keys.first?.label
  }
}
