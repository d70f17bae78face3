// The `.vsdemo` format: a scripted keyboard demo of the explorer (`vscope play FILE`,
// `vscope record FILE`). Plain UTF-8 text, one directive per line; blank lines and lines whose
// first non-blank character is `#` are ignored. A directive is a word, then (after one space)
// its argument:
//
//   key NAME [COUNT]    presses a key COUNT times (default 1). NAME is a character (`key ?`,
//                       `key j`) or a name as in the config file's [keys]: Up Down Left Right
//                       Home End PgUp PgDn Enter Esc Tab Shift-Tab Backspace Del Space F1-F24
//                       Ctrl-A…Ctrl-Z. Ctrl-C is not allowed: it ends the explorer.
//   type TEXT           types TEXT character by character (everything after `type `, spaces
//                       included; Space and the other named keys go through `key`).
//   pause DURATION      waits: `1.5s`, `300ms`, or plain seconds (`2`). Scaled by --speed.
//   caption TEXT        shows TEXT in a box over the explorer until the next caption.
//   caption-clear       hides the caption.
//   wait-idle [TIMEOUT] waits until no backend call is running (default timeout 30s, not
//                       scaled by --speed): after keys that start calls, so a replay does the
//                       same thing however fast the machine is.
//   expect TEXT         waits for idle as wait-idle does, then the screen (without the caption)
//                       must show TEXT, else playback stops with an error naming this line.
//   resize W H          lays the explorer out for W×H cells (at most the terminal's size);
//   resize              `resize` alone goes back to the terminal's own size.

/// A parsed `.vsdemo` script: its steps in order, each with the line it came from.
public struct DemoScript: Sendable, Hashable {
  /// Where the script came from, for messages (`tour.vsdemo:12: …`).
  public var file: String
  public var steps: [DemoStep]

  public init(file: String, steps: [DemoStep]) {
    self.file = file
    self.steps = steps
  }

  /// The script as text, one directive a line (what `vscope record` writes).
  public var text: String { steps.map { $0.directive.scriptLine + "\n" }.joined() }
}

/// One directive and the (1-based) line it is on.
public struct DemoStep: Sendable, Hashable {
  public var line: Int
  public var directive: DemoDirective

  public init(line: Int, _ directive: DemoDirective) {
    self.line = line
    self.directive = directive
  }
}

/// What one line of a script does.
public enum DemoDirective: Sendable, Hashable {
  case key(Key, count: Int)
  case type(String)
  case pause(Duration)
  case caption(String)
  case clearCaption
  case waitIdle(timeout: Duration)
  case expect(String)
  /// A layout size, or nil for the terminal's own size.
  case resize(TerminalSize?)

  /// How long `wait-idle` and `expect` wait for running calls unless told.
  public static let defaultIdleTimeout = Duration.seconds(30)

  /// The directive as a script line.
  public var scriptLine: String {
    switch self {
    case .key(let key, let count): return "key \(key.scriptName)" + (count == 1 ? "" : " \(count)")
    case .type(let text): return "type \(text)"
    case .pause(let duration): return "pause \(DemoDirective.format(duration))"
    case .caption(let text): return "caption \(text)"
    case .clearCaption: return "caption-clear"
    case .waitIdle(let timeout):
      return timeout == Self.defaultIdleTimeout ? "wait-idle" : "wait-idle \(DemoDirective.format(timeout))"
    case .expect(let text): return "expect \(text)"
    case .resize(let size): return size.map { "resize \($0.width) \($0.height)" } ?? "resize"
    }
  }

  /// `1.5s` or `300ms`, as the parser reads them.
  static func format(_ duration: Duration) -> String {
    let milliseconds = Int((duration / .milliseconds(1)).rounded())
    if milliseconds % 1000 == 0 || (milliseconds > 1000 && milliseconds % 100 == 0) {
      let tenths = milliseconds / 100
      return tenths % 10 == 0 ? "\(tenths / 10)s" : "\(tenths / 10).\(tenths % 10)s"
    }
    return "\(milliseconds)ms"
  }
}

/// A problem in a script, at a line and column (both 1-based).
public struct DemoScriptError: Error, Sendable, Hashable, CustomStringConvertible {
  public var file: String
  public var line: Int
  public var column: Int
  public var message: String

  public var description: String { "\(file):\(line):\(column): \(message)" }
}

extension DemoScript {
  /// The directives a script may use, for messages.
  static let directiveNames = ["key", "type", "pause", "caption", "caption-clear", "wait-idle", "expect", "resize"]

  /// Parses a script's text; `file` names it in errors.
  public static func parse(_ text: String, file: String) throws(DemoScriptError) -> DemoScript {
    var steps: [DemoStep] = []
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    for (index, rawLine) in lines.enumerated() {
      var line = Substring(rawLine)
      if line.last == "\r" { line = line.dropLast() }
      let number = index + 1
      let parser = LineParser(file: file, line: number, text: line)
      guard let directive = try parser.parse() else { continue }
      steps.append(DemoStep(line: number, directive))
    }
    return DemoScript(file: file, steps: steps)
  }
}

/// Parses one line; columns count characters from 1.
private struct LineParser {
  var file: String
  var line: Int
  var text: Substring

  func fail(_ message: String, at index: Substring.Index) -> DemoScriptError {
    DemoScriptError(
      file: file, line: line, column: text.distance(from: text.startIndex, to: index) + 1, message: message)
  }

  func isBlank(_ character: Character) -> Bool { character == " " || character == "\t" }

