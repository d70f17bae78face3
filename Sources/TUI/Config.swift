/// A Milvus server saved in the config file under `[[connections]]`.
public struct SavedConnection: Sendable, Hashable {
  public var name: String
  public var uri: String
  public var token: String?
  public var db: String?

  public init(name: String, uri: String, token: String? = nil, db: String? = nil) {
    self.name = name
    self.uri = uri
    self.token = token
    self.db = db
  }
}

/// Keys for one action, as the config's `[keys]` table binds them (`down = ["j", "Down"]`).
public struct KeyOverride: Sendable, Hashable {
  /// The action's name, as `KeymapActions` spells it: `quit`, `down`, `focus-schema`, …
  public var action: String
  public var keys: [Key]
  /// Where it was written, for messages.
  public var line: Int?

  public init(action: String, keys: [Key], line: Int? = nil) {
    self.action = action
    self.keys = keys
    self.line = line
  }
}

/// The explorer's config file, `$XDG_CONFIG_HOME/vscope/config.toml` (else
/// `~/.config/vscope/config.toml`), read and checked:
///
/// ```toml
/// theme = "nord"                      # a theme name or a path; --theme wins
/// embed_cmd = "my-embedder --json"    # search by text; --embed-cmd wins
///
/// [[connections]]                     # saved Milvus servers: --milvus NAME, NAME:collection
/// name = "prod"
/// uri = "https://milvus.example.com:19530"
/// token = "…"
/// db = "books"
///
/// [keys]                              # action = key, or [keys]
/// down = ["j", "Down", "Ctrl-N"]
/// quit = "Q"
/// ```
public struct ExplorerConfig: Sendable, Hashable {
  /// The theme to use unless `--theme` names one.
  public var theme: String?
  /// The command that turns text into vectors (`embed_cmd`), for search by text.
  public var embedCommand: String?
  /// Saved connections, in file order; their names differ.
  public var connections: [SavedConnection] = []
  /// The `[keys]` overrides, checked against the keymap.
  public var keyOverrides: [KeyOverride] = []
  /// The file read, for messages about values that are checked later (the theme).
  public var file: String?
  /// The line `theme` is on.
  public var themeLine: Int?
  /// The keymap with the overrides applied (checked when the file is read).
  var keymap = Keymap.standard

  public init() {}

  /// Where the config file is: `$XDG_CONFIG_HOME/vscope/config.toml`, else
  /// `~/.config/vscope/config.toml`; nil when neither variable is set.
  public static func path(environment: [String: String]) -> String? {
    SettingsFiles.configDirectory(environment: environment).map { $0 + "/config.toml" }
  }

  /// Reads the config file if there is one (no file: an empty config).
  public static func load(environment: [String: String]) throws(SettingsError) -> ExplorerConfig {
    guard let path = path(environment: environment), SettingsFiles.exists(path) else { return ExplorerConfig() }
    return try parse(try SettingsFiles.read(path).get(), file: path)
  }

  /// Reads a config from its text; `file` names it in errors.
  public static func parse(_ text: String, file: String) throws(SettingsError) -> ExplorerConfig {
    let document: TOMLTable
    do {
      document = try TOML.parse(text)
    } catch {
      throw SettingsError(file: file, error)
    }
    var config = ExplorerConfig()
    config.file = file
    func line(_ key: String, in table: TOMLTable = document) -> Int? { table.position(of: key)?.line }
    func string(_ key: String, in table: TOMLTable, path: String, allowEmpty: Bool = true) throws(SettingsError)
      -> String?
    {
      guard let value = table[key] else { return nil }
      guard let text = value.string else {
        throw SettingsError(file: file, key: path, "expected a string, found \(value.kind)", line: line(key, in: table))
      }
      if !allowEmpty, text.isEmpty {
        throw SettingsError(file: file, key: path, "must not be empty", line: line(key, in: table))
      }
      return text
    }
    for key in document.keys {
      switch key {
      case "theme":
        config.theme = try string(key, in: document, path: key, allowEmpty: false)
        config.themeLine = line(key)
      case "embed_cmd":
        config.embedCommand = try string(key, in: document, path: key, allowEmpty: false)
      case "connections":
        config.connections = try connections(document[key]!, file: file, line: line(key))
      case "keys":
        guard let table = document[key]!.table else {
          throw SettingsError(
            file: file, key: key, "expected a table [keys], found \(document[key]!.kind)", line: line(key))
        }
        config.keyOverrides = try keyOverrides(table, file: file)
        config.keymap = try Keymap.standard.applying(config.keyOverrides, file: file)
      default:
        throw SettingsError(
          file: file, key: key, "unknown key (known: theme, embed_cmd, [[connections]], [keys])", line: line(key))
      }
    }
    return config
  }

