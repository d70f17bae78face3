import Model

/// One line of editable text and its cursor: the model behind every text input of the
/// explorer (the collections filter, the command line, the search form's text fields and the
/// entity browser's filter). The cursor counts characters (grapheme clusters) from the start,
/// so a wide character or an emoji sequence moves and deletes as one.
struct TextField: Sendable, Hashable {
  /// The text typed so far.
  private(set) var text: String
  /// Where the next character goes: characters before the cursor, from 0 to `text.count`.
  private(set) var cursor: Int

  /// A field holding `text`, the cursor at its end (or at `cursor`, kept inside the text).
  init(_ text: String = "", cursor: Int? = nil) {
    self.text = text
    self.cursor = min(max(0, cursor ?? text.count), text.count)
  }

  var isEmpty: Bool { text.isEmpty }

  /// The index in `text` of the character at `offset` (characters from the start).
  private func index(_ offset: Int) -> String.Index { text.index(text.startIndex, offsetBy: offset) }

  /// Inserts `newText` at the cursor and moves the cursor past it. `singleLine` turns line
  /// breaks and tabs into spaces (a pasted block becomes one line); other control characters
  /// are dropped.
  mutating func insert(_ newText: String, singleLine: Bool = true) {
    var cleaned = ""
    cleaned.reserveCapacity(newText.utf8.count)
    for character in newText {
      if singleLine, character == "\n" || character == "\r\n" || character == "\r" || character == "\t" {
        cleaned.append(" ")
      } else if let scalar = character.unicodeScalars.first, scalar.value < 0x20 || scalar.value == 0x7F {
        continue
      } else {
        cleaned.append(character)
      }
    }
    guard !cleaned.isEmpty else { return }
    let before = text.count
    text.insert(contentsOf: cleaned, at: index(cursor))
    // A combining mark may merge with the character before it: count what was really added.
    cursor += text.count - before
  }

  /// Applies an editing command; false when `command` does not edit text (the caller handles it).
  @discardableResult
  mutating func perform(_ command: Command) -> Bool {
    switch command {
    case .cursorLeft: cursor = max(0, cursor - 1)
    case .cursorRight: cursor = min(text.count, cursor + 1)
    case .lineStart: cursor = 0
    case .lineEnd: cursor = text.count
    case .deleteBackward:
      guard cursor > 0 else { return true }
      text.remove(at: index(cursor - 1))
      cursor -= 1
    case .deleteForward:
      guard cursor < text.count else { return true }
      text.remove(at: index(cursor))
    case .deleteWordBackward:
      // Spaces before the cursor, then the word before them (as a shell's Ctrl-W does).
      let characters = Array(text.prefix(cursor))
      var start = characters.count
      while start > 0, characters[start - 1] == " " { start -= 1 }
      while start > 0, characters[start - 1] != " " { start -= 1 }
      text.removeSubrange(index(start)..<index(cursor))
      cursor = start
    case .deleteToStart:
      text.removeSubrange(text.startIndex..<index(cursor))
      cursor = 0
    case .deleteToEnd:
      text.removeSubrange(index(cursor)..<text.endIndex)
    default:
      return false
    }
    return true
  }

  /// What an input `width` cells wide shows: the text scrolled horizontally so that the cursor
  /// stays visible (the start while it fits, otherwise the cursor in the last column), the
  /// cursor's column in it, and how many cells were scrolled off on the left.
  func window(width: Int) -> (text: String, cursorColumn: Int, cut: Int) {
    guard width > 0 else { return ("", 0, 0) }
    let characters = Array(text)
    let beforeCursor = characters[..<cursor].reduce(0) { $0 + DisplayWidth.of($1) }
    // The cursor needs a cell of its own after the text before it.
    var cut = 0
    var first = 0
    while beforeCursor - cut + 1 > width, first < cursor {
      cut += DisplayWidth.of(characters[first])
      first += 1
    }
    var shown = ""
    var used = 0
    for character in characters[first...] {
      let cells = DisplayWidth.of(character)
      if used + cells > width { break }
      shown.append(character)
      used += cells
    }
    return (shown, beforeCursor - cut, cut)
  }
}

extension ExplorerView {
  /// Draws a text input at (`x`, `y`), `width` cells wide, and returns the cells scrolled off on
  /// its left. A focused input shows the text around its cursor and puts the terminal's cursor
  /// at the insertion point; an unfocused one shows the end of a text too long to fit.
  @discardableResult
  static func drawInput(
    _ input: TextField, focused: Bool, x: Int, y: Int, width: Int, style: CellStyle = .plain,
    into buffer: inout CellBuffer
  ) -> Int {
    guard width > 0 else { return 0 }
    guard focused else {
      let shown = fieldText(input.text, focused: false, width: width)
      buffer.put(shown.text, x: x, y: y, style: style, maxWidth: width)
      return shown.cut
    }
    let shown = input.window(width: width)
    buffer.put(shown.text, x: x, y: y, style: style, maxWidth: width)
    buffer.cursor = CellPosition(x: x + shown.cursorColumn, y: y)
    return shown.cut
  }
}