  func parse() throws(DemoScriptError) -> DemoDirective? {
    guard let start = text.firstIndex(where: { !isBlank($0) }), text[start] != "#" else { return nil }
    let wordEnd = text[start...].firstIndex(where: isBlank) ?? text.endIndex
    let word = String(text[start..<wordEnd])
    // The argument: everything after the one blank that ends the word, verbatim.
    let argumentStart = wordEnd == text.endIndex ? wordEnd : text.index(after: wordEnd)
    let argument = text[argumentStart...]
    switch word {
    case "key": return try key(argument, at: argumentStart)
    case "type":
      guard !argument.isEmpty else { throw fail("type needs the text to type", at: argumentStart) }
      return .type(String(argument))
    case "pause":
      let words = fields(argument)
      guard let first = words.first else {
        throw fail("pause needs a duration (1.5s, 300ms)", at: argumentStart)
      }
      try noMore(words, after: 1)
      return .pause(try duration(first))
    case "caption":
      guard !argument.isEmpty else {
        throw fail("caption needs the text to show (caption-clear hides it)", at: argumentStart)
      }
      return .caption(String(argument))
    case "caption-clear":
      try noMore(fields(argument), after: 0)
      return .clearCaption
    case "wait-idle":
      let words = fields(argument)
      try noMore(words, after: 1)
      return .waitIdle(timeout: try words.first.map(duration) ?? DemoDirective.defaultIdleTimeout)
    case "expect":
      guard !argument.isEmpty else { throw fail("expect needs the text the screen must show", at: argumentStart) }
      return .expect(String(argument))
    case "resize":
      let words = fields(argument)
      if words.isEmpty { return .resize(nil) }
      guard words.count >= 2 else { throw fail("resize needs a width and a height (resize 100 30)", at: argumentStart) }
      try noMore(words, after: 2)
      let width = try count(words[0], what: "width")
      let height = try count(words[1], what: "height")
      let size = TerminalSize(width: width, height: height)
      guard size.contains(.minimum) else {
        throw fail("the explorer needs at least \(TerminalSize.minimum); \(size) is too small", at: words[0].startIndex)
      }
      return .resize(size)
    default:
      throw fail(
        "unknown directive \"\(word)\" (one of: \(DemoScript.directiveNames.joined(separator: ", ")))", at: start)
    }
  }

  private func key(_ argument: Substring, at argumentStart: Substring.Index) throws(DemoScriptError) -> DemoDirective {
    let words = fields(argument)
    guard let name = words.first else { throw fail("key needs a key name (key Tab, key j)", at: argumentStart) }
    try noMore(words, after: 2)
    let lower = name.lowercased()
    if lower == "ctrl-c" || lower == "c-c" {
      throw fail("Ctrl-C is not allowed: it ends the explorer (the script's end does that)", at: name.startIndex)
    }
    guard let key = Key(configName: String(name)) else {
      throw fail(
        "unknown key \"\(name)\" (a character, or Up Down Left Right Home End PgUp PgDn Enter Esc Tab Shift-Tab "
          + "Backspace Del Space F1-F24 Ctrl-A…Ctrl-Z)", at: name.startIndex)
    }
    let repeats = try words.count > 1 ? count(words[1], what: "count") : 1
    return .key(key, count: repeats)
  }

  /// The blank-separated words of `argument`.
  private func fields(_ argument: Substring) -> [Substring] {
    argument.split(whereSeparator: isBlank)
  }

  private func noMore(_ words: [Substring], after allowed: Int) throws(DemoScriptError) {
    guard words.count > allowed else { return }
    throw fail("unexpected \"\(words[allowed])\"", at: words[allowed].startIndex)
  }

  private func count(_ word: Substring, what: String) throws(DemoScriptError) -> Int {
    guard let value = Int(word), value >= 1, value <= 10_000 else {
      throw fail("the \(what) must be a whole number from 1 to 10000, not \"\(word)\"", at: word.startIndex)
    }
    return value
  }

  /// `1.5s`, `300ms` or plain seconds; at most an hour.
  private func duration(_ word: Substring) throws(DemoScriptError) -> Duration {
    var number = word
    var unit = 1000.0
    if word.hasSuffix("ms") {
      number = word.dropLast(2)
      unit = 1
    } else if word.hasSuffix("s") {
      number = word.dropLast()
    }
    guard let value = Double(number), value.isFinite, value >= 0, value * unit <= 3_600_000,
      number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") })
    else {
      throw fail("\"\(word)\" is not a duration (1.5s, 300ms)", at: word.startIndex)
    }
    return .milliseconds(Int((value * unit).rounded()))
  }
}

extension Key {
  /// Named keys as scripts (and the config file) write them; characters are written as themselves.
  private static let scriptNames: [(Key, String)] = [
    (.up, "Up"), (.down, "Down"), (.left, "Left"), (.right, "Right"), (.home, "Home"), (.end, "End"),
    (.pageUp, "PgUp"), (.pageDown, "PgDn"), (.enter, "Enter"), (.escape, "Esc"), (.tab, "Tab"),
    (.backTab, "Shift-Tab"), (.backspace, "Backspace"), (.delete, "Del"), (.character(" "), "Space"),
  ]

  /// How a script names this key; `Key(configName:)` reads it back.
  public var scriptName: String {
    if let named = Key.scriptNames.first(where: { $0.0 == self }) { return named.1 }
    if case .function(let number) = self { return "F\(number)" }
    if case .control(let letter) = self { return "Ctrl-" + String(letter).uppercased() }
    if case .character(let character) = self { return String(character) }
    return label
  }
}
