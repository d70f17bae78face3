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
  /// The search form: text goes into the focused field; Backspace deletes as in the inputs.
  case form = "Search form"
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
    KeyBinding(keys: [.tab], command: .complete, scope: .input, help: "complete command, name"),
    KeyBinding(keys: [.tab], command: .nextField, scope: .form, help: "next field"),
    KeyBinding(keys: [.backTab], command: .previousField, scope: .form, help: "previous field"),
    KeyBinding(keys: [.left, .right], command: .choose, scope: .form, help: "change the choice"),
    KeyBinding(keys: [.enter], command: .runSearch, scope: .form, help: "run the search"),
    KeyBinding(keys: [.escape], command: .closeForm, scope: .form, help: "cancel the search / close"),
  ])

  /// The label of the first key bound to `command` (for hints in footers), if any.
  func keyLabel(for command: Command) -> String? {
    bindings.first(where: { $0.command == command })?.keys.first?.label
  }
}