  private static func connections(_ value: TOMLValue, file: String, line: Int?) throws(SettingsError)
    -> [SavedConnection]
  {
    guard let list = value.array, list.allSatisfy({ $0.table != nil }) else {
      throw SettingsError(
        file: file, key: "connections", "expected [[connections]] tables, found \(value.kind)", line: line)
    }
    var result: [SavedConnection] = []
    for (index, element) in list.enumerated() {
      let table = element.table!
      let path = "connections #\(index + 1)"
      let tableLine = table.position?.line ?? line
      var fields: [String: String] = [:]
      for key in table.keys {
        guard ["name", "uri", "token", "db"].contains(key) else {
          throw SettingsError(
            file: file, key: "\(path).\(key)", "unknown key (a connection has name, uri, token and db)",
            line: table.position(of: key)?.line)
        }
        guard let text = table[key]!.string else {
          throw SettingsError(
            file: file, key: "\(path).\(key)", "expected a string, found \(table[key]!.kind)",
            line: table.position(of: key)?.line)
        }
        if text.isEmpty, key != "token" {
          throw SettingsError(
            file: file, key: "\(path).\(key)", "must not be empty", line: table.position(of: key)?.line)
        }
        fields[key] = text
      }
      guard let name = fields["name"] else {
        throw SettingsError(file: file, key: path, "missing name", line: tableLine)
      }
      guard let uri = fields["uri"] else {
        throw SettingsError(
          file: file, key: path, "missing uri (milvus://host:port, http:// or https://)", line: tableLine)
      }
      if let earlier = result.firstIndex(where: { $0.name == name }) {
        throw SettingsError(
          file: file, key: "\(path).name", "\"\(name)\" is already the name of connection #\(earlier + 1)",
          line: table.position(of: "name")?.line)
      }
      result.append(SavedConnection(name: name, uri: uri, token: fields["token"], db: fields["db"]))
    }
    return result
  }

  private static func keyOverrides(_ table: TOMLTable, file: String) throws(SettingsError) -> [KeyOverride] {
    var result: [KeyOverride] = []
    for action in table.keys {
      let value = table[action]!
      let line = table.position(of: action)?.line
      let path = "keys.\(action)"
      guard KeymapActions.command(named: action) != nil else {
        throw SettingsError(
          file: file, key: path, "unknown action (known: \(KeymapActions.names.joined(separator: ", ")))", line: line)
      }
      let texts: [TOMLValue]
      switch value {
      case .string: texts = [value]
      case .array(let items): texts = items
      default:
        throw SettingsError(
          file: file, key: path, "expected a key or an array of keys, found \(value.kind)", line: line)
      }
      guard !texts.isEmpty else { throw SettingsError(file: file, key: path, "needs at least one key", line: line) }
      var keys: [Key] = []
      for item in texts {
        guard let text = item.string else {
          throw SettingsError(file: file, key: path, "expected a key name, found \(item.kind)", line: line)
        }
        guard let key = Key(configName: text) else {
          throw SettingsError(
            file: file, key: path,
            "unknown key \"\(text)\" (a character, or Up Down Left Right Home End PgUp PgDn Enter Esc Tab Shift-Tab "
              + "Backspace Del Space F1-F24 Ctrl-A…Ctrl-Z)",
            line: line)
        }
        if !keys.contains(key) { keys.append(key) }
      }
      result.append(KeyOverride(action: action, keys: keys, line: line))
    }
    return result
  }
}

/// The names config files use for the keymap's commands.
enum KeymapActions {
  static func name(of command: Command) -> String {
    switch command {
    case .quit: return "quit"
    case .toggleHelp: return "help"
    case .refresh: return "refresh"
    case .commandLine: return "command-line"
    case .filter: return "filter"
    case .focusNext: return "focus-next"
    case .focusPrevious: return "focus-previous"
    case .focus(let pane): return "focus-" + pane.title.lowercased()
    case .back: return "back"
    case .moveDown: return "down"
    case .moveUp: return "up"
    case .top: return "top"
    case .bottom: return "bottom"
    case .pageDown: return "page-down"
    case .pageUp: return "page-up"
    case .open: return "open"
    case .acceptInput: return "accept"
    case .cancelInput: return "cancel"
    case .deleteBackward: return "delete-backward"
    case .search: return "search"
    case .moreLikeThis: return "more-like-this"
    case .nextField: return "next-field"
    case .previousField: return "previous-field"
    case .choose: return "choose"
    case .runSearch: return "run-search"
    case .closeForm: return "close-form"
    case .browseEntities: return "browse-entities"
    case .complete: return "complete"
    case .installDemo: return "install-demo"
    case .cursorLeft: return "cursor-left"
    case .cursorRight: return "cursor-right"
    case .lineStart: return "line-start"
    case .lineEnd: return "line-end"
    case .deleteForward: return "delete-forward"
    case .deleteWordBackward: return "delete-word-backward"
    case .deleteToStart: return "delete-to-start"
    case .deleteToEnd: return "delete-to-end"
    case .plot: return "plot"
    case .cyclePlotColor: return "plot-color"
    case .zoomPlotIn: return "plot-zoom-in"
    case .zoomPlotOut: return "plot-zoom-out"
    case .panPlot(let direction): return "plot-pan-" + direction.rawValue
    case .resetPlot: return "plot-reset"
    case .measureRecall: return "measure-recall"
    }
  }

