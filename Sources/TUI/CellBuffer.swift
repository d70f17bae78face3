import Model

/// Text attributes that every terminal can show, with or without colour.
public struct TextAttributes: OptionSet, Sendable, Hashable {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }

  public static let bold = TextAttributes(rawValue: 1 << 0)
  public static let dim = TextAttributes(rawValue: 1 << 1)
  public static let underline = TextAttributes(rawValue: 1 << 2)
  public static let reverse = TextAttributes(rawValue: 1 << 3)
  public static let italic = TextAttributes(rawValue: 1 << 4)
}

/// A colour: the terminal's default, one of the 256 xterm palette entries, or 24-bit RGB.
public enum TerminalColor: Sendable, Hashable {
  case `default`
  case palette(UInt8)
  case rgb(UInt8, UInt8, UInt8)
}

/// How a cell looks; views refer to styles by semantic name through the theme.
public struct CellStyle: Sendable, Hashable {
  public var foreground: TerminalColor
  public var background: TerminalColor
  public var attributes: TextAttributes

  public init(
    foreground: TerminalColor = .default, background: TerminalColor = .default, attributes: TextAttributes = []
  ) {
    self.foreground = foreground
    self.background = background
    self.attributes = attributes
  }

  public static let plain = CellStyle()
}

/// One terminal cell: a character and its style. A wide character fills its cell and marks the
/// next one as its continuation, which holds no text of its own.
public struct Cell: Sendable, Hashable {
  public var character: Character
  public var style: CellStyle
  public var isContinuation: Bool

  public init(character: Character = " ", style: CellStyle = .plain, isContinuation: Bool = false) {
    self.character = character
    self.style = style
    self.isContinuation = isContinuation
  }

  public static let blank = Cell()
}

/// A cell's place in a frame: 0-based column and row.
public struct CellPosition: Sendable, Hashable {
  public var x: Int
  public var y: Int

  public init(x: Int, y: Int) {
    self.x = x
    self.y = y
  }
}

/// A frame: a grid of cells that views draw into from scratch, and that a screen then shows.
///
/// Drawing never spills outside the grid or a clip width, and never leaves half of a wide
/// character behind: a wide character that does not fit is replaced by a space.
public struct CellBuffer: Sendable, Hashable {
  public let width: Int
  public let height: Int
  public private(set) var cells: [Cell]
  /// Where the terminal shows its cursor: the focused input's insertion point; nil hides it.
  public var cursor: CellPosition?

  public init(width: Int, height: Int) {
    self.width = max(0, width)
    self.height = max(0, height)
    cells = Array(repeating: .blank, count: self.width * self.height)
  }

  public subscript(x: Int, y: Int) -> Cell {
    get { cells[y * width + x] }
    set { cells[y * width + x] = newValue }
  }

  /// Writes `text` at (`x`, `y`) in `style`, cut to `maxWidth` cells (and the grid's edge);
  /// returns the cells used. Control characters are shown as `?`.
  @discardableResult
  public mutating func put(_ text: String, x: Int, y: Int, style: CellStyle = .plain, maxWidth: Int? = nil) -> Int {
    guard y >= 0, y < height, x < width else { return 0 }
    let limit = min(width, x + (maxWidth ?? width))
    var column = x
    for character in text {
      let cells = DisplayWidth.of(character)
      let shown: Character =
        cells == 0 && character.unicodeScalars.first.map({ $0.value < 0x20 || $0.value == 0x7F }) == true
        ? "?" : character
      let shownCells = shown == "?" ? 1 : cells
      if shownCells == 0 { continue }  // combining marks on their own: nothing to draw
      if column + shownCells > limit {
        if column < limit, column >= 0 { clearWide(at: column, y: y, style: style) }
        break
      }
      if column >= 0 {
        clearWide(at: column, y: y, style: style)
        self[column, y] = Cell(character: shown, style: style)
        if shownCells == 2 {
          clearWide(at: column + 1, y: y, style: style)
          self[column + 1, y] = Cell(character: " ", style: style, isContinuation: true)
        }
      }
      column += shownCells
    }
    return column - x
  }

  /// Fills a rectangle with spaces in `style`.
  public mutating func fill(x: Int, y: Int, width rectWidth: Int, height rectHeight: Int, style: CellStyle = .plain) {
    for row in max(0, y)..<min(height, y + rectHeight) {
      for column in max(0, x)..<min(width, x + rectWidth) {
        self[column, row] = Cell(character: " ", style: style)
      }
    }
  }

  /// Overwriting half of a wide character blanks the other half, so no orphan remains.
  private mutating func clearWide(at x: Int, y: Int, style: CellStyle) {
    guard x >= 0, x < width else { return }
    let cell = self[x, y]
    if cell.isContinuation, x > 0 {
      self[x - 1, y] = Cell(character: " ", style: self[x - 1, y].style)
    } else if x + 1 < width, self[x + 1, y].isContinuation {
      self[x + 1, y] = Cell(character: " ", style: self[x + 1, y].style)
    }
  }

  /// The frame as plain text, one line per row, trailing spaces kept so columns line up.
  public var text: String {
    (0..<height).map { row in
      var line = ""
      for column in 0..<width where !self[column, row].isContinuation { line.append(self[column, row].character) }
      return line
    }.joined(separator: "\n")
  }
}
