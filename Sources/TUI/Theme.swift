/// The semantic names views draw with; a theme says how each looks. Theme files (`themes/*.toml`)
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
/// A plain value: `ThemeCatalog` reads theme files into it (`themes/default.toml` is this
/// `defaultDark`, `themes/mono.toml` is `monochrome`). A missing key draws plain.
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
    name: "default",
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
    name: "mono",
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
  /// A style set apart by its background (a selection, a header bar) is shown reversed; a style
  /// with no attributes left takes monochrome's.
  public var withoutColors: Theme {
    var theme = self
    theme.name += " (no colour)"
    for (key, style) in styles {
      var attributes = style.attributes
      if style.background != .default { attributes.insert(.reverse) }
      theme.styles[key] = CellStyle(attributes: attributes.isEmpty ? Theme.monochrome[key].attributes : attributes)
    }
    return theme
  }

  /// The theme as a terminal with `colors` colours (curses's `COLORS`; 0 when colour is off)
  /// shows it. Without colours, the default theme becomes `monochrome` and any other loses its
  /// colours (`withoutColors`). With 256, 16 or 8, every colour the terminal lacks (24-bit
  /// `#rrggbb`, or a palette entry past its count) becomes the nearest one it has, judged in
  /// CIELAB; this happens once here, not for every cell drawn.
  public func forTerminal(colors: Int) -> Theme {
    guard colors > 0 else { return self == .defaultDark ? .monochrome : withoutColors }
    func fit(_ color: TerminalColor) -> TerminalColor {
      let number = ColorMapping.number(color, colors: colors)
      return number < 0 ? .default : .palette(UInt8(clamping: number))
    }
    var theme = self
    for (key, style) in styles {
      theme.styles[key] = CellStyle(
        foreground: fit(style.foreground), background: fit(style.background), attributes: style.attributes)
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
