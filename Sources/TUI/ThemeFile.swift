/// Finds themes by name or path and reads them: the built-in themes (`themes/*.toml`, compiled
/// in) and the user's own in `$XDG_CONFIG_HOME/vscope/themes/NAME.toml`.
///
/// A theme file has a `name`, an optional `inherits` (a theme name, or a path relative to the
/// file), a `[palette]` of named colours and `[styles]` keyed by `StyleKey` raw values. The
/// palettes and styles of the themes it inherits from are merged first, so a theme may change
/// only a palette entry; then every style is resolved against the merged palette.
public struct ThemeCatalog: Sendable, Hashable {
  /// Where user themes live; nil: built-in themes only.
  public var userDirectory: String?

  public init(userDirectory: String?) {
    self.userDirectory = userDirectory
  }

  /// The catalog for this environment: `$XDG_CONFIG_HOME/vscope/themes`, else
  /// `~/.config/vscope/themes`.
  public init(environment: [String: String]) {
    self.init(userDirectory: SettingsFiles.configDirectory(environment: environment).map { $0 + "/themes" })
  }

  /// Whether `argument` names a file rather than a theme.
  public static func isPath(_ argument: String) -> Bool {
    argument.contains("/") || argument.hasSuffix(".toml")
  }

  /// The theme names there are: built-in ones and the user's, sorted, each once.
  public var names: [String] {
    var names = Set(BuiltinThemes.names)
    if let userDirectory {
      for file in SettingsFiles.list(userDirectory) where file.hasSuffix(".toml") && file.count > 5 {
        names.insert(String(file.dropLast(5)))
      }
    }
    return names.sorted()
  }

  /// Reads the theme `argument` names (a theme name, or a path to a file), with what it
  /// inherits. The error names the file and the key at fault.
  public func load(_ argument: String) throws(SettingsError) -> Theme {
    let source = try locate(argument, from: nil)
    let merged = try layers(of: source, chain: [])
    return try merged.resolve()
  }

  // MARK: - Finding theme files

  /// A theme file found and read.
  struct Source {
    /// How messages name the file: the path as given, or `built-in theme NAME`.
    var file: String
    /// What makes two sources the same file (for cycles): `builtin:NAME` or a canonical path.
    var identity: String
    var text: String
    /// The directory relative `inherits` paths start from; nil for built-in themes.
    var directory: String?
    /// The name the theme has when its file does not say: the file name without `.toml`.
    var defaultName: String
  }

  func locate(_ argument: String, from parent: Source?) throws(SettingsError) -> Source {
    if Self.isPath(argument) {
      var path = argument
      if !path.hasPrefix("/"), let directory = parent?.directory, directory != "." { path = directory + "/" + path }
      let text = try SettingsFiles.read(path).get()
      return Source(
        file: path, identity: SettingsFiles.canonical(path), text: text, directory: SettingsFiles.directory(of: path),
        defaultName: SettingsFiles.stem(of: path))
    }
    guard !argument.isEmpty, argument.unicodeScalars.allSatisfy(Self.isNameScalar) else {
      throw SettingsError(file: nil, "\"\(argument)\" is not a theme name (letters, digits, '-', '_', '.') or a path")
    }
    if let userDirectory {
      let path = userDirectory + "/" + argument + ".toml"
      // A user theme that inherits its own name builds on the built-in one of that name.
      if SettingsFiles.exists(path), SettingsFiles.canonical(path) != parent?.identity {
        let text = try SettingsFiles.read(path).get()
        return Source(
          file: path, identity: SettingsFiles.canonical(path), text: text, directory: userDirectory,
          defaultName: argument)
      }
    }
    if let text = BuiltinThemes.text(of: argument) {
      return Source(
        file: "built-in theme \(argument)", identity: "builtin:" + argument, text: text, directory: nil,
        defaultName: argument)
    }
    throw SettingsError(file: nil, "unknown theme \"\(argument)\" (available: \(names.joined(separator: ", ")))")
  }

