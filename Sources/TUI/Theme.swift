/// The semantic names views draw with; a theme says how each looks. Theme files (TOML, later)
/// name these keys by their raw values.
public enum StyleKey: String, Sendable, Hashable, CaseIterable {
  case header
  case border
  case borderFocused = "border.focused"
  case title
  case titleFocused = "title.focused"
  case columnHeader = "column.header"
  case selection
  case selectionInactive = "selection.inactive"
  case error
  case dim
  case progress
  case key
}

/// How the explorer looks: one style per semantic key.
///
/// A plain value, so a theme file can be read into it (and inherit from a built-in one by
/// starting from its `styles`). A missing key draws plain.
public struct Theme: Sendable, Hashable {
  public var name: String
  public var styles: [StyleKey: CellStyle]

  public init(name: String, styles: [StyleKey: CellStyle]) {
    self.name = name
    self.styles = styles
  }

  public subscript(key: StyleKey) -> CellStyle {
    get { styles[key] ?? .plain }
    set { styles[key] = newValue }
  }

  /// The default: xterm-256 colours on the terminal's own (dark) background.
  public static let defaultDark = Theme(
    name: "default-dark",
    styles: [
      .header: CellStyle(foreground: .palette(255), background: .palette(24), attributes: .bold),
      .border: CellStyle(foreground: .palette(240)),
      .borderFocused: CellStyle(foreground: .palette(75), attributes: .bold),
      .title: CellStyle(foreground: .palette(250)),
      .titleFocused: CellStyle(foreground: .palette(117), attributes: .bold),
      .columnHeader: CellStyle(foreground: .palette(245), attributes: .underline),
      .selection: CellStyle(foreground: .palette(16), background: .palette(75)),
      .selectionInactive: CellStyle(foreground: .palette(252), background: .palette(238)),
      .error: CellStyle(foreground: .palette(203), attributes: .bold),
      .dim: CellStyle(foreground: .palette(244)),
      .progress: CellStyle(foreground: .palette(77)),
      .key: CellStyle(foreground: .palette(179), attributes: .bold),
    ])

  /// No colour at all (`NO_COLOR`, or a terminal without colours): attributes only.
  public static let monochrome = Theme(
    name: "monochrome",
    styles: [
      .header: CellStyle(attributes: .reverse),
      .border: CellStyle(),
      .borderFocused: CellStyle(attributes: .bold),
      .title: CellStyle(),
      .titleFocused: CellStyle(attributes: [.bold, .underline]),
      .columnHeader: CellStyle(attributes: .underline),
      .selection: CellStyle(attributes: .reverse),
      .selectionInactive: CellStyle(attributes: .underline),
      .error: CellStyle(attributes: [.bold, .underline]),
      .dim: CellStyle(attributes: .dim),
      .progress: CellStyle(attributes: .bold),
      .key: CellStyle(attributes: .bold),
    ])

  /// This theme with every colour removed, attributes kept: what `NO_COLOR` asks of a theme file.
  public var withoutColors: Theme {
    var theme = self
    theme.name += " (no colour)"
    for (key, style) in styles {
      theme.styles[key] = CellStyle(
        attributes: style.attributes.isEmpty ? Theme.monochrome[key].attributes : style.attributes)
    }
    return theme
  }
}

/// Whether to use colour: `auto` follows `NO_COLOR` and what the terminal can show.
public enum ColorMode: String, Sendable, Hashable, CaseIterable {
  case auto
  case always
  case never

  /// Whether colours are wanted, given the environment (`NO_COLOR` set and non-empty means no).
  public func wantsColor(environment: [String: String]) -> Bool {
    switch self {
    case .always: return true
    case .never: return false
    case .auto: return (environment["NO_COLOR"] ?? "").isEmpty
    }
  }
}
