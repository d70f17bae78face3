import CNCursesW

#if canImport(Glibc)
  import Glibc
#endif

/// Why the terminal could not be opened.
public struct TerminalError: Error, Sendable, Equatable, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}

/// The real terminal, through ncursesw: wide characters, extended colour pairs, keys read with
/// `wget_wch`. Main actor only: curses is single-threaded.
@MainActor
public final class NCursesScreen: Screen {
  private let window: UnsafeMutablePointer<WINDOW>
  private let terminal: OpaquePointer
  /// Colours the terminal shows (`COLORS`); 0 when colour is off or not available.
  public let colorCount: Int
  private var pairs: [ColorPairKey: Int32] = [:]
  private var nextPair: Int32 = 1
  private let pairLimit: Int32
  private var closed = false

  private struct ColorPairKey: Hashable {
    var foreground: Int32
    var background: Int32
  }

  /// Takes over the terminal. `useColor` false (or a terminal without colours) draws with
  /// attributes only.
  public init(useColor: Bool) throws(TerminalError) {
    setlocale(LC_ALL, "")
    guard let terminal = newterm(nil, vs_stdout(), vs_stdin()) else {
      let name = getenv("TERM").map { String(cString: $0) } ?? "(unset)"
      throw TerminalError(message: "cannot open the terminal (TERM=\(name))")
    }
    guard let window = vs_stdscr() else {
      endwin()
      delscreen(terminal)
      throw TerminalError(message: "curses has no screen window")
    }
    self.terminal = terminal
    self.window = window
    TerminalRestore.cursesActive.store(true, ordering: .sequentiallyConsistent)
    TerminalRestore.installExitHandler()
    cbreak()
    noecho()
    nonl()
    keypad(window, true)
    curs_set(0)
    set_escdelay(25)
    // Presses of the left button and the wheel; clicks are not waited for (no interval).
    mouseinterval(0)
    _ = mousemask(Self.mouseEvents, nil)
    // Bracketed paste: the terminal wraps pasted text in ESC [200~ … ESC [201~, which curses
    // then reads as two keys of our own.
    _ = define_key("\u{1b}[200~", Self.pasteStartCode)
    _ = define_key("\u{1b}[201~", Self.pasteEndCode)
    TerminalRestore.enableBracketedPaste()
    if useColor, has_colors() {
      start_color()
      use_default_colors()
      colorCount = Int(vs_colors())
      pairLimit = vs_color_pairs()
    } else {
      colorCount = 0
      pairLimit = 0
    }
  }

  /// Gives the terminal back. Safe to call more than once, and after a signal restored it.
  public func close() {
    guard !closed else { return }
    closed = true
    TerminalRestore.restoreIfNeeded()
    delscreen(terminal)
  }

  /// Whether the terminal shows colours.
  public var hasColors: Bool { colorCount > 0 }

  public var size: TerminalSize {
    TerminalSize(width: Int(getmaxx(window)), height: Int(getmaxy(window)))
  }

  public func present(_ frame: CellBuffer) {
    let current = size
    let height = min(frame.height, current.height)
    let width = min(frame.width, current.width)
    for y in 0..<height {
      for x in 0..<width {
        let cell = frame[x, y]
        if cell.isContinuation { continue }
        let wide = x + 1 < frame.width && frame[x + 1, y].isContinuation
        let (attributes, pair) = rendition(cell.style)
        // Writing the bottom-right cell returns ERR and is harmless, so results are not checked.
        if let glyph = Self.lineGlyph(cell.character) {
          _ = vs_put_line_cell(window, Int32(y), Int32(x), glyph, attributes, pair)
        } else {
          put(cell.character, x: x, y: y, wide: wide && x + 1 < width, attributes: attributes, pair: pair)
        }
      }
    }
    if let cursor = frame.cursor, cursor.x >= 0, cursor.x < width, cursor.y >= 0, cursor.y < height {
      wmove(window, Int32(cursor.y), Int32(cursor.x))
      curs_set(1)
    } else {
      curs_set(0)
    }
    wnoutrefresh(window)
    doupdate()
  }

