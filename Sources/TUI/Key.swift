/// A key press, independent of the terminal library that read it.
public enum Key: Sendable, Hashable {
  /// A printable character (UTF-8 arrives whole) or a control character not named below.
  case character(Character)
  case up, down, left, right
  case home, end, pageUp, pageDown
  case enter, escape, tab, backTab, backspace, delete
  case function(Int)
  /// A control chord, named by its lowercase letter: `.control("l")` is Ctrl-L.
  case control(Character)
  /// Text the terminal pasted in one piece (bracketed paste): inserted at the cursor of the
  /// focused input in one go, never read as keys.
  case paste(String)

  /// How the help screen shows the key.
  public var label: String {
    switch self {
    case .character(" "): return "Space"
    case .character(let character): return String(character)
    case .up: return "↑"
    case .down: return "↓"
    case .left: return "←"
    case .right: return "→"
    case .home: return "Home"
    case .end: return "End"
    case .pageUp: return "PgUp"
    case .pageDown: return "PgDn"
    case .enter: return "Enter"
    case .escape: return "Esc"
    case .tab: return "Tab"
    case .backTab: return "Shift-Tab"
    case .backspace: return "Backspace"
    case .delete: return "Del"
    case .function(let number): return "F\(number)"
    case .control(let letter): return "Ctrl-" + String(letter).uppercased()
    case .paste: return "paste"
    }
  }

  /// The character to insert when this key is typed into a text input, if it is printable.
  var printable: Character? {
    guard case .character(let character) = self, let scalar = character.unicodeScalars.first else { return nil }
    return scalar.value < 0x20 || scalar.value == 0x7F ? nil : character
  }
}

/// A mouse event the terminal reported, at a cell (0-based column and row).
public struct MouseEvent: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    /// The left button went down.
    case press
    case wheelUp
    case wheelDown
  }

  public var kind: Kind
  public var x: Int
  public var y: Int

  public init(_ kind: Kind, x: Int, y: Int) {
    self.kind = kind
    self.x = x
    self.y = y
  }
}

/// What a screen reports: a key, a mouse event (where the terminal reports them), or a new
/// terminal size.
public enum InputEvent: Sendable, Hashable {
  case key(Key)
  case resize(TerminalSize)
  case mouse(MouseEvent)
}