  private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar {
    case "A"..."Z", "a"..."z", "0"..."9", "_", "-", ".": return true
    default: return false
    }
  }

  // MARK: - Reading and merging

  /// A value and where it was written.
  struct Located {
    var value: TOMLValue
    var file: String
    var line: Int?
  }

  /// A theme's palette and styles merged with those it inherits, not yet resolved.
  struct Merged {
    var name: String
    var palette: [String: Located] = [:]
    var styles: [String: Located] = [:]
  }

  /// Reads `source` and what it inherits; `chain` holds the themes that inherit from it.
  private func layers(of source: Source, chain: [Source]) throws(SettingsError) -> Merged {
    let document: TOMLTable
    do {
      document = try TOML.parse(source.text)
    } catch {
      throw SettingsError(file: source.file, error)
    }
    let file = source.file
    func line(_ key: String, in table: TOMLTable = document) -> Int? { table.position(of: key)?.line }
    for key in document.keys where !["name", "inherits", "palette", "styles"].contains(key) {
      throw SettingsError(
        file: file, key: key, "unknown key (a theme has name, inherits, [palette] and [styles])", line: line(key))
    }
    var name = source.defaultName
    if let value = document["name"] {
      guard let text = value.string, !text.isEmpty else {
        throw SettingsError(
          file: file, key: "name", "expected a non-empty string, found \(value.kind)", line: line("name"))
      }
      name = text
    }
    var merged = Merged(name: name)
    if let value = document["inherits"] {
      guard let parentName = value.string else {
        throw SettingsError(
          file: file, key: "inherits", "expected a theme name or path, found \(value.kind)", line: line("inherits"))
      }
      let parent: Source
      do {
        parent = try locate(parentName, from: source)
      } catch {
        throw SettingsError(
          file: file, key: "inherits", error.file.map { "\($0): \(error.message)" } ?? error.message,
          line: line("inherits"))
      }
      let path = chain + [source]
      if path.contains(where: { $0.identity == parent.identity }) {
        let names = (path.drop(while: { $0.identity != parent.identity }) + [parent]).map(\.file)
        throw SettingsError(
          file: file, key: "inherits", "inheritance cycle: \(names.joined(separator: " → "))", line: line("inherits"))
      }
      merged = try layers(of: parent, chain: path)
      merged.name = name
    }
    for section in ["palette", "styles"] {
      guard let value = document[section] else { continue }
      guard let table = value.table else {
        throw SettingsError(file: file, key: section, "expected a table, found \(value.kind)", line: line(section))
      }
      for key in table.keys {
        let located = Located(value: table[key]!, file: file, line: line(key, in: table))
        if section == "palette" {
          merged.palette[key] = located
        } else {
          guard StyleKey(rawValue: key) != nil else {
            let known = StyleKey.allCases.map(\.rawValue).joined(separator: ", ")
            throw SettingsError(
              file: file, key: "styles.\(key)", "unknown style (known: \(known))", line: located.line)
          }
          merged.styles[key] = located
        }
      }
    }
    return merged
  }
}

extension ThemeCatalog.Merged {
  /// Resolves colours and attributes into a theme.
  func resolve() throws(SettingsError) -> Theme {
    var colors: [String: TerminalColor] = [:]
    for (name, entry) in palette.sorted(by: { $0.key < $1.key }) {
      colors[name] = try ThemeColors.color(entry.value, palette: [:], at: entry, key: "palette.\(name)")
    }
    var theme = Theme(name: name, styles: [:])
    for key in StyleKey.allCases {
      guard let entry = styles[key.rawValue] else { continue }
      theme.styles[key] = try ThemeColors.style(entry, key: "styles.\(key.rawValue)", palette: colors)
    }
    return theme
  }
}