  /// Every action name, in keymap order (once, though an action may be bound in several scopes).
  static var names: [String] {
    var seen = Set<String>()
    return Keymap.standard.bindings.map { name(of: $0.command) }.filter { seen.insert($0).inserted }
  }

  static func command(named name: String) -> Command? {
    Keymap.standard.bindings.first(where: { self.name(of: $0.command) == name })?.command
  }
}

extension Keymap {
  /// The keymap with `overrides` replacing the keys of their actions. A key may do one thing
  /// where it is read: global and list keys share the keyboard, input keys have their own.
  /// The help screen shows the result, since it is generated from the same table.
  func applying(_ overrides: [KeyOverride], file: String) throws(SettingsError) -> Keymap {
    var keymap = self
    for override in overrides {
      guard let command = KeymapActions.command(named: override.action) else {
        throw SettingsError(file: file, key: "keys.\(override.action)", "unknown action", line: override.line)
      }
      if let printable = override.keys.first(where: { $0.printable != nil }),
        keymap.bindings.contains(where: { $0.command == command && ($0.scope == .input || $0.scope == .form) })
      {
        throw SettingsError(
          file: file, key: "keys.\(override.action)",
          "\"\(printable.label)\" could not be typed into the filter or command line; bind a key that is not a character",
          line: override.line)
      }
      for index in keymap.bindings.indices where keymap.bindings[index].command == command {
        keymap.bindings[index].keys = override.keys
      }
    }
    // One key, one meaning: report a clash on the override that made it.
    let groups: [[KeyScope]] = [[.global, .list], [.input], [.form], [.plot]]
    for group in groups {
      var seen: [Key: Command] = [:]
      for binding in keymap.bindings where group.contains(binding.scope) {
        for key in binding.keys {
          guard let other = seen[key], other != binding.command else {
            seen[key] = binding.command
            continue
          }
          let names = [other, binding.command].map(KeymapActions.name(of:))
          let blamed = overrides.last(where: { names.contains($0.action) && $0.keys.contains(key) })
          let action = blamed?.action ?? names[1]
          let otherName = names.first(where: { $0 != action }) ?? names[0]
          throw SettingsError(
            file: file, key: "keys.\(action)",
            "\"\(key.label)\" is also bound to \(otherName); give \(otherName) other keys too", line: blamed?.line)
        }
      }
    }
    return keymap
  }
}

extension Key {
  /// A key as config files write it: one character (`"j"`, `"?"`), or a name, any case:
  /// `Up Down Left Right Home End PgUp PgDn Enter Esc Tab Shift-Tab Backspace Del Space`,
  /// `F1`…`F24`, `Ctrl-A`…`Ctrl-Z`. The help screen's labels (`↑`, `PgDn`) read back too.
  public init?(configName text: String) {
    if text.count == 1, let character = text.first {
      guard let scalar = character.unicodeScalars.first, scalar.value >= 0x20, scalar.value != 0x7F else {
        return nil
      }
      switch character {
      case "↑": self = .up
      case "↓": self = .down
      case "←": self = .left
      case "→": self = .right
      default: self = .character(character)
      }
      return
    }
    let lower = text.lowercased()
    let named: [String: Key] = [
      "up": .up, "down": .down, "left": .left, "right": .right, "home": .home, "end": .end,
      "pgup": .pageUp, "pageup": .pageUp, "page-up": .pageUp, "pgdn": .pageDown, "pagedown": .pageDown,
      "page-down": .pageDown, "enter": .enter, "return": .enter, "esc": .escape, "escape": .escape, "tab": .tab,
      "shift-tab": .backTab, "backtab": .backTab, "backspace": .backspace, "del": .delete, "delete": .delete,
      "space": .character(" "),
    ]
    if let key = named[lower] {
      self = key
      return
    }
    if lower.hasPrefix("f"), let number = Int(lower.dropFirst()), (1...24).contains(number),
      !lower.dropFirst().hasPrefix("0"), !lower.dropFirst().hasPrefix("+")
    {
      self = .function(number)
      return
    }
    for prefix in ["ctrl-", "c-"] where lower.hasPrefix(prefix) {
      let rest = lower.dropFirst(prefix.count)
      guard rest.count == 1, let letter = rest.first, ("a"..."z").contains(letter) else { return nil }
      // The terminal sends these as other keys.
      switch letter {
      case "h": self = .backspace
      case "i": self = .tab
      case "j", "m": self = .enter
      default: self = .control(letter)
      }
      return
    }
    return nil
  }
}