  public func nextEvent(timeout: Duration) -> InputEvent? {
    let (seconds, attoseconds) = timeout.components
    wtimeout(window, Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000))
    var code: wint_t = 0
    switch wget_wch(window, &code) {
    case KEY_CODE_YES:
      if Int32(code) == KEY_RESIZE { return .resize(size) }
      if Int32(code) == KEY_MOUSE { return mouseEvent() }
      if Int32(code) == Self.pasteStartCode { return .key(.paste(readPaste())) }
      return Self.functionKey(Int32(code)).map(InputEvent.key)
    case OK:
      return Self.characterKey(code).map(InputEvent.key)
    default:
      return nil
    }
  }

  // MARK: - Paste

  /// The key codes `define_key` gives the bracketed-paste markers (past curses's own keys).
  private static let pasteStartCode = Int32(KEY_MAX) + 1
  private static let pasteEndCode = Int32(KEY_MAX) + 2

  /// The pasted text, read up to the end marker (or until the terminal goes quiet for a
  /// while, should the marker be lost). Carriage returns read as line breaks.
  private func readPaste() -> String {
    var text = ""
    wtimeout(window, 500)
    while true {
      var code: wint_t = 0
      let result = wget_wch(window, &code)
      if result == KEY_CODE_YES {
        if Int32(code) == Self.pasteEndCode { break }
        continue
      }
      guard result == OK else { break }
      if code == 13 {
        text.append("\n")
      } else if let scalar = Unicode.Scalar(UInt32(code)) {
        text.unicodeScalars.append(scalar)
      }
    }
    return text
  }

  // MARK: - Mouse

  /// `NCURSES_MOUSE_MASK(button, event)` for mouse version 2 (a function-like macro, which
  /// Swift cannot see): five bits per button.
  private static func mouseMask(button: Int, _ event: mmask_t) -> mmask_t { event << mmask_t((button - 1) * 5) }
  private static let pressed: mmask_t = 0o2
  private static let clicked: mmask_t = 0o4
  private static let leftPress = mouseMask(button: 1, pressed) | mouseMask(button: 1, clicked)
  private static let wheelUp = mouseMask(button: 4, pressed)
  private static let wheelDown = mouseMask(button: 5, pressed)
  private static let mouseEvents = leftPress | wheelUp | wheelDown

  private func mouseEvent() -> InputEvent? {
    var event = MEVENT()
    guard getmouse(&event) == OK else { return nil }
    let x = Int(event.x)
    let y = Int(event.y)
    if event.bstate & Self.wheelUp != 0 { return .mouse(MouseEvent(.wheelUp, x: x, y: y)) }
    if event.bstate & Self.wheelDown != 0 { return .mouse(MouseEvent(.wheelDown, x: x, y: y)) }
    if event.bstate & Self.leftPress != 0 { return .mouse(MouseEvent(.press, x: x, y: y)) }
    return nil
  }

  // MARK: - Keys

  private static func functionKey(_ code: Int32) -> Key? {
    switch code {
    case KEY_UP: return .up
    case KEY_DOWN: return .down
    case KEY_LEFT: return .left
    case KEY_RIGHT: return .right
    case KEY_HOME: return .home
    case KEY_END: return .end
    case KEY_PPAGE: return .pageUp
    case KEY_NPAGE: return .pageDown
    case KEY_ENTER: return .enter
    case KEY_BTAB: return .backTab
    case KEY_BACKSPACE: return .backspace
    case KEY_DC: return .delete
    default:
      for number in 1...24 where code == vs_key_f(Int32(number)) { return .function(number) }
      return nil
    }
  }

  private static func characterKey(_ code: wint_t) -> Key? {
    switch code {
    case 27: return .escape
    case 9: return .tab
    case 10, 13: return .enter
    case 8, 127: return .backspace
    case 1...26: return .control(Character(Unicode.Scalar(UInt8(code) + 96)))
    default:
      guard let scalar = Unicode.Scalar(UInt32(code)) else { return nil }
      return .character(Character(scalar))
    }
  }

  // MARK: - Drawing

  /// Writes one character so that curses's idea of its width matches the cell buffer's: where
  /// the C library disagrees (an emoji it thinks narrow, a character it cannot show in this
  /// locale), a narrower stand-in is written and the rest of the cell blanked.
  private func put(_ character: Character, x: Int, y: Int, wide: Bool, attributes: attr_t, pair: Int32) {
    var scalars = character.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
    // cchar_t holds five code points and terminals disagree on joined emoji: show the first.
    if scalars.count > 1, scalars.contains(0x200D) { scalars = [scalars[0]] }
    let expected: Int32 = wide ? 2 : 1
    let actual = vs_wcwidth(scalars[0])
    var written: Int32 = expected
    if actual != expected {
      if actual == 1 {
        scalars = [scalars[0]]
        written = 1
      } else {
        scalars = [wchar_t(UInt8(ascii: "?"))]
        written = 1
      }
    }
    scalars.withUnsafeBufferPointer {
      _ = vs_put_cell(window, Int32(y), Int32(x), $0.baseAddress, Int32($0.count), attributes, pair)
    }
    if written < expected {
      var space: [wchar_t] = [wchar_t(UInt8(ascii: " "))]
      space.withUnsafeMutableBufferPointer {
        _ = vs_put_cell(window, Int32(y), Int32(x + 1), $0.baseAddress, 1, attributes, pair)
      }
    }
  }

  private static func lineGlyph(_ character: Character) -> UnsafePointer<cchar_t>? {
    switch character {
    case "─": return vs_wacs_hline()
    case "│": return vs_wacs_vline()
    case "┌": return vs_wacs_ulcorner()
    case "┐": return vs_wacs_urcorner()
    case "└": return vs_wacs_llcorner()
    case "┘": return vs_wacs_lrcorner()
    case "━": return vs_wacs_t_hline()
    case "┃": return vs_wacs_t_vline()
    case "┏": return vs_wacs_t_ulcorner()
    case "┓": return vs_wacs_t_urcorner()
    case "┗": return vs_wacs_t_llcorner()
    case "┛": return vs_wacs_t_lrcorner()
    default: return nil
    }
  }

  /// Curses attributes and colour pair for a style; pairs are made on first use.
  private func rendition(_ style: CellStyle) -> (attr_t, Int32) {
    var attributes = vs_a_normal()
    if style.attributes.contains(.bold) { attributes |= vs_a_bold() }
    if style.attributes.contains(.dim) { attributes |= vs_a_dim() }
    if style.attributes.contains(.underline) { attributes |= vs_a_underline() }
    if style.attributes.contains(.reverse) { attributes |= vs_a_reverse() }
    if style.attributes.contains(.italic) { attributes |= vs_a_italic() }
    guard colorCount > 0 else { return (attributes, 0) }
    let key = ColorPairKey(
      foreground: ColorMapping.number(style.foreground, colors: colorCount),
      background: ColorMapping.number(style.background, colors: colorCount))
    if key.foreground < 0, key.background < 0 { return (attributes, 0) }
    if let pair = pairs[key] { return (attributes, pair) }
    guard nextPair < pairLimit, init_extended_pair(nextPair, key.foreground, key.background) == OK else {
      return (attributes, 0)
    }
    pairs[key] = nextPair
    nextPair += 1
    return (attributes, pairs[key]!)
  }
}

