/// The built-in themes: copies of `themes/*.toml`, compiled in so that the executable needs no
/// resource files. A test checks that each copy is the same, byte for byte, as its file: after
/// editing a theme in `themes/`, paste the file between the quotes of its constant here.
enum BuiltinThemes {
  /// The built-in theme names, in the order help lists them.
  static let names = ["default", "light", "mono", "high-contrast", "nord", "gruvbox-dark", "solarized-dark"]

  /// The TOML text of a built-in theme.
  static func text(of name: String) -> String? {
    switch name {
    case "default": return defaultTOML
    case "light": return lightTOML
    case "mono": return monoTOML
    case "high-contrast": return highContrastTOML
    case "nord": return nordTOML
    case "gruvbox-dark": return gruvboxDarkTOML
    case "solarized-dark": return solarizedDarkTOML
    default: return nil
    }
  }

  static let defaultTOML = #"""
    # The default vscope theme: xterm-256 colours on the terminal's own (dark) background.
    # Copy a theme into ~/.config/vscope/themes/NAME.toml to make your own; `inherits` keeps the rest.
    #
    # Colours: "#rrggbb", 0-255 (the xterm-256 palette), a colour name ("red", "bright-blue", "default")
    # or a name from [palette]. On terminals with fewer colours, the nearest colour is used.
    # Attributes: bold, dim, italic, underline, reverse.
    name = "default"

    [palette]
    accent = 75
    sky = 117
    header-bg = 24

    [styles]
    header = { fg = 255, bg = "header-bg", attrs = ["bold"] }
    border = { fg = 240 }
    "border.focused" = { fg = "accent", attrs = ["bold"] }
    title = { fg = 250 }
    "title.focused" = { fg = "sky", attrs = ["bold"] }
    "column.header" = { fg = 245, attrs = ["underline"] }
    selection = { fg = 16, bg = "accent" }
    "selection.inactive" = { fg = 252, bg = 238 }
    error = { fg = 203, attrs = ["bold"] }
    dim = { fg = 244 }
    progress = { fg = 77 }
    key = { fg = 179, attrs = ["bold"] }

    """#

  static let lightTOML = #"""
    # For terminals with a light background: dark text, deep blue accents (xterm-256 colours).
    name = "light"
    inherits = "default"

    [palette]
    accent = 25
    ink = 236

    [styles]
    header = { fg = 255, bg = "accent", attrs = ["bold"] }
    border = { fg = 248 }
    "border.focused" = { fg = "accent", attrs = ["bold"] }
    title = { fg = 240 }
    "title.focused" = { fg = "accent", attrs = ["bold"] }
    "column.header" = { fg = 242, attrs = ["underline"] }
    selection = { fg = 255, bg = "accent" }
    "selection.inactive" = { fg = "ink", bg = 252 }
    error = { fg = 160, attrs = ["bold"] }
    dim = { fg = 244 }
    progress = { fg = 28 }
    key = { fg = 130, attrs = ["bold"] }

    """#

  static let monoTOML = #"""
    # No colours at all, only attributes: what vscope shows when NO_COLOR is set or the terminal has
    # no colours.
    name = "mono"

    [styles]
    header = { attrs = ["reverse"] }
    border = {}
    "border.focused" = { attrs = ["bold"] }
    title = {}
    "title.focused" = { attrs = ["bold", "underline"] }
    "column.header" = { attrs = ["underline"] }
    selection = { attrs = ["reverse"] }
    "selection.inactive" = { attrs = ["underline"] }
    error = { attrs = ["bold", "underline"] }
    dim = { attrs = ["dim"] }
    progress = { attrs = ["bold"] }
    key = { attrs = ["bold"] }

    """#

  static let highContrastTOML = #"""
    # High contrast: the 16 ANSI colours only (bright ones on black and white), bold where it helps.
    # Works on 8- and 16-colour terminals as well as on 256-colour ones.
    name = "high-contrast"
    inherits = "default"

    [styles]
    header = { fg = "black", bg = "bright-white", attrs = ["bold"] }
    border = { fg = "white" }
    "border.focused" = { fg = "bright-yellow", attrs = ["bold"] }
    title = { fg = "bright-white" }
    "title.focused" = { fg = "bright-yellow", attrs = ["bold", "underline"] }
    "column.header" = { fg = "bright-white", attrs = ["bold", "underline"] }
    selection = { fg = "black", bg = "bright-yellow", attrs = ["bold"] }
    "selection.inactive" = { fg = "black", bg = "white" }
    error = { fg = "bright-red", attrs = ["bold", "underline"] }
    dim = { fg = "white" }
    progress = { fg = "bright-green", attrs = ["bold"] }
    key = { fg = "bright-cyan", attrs = ["bold"] }

