/// Filter keywords; they are recognised in any letter case.
enum FilterKeyword: String, Sendable, CaseIterable {
  case and, or, not, `in`, like, `is`, null, `true`, `false`, exists

  /// The keyword spelled `word` in any case.
  init?(word: String) {
    guard word.utf8.count <= 6 else { return nil }
    self.init(rawValue: word.lowercased())
  }
}

/// Punctuation and operator symbols.
enum FilterSymbol: String, Sendable {
  case plus = "+"
  case minus = "-"
  case star = "*"
  case slash = "/"
  case percent = "%"
  case power = "**"
  case equal = "=="
  case notEqual = "!="
  case less = "<"
  case lessOrEqual = "<="
  case greater = ">"
  case greaterOrEqual = ">="
  case bang = "!"
  case andAnd = "&&"
  case orOr = "||"
  case openParen = "("
  case closeParen = ")"
  case openBracket = "["
  case closeBracket = "]"
  case comma = ","
}

/// One token of filter text.
enum FilterTokenKind: Sendable, Equatable {
  /// An integer's magnitude (the sign is a separate `-`).
  case integer(UInt64)
  case float(Double)
  case string(String)
  case identifier(String)
  /// `$meta`
  case meta
  case keyword(FilterKeyword)
  case symbol(FilterSymbol)
  case end
  /// A lexical error; the parser reports it when it reaches this token.
  case invalid(String)
}

struct FilterToken: Sendable {
  var kind: FilterTokenKind
  /// 1-based column (in Characters) of the token's first character.
  var column: Int
  /// The token's source text, for messages.
  var text: String
}

/// Splits filter text into tokens. It works on Unicode scalars but reports columns in
/// Characters, so text before an error (CJK, emoji, combining marks) does not shift them.
struct FilterLexer {
  let scalars: [Unicode.Scalar]
  /// Column (1-based, in Characters) of each scalar, plus one entry for the end.
  let columns: [Int]
  var position = 0

  init(_ text: String) {
    var scalars: [Unicode.Scalar] = []
    var columns: [Int] = []
    var column = 1
    for character in text {
      for scalar in character.unicodeScalars {
        scalars.append(scalar)
        columns.append(column)
      }
      column += 1
    }
    columns.append(column)
    self.scalars = scalars
    self.columns = columns
  }

  /// The column just past the last character.
  var endColumn: Int { columns[scalars.count] }

  /// Every token up to and including `.end`, or up to and including the first `.invalid`.
  mutating func tokenize() -> [FilterToken] {
    var tokens: [FilterToken] = []
    while true {
      let token = next()
      tokens.append(token)
      switch token.kind {
      case .end, .invalid: return tokens
      default: continue
      }
    }
  }

  func peek(_ offset: Int = 0) -> Unicode.Scalar? {
    let index = position + offset
    return index < scalars.count ? scalars[index] : nil
  }

  func text(from start: Int) -> String {
    var out = String.UnicodeScalarView()
    out.append(contentsOf: scalars[start..<position])
    return String(out)
  }

  func token(_ kind: FilterTokenKind, from start: Int) -> FilterToken {
    FilterToken(kind: kind, column: columns[start], text: text(from: start))
  }

  func invalid(_ message: String, at index: Int) -> FilterToken {
    FilterToken(kind: .invalid(message), column: columns[min(index, scalars.count)], text: "")
  }

  static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
    (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || scalar == "_"
  }

  static func isIdentifierPart(_ scalar: Unicode.Scalar) -> Bool {
    isIdentifierStart(scalar) || isDigit(scalar)
  }