/// How theme files write colours, attributes and styles.
enum ThemeColors {
  /// The 16 ANSI colour names, as palette indices.
  static let names: [String: UInt8] = [
    "black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7,
    "bright-black": 8, "gray": 8, "grey": 8, "bright-red": 9, "bright-green": 10, "bright-yellow": 11,
    "bright-blue": 12, "bright-magenta": 13, "bright-cyan": 14, "bright-white": 15,
  ]

  static let attributes: [(String, TextAttributes)] = [
    ("bold", .bold), ("dim", .dim), ("italic", .italic), ("reverse", .reverse), ("underline", .underline),
  ]

  /// A colour: `"#rrggbb"`, 0-255, `"default"`, a colour name, or a palette entry.
  static func color(
    _ value: TOMLValue, palette: [String: TerminalColor], at entry: ThemeCatalog.Located, key: String,
    line: Int? = nil
  ) throws(SettingsError) -> TerminalColor {
    let line = line ?? entry.line
    switch value {
    case .integer(let number):
      guard (0...255).contains(number) else {
        throw SettingsError(file: entry.file, key: key, "colour \(number) is outside 0-255", line: line)
      }
      return .palette(UInt8(number))
    case .string(let text):
      if let color = palette[text] { return color }
      if text == "default" { return .default }
      if let index = names[text] { return .palette(index) }
      if let rgb = rgb(text) { return rgb }
      throw SettingsError(file: entry.file, key: key, "unknown colour \"\(text)\"", line: line)
    default:
      throw SettingsError(
        file: entry.file, key: key, "expected a colour (\"#rrggbb\", 0-255 or a name), found \(value.kind)",
        line: line)
    }
  }

  /// `#rrggbb` as a colour.
  static func rgb(_ text: String) -> TerminalColor? {
    let digits = Array(text.utf8)
    guard digits.count == 7, digits[0] == UInt8(ascii: "#") else { return nil }
    var channels: [UInt8] = []
    for pair in stride(from: 1, to: 7, by: 2) {
      guard let high = hexValue(digits[pair]), let low = hexValue(digits[pair + 1]) else { return nil }
      channels.append(high << 4 | low)
    }
    return .rgb(channels[0], channels[1], channels[2])
  }

  private static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
  }

  /// A style: a colour alone (the foreground), or `{ fg = …, bg = …, attrs = […] }`.
  static func style(
    _ entry: ThemeCatalog.Located, key: String, palette: [String: TerminalColor]
  ) throws(SettingsError) -> CellStyle {
    switch entry.value {
    case .string, .integer:
      return CellStyle(foreground: try color(entry.value, palette: palette, at: entry, key: key))
    case .table(let table):
      var style = CellStyle()
      let line = { (name: String) in table.position(of: name)?.line ?? entry.line }
      for name in table.keys {
        let value = table[name]!
        switch name {
        case "fg":
          style.foreground = try color(value, palette: palette, at: entry, key: key + ".fg", line: line(name))
        case "bg":
          style.background = try color(value, palette: palette, at: entry, key: key + ".bg", line: line(name))
        case "attrs":
          guard let list = value.array else {
            throw SettingsError(
              file: entry.file, key: key + ".attrs", "expected an array of attribute names, found \(value.kind)",
              line: line(name))
          }
          for item in list {
            guard let text = item.string, let attribute = attributes.first(where: { $0.0 == text })?.1 else {
              let known = attributes.map(\.0).joined(separator: ", ")
              let shown = item.string.map { "\"\($0)\"" } ?? item.kind
              throw SettingsError(
                file: entry.file, key: key + ".attrs", "unknown attribute \(shown) (known: \(known))",
                line: line(name))
            }
            style.attributes.insert(attribute)
          }
        default:
          throw SettingsError(
            file: entry.file, key: key + "." + name, "unknown key (a style has fg, bg and attrs)", line: line(name))
        }
      }
      return style
    default:
      throw SettingsError(
        file: entry.file, key: key,
        "expected a colour or a table like { fg = \"…\", bg = \"…\", attrs = [\"bold\"] }, found \(entry.value.kind)",
        line: entry.line)
    }
  }
}