    """#

  static let nordTOML = #"""
    # Nord (https://www.nordtheme.com): Polar Night, Snow Storm, Frost and Aurora.
    name = "nord"
    inherits = "default"

    [palette]
    nord0 = "#2e3440"   # Polar Night
    nord1 = "#3b4252"
    nord2 = "#434c5e"
    nord3 = "#4c566a"
    nord4 = "#d8dee9"   # Snow Storm
    nord5 = "#e5e9f0"
    nord6 = "#eceff4"
    nord7 = "#8fbcbb"   # Frost
    nord8 = "#88c0d0"
    nord9 = "#81a1c1"
    nord10 = "#5e81ac"
    nord11 = "#bf616a"  # Aurora: red, orange, yellow, green, purple
    nord12 = "#d08770"
    nord13 = "#ebcb8b"
    nord14 = "#a3be8c"
    nord15 = "#b48ead"

    [styles]
    header = { fg = "nord6", bg = "nord10", attrs = ["bold"] }
    border = { fg = "nord3" }
    "border.focused" = { fg = "nord8", attrs = ["bold"] }
    title = { fg = "nord4" }
    "title.focused" = { fg = "nord8", attrs = ["bold"] }
    "column.header" = { fg = "nord9", attrs = ["underline"] }
    selection = { fg = "nord0", bg = "nord8" }
    "selection.inactive" = { fg = "nord4", bg = "nord2" }
    error = { fg = "nord11", attrs = ["bold"] }
    dim = { fg = "nord3" }
    progress = { fg = "nord14" }
    key = { fg = "nord13", attrs = ["bold"] }

    """#

  static let gruvboxDarkTOML = #"""
    # Gruvbox dark (https://github.com/morhetz/gruvbox): retro groove, warm and low in blue.
    name = "gruvbox-dark"
    inherits = "default"

    [palette]
    dark0_hard = "#1d2021"
    dark0 = "#282828"
    dark1 = "#3c3836"
    dark2 = "#504945"
    dark3 = "#665c54"
    dark4 = "#7c6f64"
    gray = "#928374"
    light0 = "#fbf1c7"
    light1 = "#ebdbb2"
    light2 = "#d5c4a1"
    light3 = "#bdae93"
    light4 = "#a89984"
    bright_red = "#fb4934"
    bright_green = "#b8bb26"
    bright_yellow = "#fabd2f"
    bright_blue = "#83a598"
    bright_purple = "#d3869b"
    bright_aqua = "#8ec07c"
    bright_orange = "#fe8019"
    neutral_red = "#cc241d"
    neutral_green = "#98971a"
    neutral_yellow = "#d79921"
    neutral_blue = "#458588"
    neutral_purple = "#b16286"
    neutral_aqua = "#689d6a"
    neutral_orange = "#d65d0e"

    [styles]
    header = { fg = "light1", bg = "dark2", attrs = ["bold"] }
    border = { fg = "dark3" }
    "border.focused" = { fg = "bright_yellow", attrs = ["bold"] }
    title = { fg = "light4" }
    "title.focused" = { fg = "bright_yellow", attrs = ["bold"] }
    "column.header" = { fg = "bright_aqua", attrs = ["underline"] }
    selection = { fg = "dark0", bg = "bright_yellow" }
    "selection.inactive" = { fg = "light2", bg = "dark1" }
    error = { fg = "bright_red", attrs = ["bold"] }
    dim = { fg = "gray" }
    progress = { fg = "bright_green" }
    key = { fg = "bright_orange", attrs = ["bold"] }

    """#

  static let solarizedDarkTOML = #"""
    # Solarized dark (https://ethanschoonover.com/solarized): base tones and the eight accents.
    name = "solarized-dark"
    inherits = "default"

    [palette]
    base03 = "#002b36"
    base02 = "#073642"
    base01 = "#586e75"
    base00 = "#657b83"
    base0 = "#839496"
    base1 = "#93a1a1"
    base2 = "#eee8d5"
    base3 = "#fdf6e3"
    yellow = "#b58900"
    orange = "#cb4b16"
    red = "#dc322f"
    magenta = "#d33682"
    violet = "#6c71c4"
    blue = "#268bd2"
    cyan = "#2aa198"
    green = "#859900"

    [styles]
    header = { fg = "base2", bg = "base02", attrs = ["bold"] }
    border = { fg = "base01" }
    "border.focused" = { fg = "blue", attrs = ["bold"] }
    title = { fg = "base0" }
    "title.focused" = { fg = "blue", attrs = ["bold"] }
    "column.header" = { fg = "base1", attrs = ["underline"] }
    selection = { fg = "base03", bg = "blue" }
    "selection.inactive" = { fg = "base1", bg = "base02" }
    error = { fg = "red", attrs = ["bold"] }
    dim = { fg = "base01" }
    progress = { fg = "green" }
    key = { fg = "yellow", attrs = ["bold"] }

    """#
}