/// Maps theme colours onto what the terminal has: the xterm-256 palette, or the 16 (or 8) ANSI
/// colours by nearest RGB.
enum ColorMapping {
  /// The colour number for curses; -1 is the terminal's own colour.
  static func number(_ color: TerminalColor, colors: Int) -> Int32 {
    switch color {
    case .default:
      return -1
    case .palette(let index):
      if Int(index) < colors { return Int32(index) }
      if index < 16 { return Int32(index % 8) }
      return nearest(rgb(ofPalette: Int(index)), among: min(colors, 16))
    case .rgb(let red, let green, let blue):
      let target = (Int(red), Int(green), Int(blue))
      return colors >= 256 ? nearest(target, in: 16..<256) : nearest(target, among: min(colors, 16))
    }
  }

  /// The RGB of an xterm-256 palette entry.
  static func rgb(ofPalette index: Int) -> (Int, Int, Int) {
    let ansi: [(Int, Int, Int)] = [
      (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
      (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255),
      (0, 255, 255), (255, 255, 255),
    ]
    if index < 16 { return ansi[max(0, index)] }
    if index < 232 {
      let levels = [0, 95, 135, 175, 215, 255]
      let cube = index - 16
      return (levels[cube / 36], levels[(cube / 6) % 6], levels[cube % 6])
    }
    let gray = 8 + 10 * (index - 232)
    return (gray, gray, gray)
  }

  private static func nearest(_ target: (Int, Int, Int), among count: Int) -> Int32 {
    nearest(target, in: 0..<max(1, count))
  }

  private static func nearest(_ rgb: (Int, Int, Int), in range: Range<Int>) -> Int32 {
    let target = lab(rgb)
    var best = range.lowerBound
    var bestDistance = Double.infinity
    for index in range {
      let gap = distance(paletteLab[index], target)
      if gap < bestDistance {
        best = index
        bestDistance = gap
      }
    }
    return Int32(best)
  }

  /// The palette in CIELAB, where nearness is judged.
  private static let paletteLab: [(Double, Double, Double)] = (0..<256).map { lab(rgb(ofPalette: $0)) }

  /// A perceptual colour distance: squared CIE76 ΔE, the distance in CIELAB (D65).
  static func distance(_ first: (Double, Double, Double), _ second: (Double, Double, Double)) -> Double {
    let lightness = first.0 - second.0
    let a = first.1 - second.1
    let b = first.2 - second.2
    return lightness * lightness + a * a + b * b
  }

  /// sRGB to CIELAB (D65 white).
  static func lab(_ rgb: (Int, Int, Int)) -> (Double, Double, Double) {
    func linear(_ channel: Int) -> Double {
      let value = Double(channel) / 255
      return value <= 0.04045 ? value / 12.92 : pow((value + 0.055) / 1.055, 2.4)
    }
    let (red, green, blue) = (linear(rgb.0), linear(rgb.1), linear(rgb.2))
    let x = (0.4124 * red + 0.3576 * green + 0.1805 * blue) / 0.95047
    let y = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    let z = (0.0193 * red + 0.1192 * green + 0.9505 * blue) / 1.08883
    func f(_ t: Double) -> Double { t > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * t + 16) / 116 }
    return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))
  }
}