  static func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar >= "0" && scalar <= "9" }

  mutating func next() -> FilterToken {
    while let scalar = peek(), scalar.properties.isWhitespace { position += 1 }
    let start = position
    guard let scalar = peek() else { return FilterToken(kind: .end, column: endColumn, text: "") }

    if scalar == "r", let quote = peek(1), quote == "\"" || quote == "'" {
      return lexRawString(quote: quote)
    }
    if Self.isIdentifierStart(scalar) {
      while let next = peek(), Self.isIdentifierPart(next) { position += 1 }
      let word = text(from: start)
      if let keyword = FilterKeyword(word: word) { return token(.keyword(keyword), from: start) }
      return token(.identifier(word), from: start)
    }
    if Self.isDigit(scalar) || (scalar == "." && peek(1).map(Self.isDigit) == true) {
      return lexNumber()
    }
    if scalar == "\"" || scalar == "'" { return lexString(quote: scalar) }
    if scalar == "$" {
      let word = "$meta"
      var matched = true
      for (offset, expected) in word.unicodeScalars.enumerated() where peek(offset) != expected {
        matched = false
      }
      if matched, !(peek(5).map(Self.isIdentifierPart) ?? false) {
        position += 5
        return token(.meta, from: start)
      }
      return invalid("unexpected character '$'; only '$meta' may start with '$'", at: start)
    }
    return lexSymbol(scalar)
  }

  mutating func lexSymbol(_ scalar: Unicode.Scalar) -> FilterToken {
    let start = position
    let second = peek(1)
    func take(_ symbol: FilterSymbol, _ count: Int) -> FilterToken {
      position += count
      return token(.symbol(symbol), from: start)
    }
    switch scalar {
    case "+": return take(.plus, 1)
    case "-": return take(.minus, 1)
    case "*": return second == "*" ? take(.power, 2) : take(.star, 1)
    case "/": return take(.slash, 1)
    case "%": return take(.percent, 1)
    case "(": return take(.openParen, 1)
    case ")": return take(.closeParen, 1)
    case "[": return take(.openBracket, 1)
    case "]": return take(.closeBracket, 1)
    case ",": return take(.comma, 1)
    case "<": return second == "=" ? take(.lessOrEqual, 2) : take(.less, 1)
    case ">": return second == "=" ? take(.greaterOrEqual, 2) : take(.greater, 1)
    case "=":
      if second == "=" { return take(.equal, 2) }
      return invalid("unexpected '='; use '==' to compare", at: start)
    case "!": return second == "=" ? take(.notEqual, 2) : take(.bang, 1)
    case "&":
      if second == "&" { return take(.andAnd, 2) }
      return invalid("unexpected '&'; use 'and' or '&&'", at: start)
    case "|":
      if second == "|" { return take(.orOr, 2) }
      return invalid("unexpected '|'; use 'or' or '||'", at: start)
    default:
      let shown =
        scalar.properties.isWhitespace || scalar.value < 0x20
        ? "U+\(String(scalar.value, radix: 16, uppercase: true))" : String(Character(scalar))
      return invalid("unexpected character '\(shown)'", at: start)
    }
  }

  mutating func lexNumber() -> FilterToken {
    let start = position
    let first = peek()!
    // Prefixed integers: 0x, 0o, 0b.
    if first == "0", let marker = peek(1), "xXoObB".unicodeScalars.contains(marker) {
      position += 2
      let radix: Int
      switch marker {
      case "x", "X": radix = 16
      case "o", "O": radix = 8
      default: radix = 2
      }
      let digitsStart = position
      while let next = peek(), Self.isIdentifierPart(next) { position += 1 }
      let digits = text(from: digitsStart)
      guard !digits.isEmpty, let value = UInt64(digits, radix: radix) else {
        if !digits.isEmpty,
          digits.unicodeScalars.allSatisfy({ Int(String($0), radix: radix) != nil })
        {
          return invalid("integer literal '\(text(from: start))' is too large", at: start)
        }
        return invalid("malformed number '\(text(from: start))'", at: start)
      }
      return token(.integer(value), from: start)
    }
    var isFloat = false
    while let next = peek(), Self.isDigit(next) { position += 1 }
    if peek() == "." {
      isFloat = true
      position += 1
      while let next = peek(), Self.isDigit(next) { position += 1 }
    }
    if let marker = peek(), marker == "e" || marker == "E" {
      var look = 1
      if let sign = peek(1), sign == "+" || sign == "-" { look = 2 }
      if let digit = peek(look), Self.isDigit(digit) {
        isFloat = true
        position += look
        while let next = peek(), Self.isDigit(next) { position += 1 }
      }
    }
    if let next = peek(), Self.isIdentifierPart(next) || next == "." {
      while let more = peek(), Self.isIdentifierPart(more) || more == "." { position += 1 }
      return invalid("malformed number '\(text(from: start))'", at: start)
    }
    let literal = text(from: start)
    if isFloat {
      guard let value = Double(literal) else {
        return invalid("malformed number '\(literal)'", at: start)
      }
      guard value.isFinite else { return invalid("number '\(literal)' is out of range", at: start) }
      return token(.float(value), from: start)
    }
    if literal.count > 1, literal.hasPrefix("0") {
      // C-style octal: 017.
      guard let value = UInt64(literal.dropFirst(), radix: 8) else {
        if literal.unicodeScalars.allSatisfy({ $0 >= "0" && $0 <= "7" }) {
          return invalid("integer literal '\(literal)' is too large", at: start)
        }
        return invalid("invalid octal literal '\(literal)' (a leading 0 means octal)", at: start)
      }
      return token(.integer(value), from: start)
    }
    guard let value = UInt64(literal) else {
      return invalid("integer literal '\(literal)' is too large", at: start)
    }
    return token(.integer(value), from: start)
  }

  mutating func lexRawString(quote: Unicode.Scalar) -> FilterToken {
    let start = position
    position += 2
    var out = String.UnicodeScalarView()
    while let scalar = peek() {
      if scalar == quote {
        position += 1
        return token(.string(String(out)), from: start)
      }
      if scalar == "\n" || scalar == "\r" { break }
      out.append(scalar)
      position += 1
    }
    return invalid("unterminated string", at: start)
  }

  mutating func lexString(quote: Unicode.Scalar) -> FilterToken {
    let start = position
    position += 1
    var out = String.UnicodeScalarView()
    while let scalar = peek() {
      if scalar == quote {
        position += 1
        return token(.string(String(out)), from: start)
      }
      if scalar == "\n" || scalar == "\r" { break }
      if scalar != "\\" {
        out.append(scalar)
        position += 1
        continue
      }
      let escapeStart = position
      guard let escape = peek(1) else { break }
      position += 2
      switch escape {
      case "\"", "'", "\\", "/", "?": out.append(escape)
      case "n": out.append("\n")
      case "t": out.append("\t")
      case "r": out.append("\r")
      case "b": out.append("\u{08}")
      case "f": out.append("\u{0C}")
      case "v": out.append("\u{0B}")
      case "a": out.append("\u{07}")
      case "0": out.append("\u{00}")
      case "%", "_":
        // Kept as written so that `like` sees the escape.
        out.append("\\")
        out.append(escape)
      case "u", "U":
        let count = escape == "u" ? 4 : 8
        guard var code = hexValue(count: count) else {
          return invalid(
            "invalid unicode escape; expected \(count) hex digits after '\\\(escape)'",
            at: escapeStart)
        }
        if (0xD800..<0xDC00).contains(code), peek() == "\\", peek(1) == "u" {
          let save = position
          position += 2
          if let low = hexValue(count: 4), (0xDC00..<0xE000).contains(low) {
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
          } else {
            position = save
          }
        }
        guard let decoded = Unicode.Scalar(code) else {
          return invalid("invalid unicode escape '\(text(from: escapeStart))'", at: escapeStart)
        }
        out.append(decoded)
      default:
        if escape == "\n" || escape == "\r" {
          position -= 1
          return invalid("unterminated string", at: start)
        }
        return invalid("unknown escape sequence '\\\(Character(escape))'", at: escapeStart)
      }
    }
    return invalid("unterminated string", at: start)
  }

  mutating func hexValue(count: Int) -> UInt32? {
    var value: UInt32 = 0
    for offset in 0..<count {
      guard let scalar = peek(offset), let digit = Int(String(Character(scalar)), radix: 16),
        scalar.isASCII
      else {
        return nil
      }
      value = value * 16 + UInt32(digit)
    }
    position += count
    return value
  }
}
