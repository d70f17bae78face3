import Model

/// The fast parser gave up: the text is not valid JSON, or not in a shape it handles.
/// The caller then asks `JSONValue.parse` for the verdict and the message, so errors read
/// exactly like the rest of the product.
struct FastJSONFailure: Error {}

/// A byte-level JSON parser over `base[pos..<end]` that accepts exactly what `Model`'s
/// `JSONValue.parse` accepts (including its `NaN` and `-Infinity`), but parses float arrays
/// straight into `[Float]` and numbers without building strings.
struct FastJSON {
  let base: UnsafePointer<UInt8>
  let end: Int
  var pos: Int
  var depth = 0

  init(_ base: UnsafePointer<UInt8>, start: Int, end: Int) {
    self.base = base
    self.pos = start
    self.end = end
  }

  mutating func skipWhitespace() {
    while pos < end {
      let byte = base[pos]
      // space, tab, newline, carriage return
      if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
        pos += 1
      } else {
        return
      }
    }
  }

  /// Whether the next byte is `byte` (after nothing: callers skip whitespace first).
  func peek(_ byte: UInt8) -> Bool { pos < end && base[pos] == byte }

  mutating func enter() throws(FastJSONFailure) {
    depth += 1
    if depth > 512 { throw FastJSONFailure() }
  }

  mutating func parseValue() throws(FastJSONFailure) -> JSONValue {
    guard pos < end else { throw FastJSONFailure() }
    switch base[pos] {
    case 0x7B: return try parseObject()  // {
    case 0x5B: return try parseArray()  // [
    case 0x22: return .string(try parseString())  // "
    case 0x74:  // t
      try keyword("true")
      return .bool(true)
    case 0x66:  // f
      try keyword("false")
      return .bool(false)
    case 0x6E:  // n
      try keyword("null")
      return .null
    case 0x4E:  // N
      try keyword("NaN")
      return .double(.nan)
    case 0x2D, 0x30...0x39: return try parseNumber()
    default: throw FastJSONFailure()
    }
  }

  mutating func keyword(_ word: StaticString) throws(FastJSONFailure) {
    let count = word.utf8CodeUnitCount
    guard pos + count <= end else { throw FastJSONFailure() }
    let letters = word.utf8Start
    for index in 0..<count where base[pos + index] != letters[index] { throw FastJSONFailure() }
    pos += count
  }

  mutating func parseObject() throws(FastJSONFailure) -> JSONValue {
    try enter()
    defer { depth -= 1 }
    pos += 1
    var members: [String: JSONValue] = [:]
    skipWhitespace()
    if peek(0x7D) {
      pos += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard peek(0x22) else { throw FastJSONFailure() }
      let key = try parseString()
      skipWhitespace()
      guard peek(0x3A) else { throw FastJSONFailure() }
      pos += 1
      skipWhitespace()
      members[key] = try parseValue()
      skipWhitespace()
      guard pos < end else { throw FastJSONFailure() }
      if base[pos] == 0x2C {
        pos += 1
        continue
      }
      if base[pos] == 0x7D {
        pos += 1
        return .object(members)
      }
      throw FastJSONFailure()
    }
  }

  mutating func parseArray() throws(FastJSONFailure) -> JSONValue {
    try enter()
    defer { depth -= 1 }
    pos += 1
    var elements: [JSONValue] = []
    skipWhitespace()
    if peek(0x5D) {
      pos += 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try parseValue())
      skipWhitespace()
      guard pos < end else { throw FastJSONFailure() }
      if base[pos] == 0x2C {
        pos += 1
        continue
      }
      if base[pos] == 0x5D {
        pos += 1
        return .array(elements)
      }
      throw FastJSONFailure()
    }
  }

  /// Parses `[n, n, ...]` of plain numbers into floats (each read as a `Double`, then rounded
  /// to `Float`, as `FieldSchema.coerce` does). Returns nil, with `pos` unchanged, when the
  /// value is anything else; the caller then parses it as a general value.
  mutating func parseFloatArray(capacity: Int) -> [Float]? {
    let saved = pos
    guard peek(0x5B) else { return nil }
    pos += 1
    var out: [Float] = []
    out.reserveCapacity(capacity)
    skipWhitespace()
    if peek(0x5D) {
      pos += 1
      return out
    }
    let base = self.base
    let end = self.end
    while true {
      if pos < end, base[pos] == 0x20 { skipWhitespace() }
      guard pos < end else {
        pos = saved
        return nil
      }
      let first = base[pos]
      guard first == 0x2D || (first >= 0x30 && first <= 0x39) else {
        pos = saved
        return nil
      }
      if let number = NumberParsing.scanDouble(base, &pos, end) {
        out.append(Float(number))
      } else if let number = scanNumberAsDouble() {
        out.append(Float(number))
      } else {
        pos = saved
        return nil
      }
      guard pos < end else {
        pos = saved
        return nil
      }
      var next = base[pos]
      if next == 0x20 || next == 0x0A || next == 0x0D || next == 0x09 {
        skipWhitespace()
        guard pos < end else {
          pos = saved
          return nil
        }
        next = base[pos]
      }
      if next == 0x2C {
        pos += 1
        continue
      }
      if next == 0x5D {
        pos += 1
        return out
      }
      pos = saved
      return nil
    }
  }

  /// Scans a number the way `Model`'s parser does and returns it as a `Double`; nil for
  /// `-Infinity` or malformed text (position then undefined; the caller restores it).
  mutating func scanNumberAsDouble() -> Double? {
    let start = pos
    if base[pos] == 0x2D { pos += 1 }
    let digitsStart = pos
    var isInteger = true
    while pos < end {
      let byte = base[pos]
      if byte >= 0x30 && byte <= 0x39 {
        pos += 1
      } else if byte == 0x2E || byte == 0x65 || byte == 0x45 || byte == 0x2B || byte == 0x2D {
        isInteger = false
        pos += 1
      } else {
        break
      }
    }
    guard pos > digitsStart else { return nil }
    if isInteger, let value = NumberParsing.integer(base, start, pos) { return Double(value) }
    if let value = NumberParsing.fastDouble(base, start, pos) { return value }
    let text = String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
    if isInteger, let value = Int64(text) { return Double(value) }
    return Double(text)
  }

  mutating func parseNumber() throws(FastJSONFailure) -> JSONValue {
    let start = pos
    if base[pos] == 0x2D { pos += 1 }
    if pos + 8 <= end, base[pos] == 0x49 {  // I
      try keyword("Infinity")
      return .double(base[start] == 0x2D ? -.infinity : .infinity)
    }
    let digitsStart = pos
    var isInteger = true
    while pos < end {
      let byte = base[pos]
      if byte >= 0x30 && byte <= 0x39 {
        pos += 1
      } else if byte == 0x2E || byte == 0x65 || byte == 0x45 || byte == 0x2B || byte == 0x2D {
        isInteger = false
        pos += 1
      } else {
        break
      }
    }
    guard pos > digitsStart else { throw FastJSONFailure() }
    if isInteger, let value = NumberParsing.integer(base, start, pos) { return .int(value) }
    if let value = NumberParsing.fastDouble(base, start, pos) { return .double(value) }
    let text = String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
    if isInteger, let value = Int64(text) { return .int(value) }
    guard let value = Double(text) else { throw FastJSONFailure() }
    return .double(value)
  }

  mutating func parseString() throws(FastJSONFailure) -> String {
    pos += 1
    let start = pos
    while pos < end {
      let byte = base[pos]
      if byte == 0x22 {
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
        pos += 1
        return text
      }
      if byte == 0x5C || byte < 0x20 { break }
      pos += 1
    }
    var text = String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
    var runStart = pos
    func flush(_ text: inout String, _ from: Int, _ to: Int) {
      if to > from {
        text += String(decoding: UnsafeBufferPointer(start: base + from, count: to - from), as: UTF8.self)
      }
    }
    while pos < end {
      let byte = base[pos]
      if byte == 0x22 {
        flush(&text, runStart, pos)
        pos += 1
        return text
      }
      if byte < 0x20 { throw FastJSONFailure() }
      if byte != 0x5C {
        pos += 1
        continue
      }
      flush(&text, runStart, pos)
      pos += 1
      guard pos < end else { break }
      let escape = base[pos]
      pos += 1
      switch escape {
      case 0x22: text.unicodeScalars.append("\"")
      case 0x5C: text.unicodeScalars.append("\\")
      case 0x2F: text.unicodeScalars.append("/")
      case 0x62: text.unicodeScalars.append("\u{08}")
      case 0x66: text.unicodeScalars.append("\u{0C}")
      case 0x6E: text.unicodeScalars.append("\n")
      case 0x72: text.unicodeScalars.append("\r")
      case 0x74: text.unicodeScalars.append("\t")
      case 0x75:  // u
        var code = try parseHex4()
        if (0xD800..<0xDC00).contains(code), pos + 6 <= end, base[pos] == 0x5C, base[pos + 1] == 0x75 {
          pos += 2
          let low = try parseHex4()
          guard (0xDC00..<0xE000).contains(low) else { throw FastJSONFailure() }
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(code) else { throw FastJSONFailure() }
        text.unicodeScalars.append(scalar)
      default:
        throw FastJSONFailure()
      }
      runStart = pos
    }
    throw FastJSONFailure()
  }

  mutating func parseHex4() throws(FastJSONFailure) -> UInt32 {
    guard pos + 4 <= end else { throw FastJSONFailure() }
    var code: UInt32 = 0
    for _ in 0..<4 {
      let byte = base[pos]
      let digit: UInt8
      switch byte {
      case 0x30...0x39: digit = byte - 0x30
      case 0x61...0x66: digit = byte - 0x61 + 10
      case 0x41...0x46: digit = byte - 0x41 + 10
      default: throw FastJSONFailure()
      }
      code = code << 4 | UInt32(digit)
      pos += 1
    }
    return code
  }
}

/// Number parsing from bytes without building strings, for the common cases.
enum NumberParsing {
  /// Exact powers of ten representable as `Double`.
  static let powersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
    1e19, 1e20, 1e21, 1e22,
  ]

  /// Reads a number in the strict form `-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?` at `pos` in one
  /// pass when Clinger's fast path gives it exactly, and when the next byte could not extend
  /// the number as `Model`'s parser scans it; advances `pos` past it. Otherwise returns nil and
  /// leaves `pos` alone.
  static func scanDouble(_ base: UnsafePointer<UInt8>, _ position: inout Int, _ end: Int) -> Double? {
    var pos = position
    var negative = false
    if pos < end, base[pos] == 0x2D {
      negative = true
      pos += 1
    }
    var mantissa: UInt64 = 0
    var significant = 0
    var exponent = 0
    let integerStart = pos
    while pos < end {
      let digit = base[pos] &- 0x30
      if digit >= 10 { break }
      if mantissa != 0 || digit != 0 {
        significant += 1
        mantissa = mantissa &* 10 &+ UInt64(digit)
      }
      pos += 1
    }
    if pos == integerStart { return nil }
    var isInteger = true
    if pos < end, base[pos] == 0x2E {
      isInteger = false
      pos += 1
      let fractionStart = pos
      while pos < end {
        let digit = base[pos] &- 0x30
        if digit >= 10 { break }
        if mantissa != 0 || digit != 0 {
          significant += 1
          mantissa = mantissa &* 10 &+ UInt64(digit)
        }
        exponent -= 1
        pos += 1
      }
      if pos == fractionStart { return nil }
    }
    if pos < end, base[pos] == 0x65 || base[pos] == 0x45 {
      isInteger = false
      pos += 1
      var exponentNegative = false
      if pos < end, base[pos] == 0x2B || base[pos] == 0x2D {
        exponentNegative = base[pos] == 0x2D
        pos += 1
      }
      let exponentStart = pos
      var value = 0
      while pos < end {
        let digit = base[pos] &- 0x30
        if digit >= 10 { break }
        if value < 100_000 { value = value * 10 + Int(digit) }
        pos += 1
      }
      if pos == exponentStart { return nil }
      exponent += exponentNegative ? -value : value
    }
    if pos < end {
      let next = base[pos]
      if (next >= 0x30 && next <= 0x39) || next == 0x2E || next == 0x65 || next == 0x45 || next == 0x2B
        || next == 0x2D
      {
        return nil
      }
    }
    if significant > 19 || mantissa > 1 << 53 { return nil }
    // `Model` reads integer text as `Int64`, so `-0` is the integer 0, not the double -0.0.
    if mantissa == 0 && isInteger {
      position = pos
      return 0
    }
    var value = Double(mantissa)
    if mantissa != 0 {
      if exponent > 0 {
        if exponent > 22 { return nil }
        value *= powersOfTen[exponent]
      } else if exponent < 0 {
        if exponent < -22 { return nil }
        value /= powersOfTen[-exponent]
      }
    }
    position = pos
    return negative ? -value : value
  }

  /// Parses `-?[0-9]+` as an `Int64`, as `Int64(text)` would; nil on overflow or other text.
  static func integer(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
    var pos = start
    var negative = false
    if pos < end, base[pos] == 0x2D {
      negative = true
      pos += 1
    }
    guard pos < end else { return nil }
    var magnitude: UInt64 = 0
    while pos < end {
      let digit = base[pos] &- 0x30
      guard digit < 10 else { return nil }
      let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
      let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
      if overflow1 || overflow2 { return nil }
      magnitude = sum
      pos += 1
    }
    if negative {
      if magnitude == UInt64(Int64.max) + 1 { return Int64.min }
      return magnitude <= UInt64(Int64.max) ? -Int64(magnitude) : nil
    }
    return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
  }

  /// Parses `-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?` exactly when the result is obtainable by one
  /// correctly rounded operation (Clinger's fast path); nil otherwise (the caller falls back to
  /// `Double(String)`, which always rounds correctly).
  static func fastDouble(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
    var pos = start
    var negative = false
    if pos < end, base[pos] == 0x2D {
      negative = true
      pos += 1
    }
    var mantissa: UInt64 = 0
    var significant = 0
    var exponent = 0
    let integerStart = pos
    while pos < end {
      let digit = base[pos] &- 0x30
      if digit >= 10 { break }
      if mantissa != 0 || digit != 0 {
        if significant == 19 { return nil }
        mantissa = mantissa &* 10 &+ UInt64(digit)
        significant += 1
      }
      pos += 1
    }
    if pos == integerStart { return nil }
    if pos < end, base[pos] == 0x2E {
      pos += 1
      let fractionStart = pos
      while pos < end {
        let digit = base[pos] &- 0x30
        if digit >= 10 { break }
        if mantissa != 0 || digit != 0 {
          if significant == 19 { return nil }
          mantissa = mantissa &* 10 &+ UInt64(digit)
          significant += 1
        }
        exponent -= 1
        pos += 1
      }
      if pos == fractionStart { return nil }
    }
    if pos < end, base[pos] == 0x65 || base[pos] == 0x45 {
      pos += 1
      var exponentNegative = false
      if pos < end, base[pos] == 0x2B || base[pos] == 0x2D {
        exponentNegative = base[pos] == 0x2D
        pos += 1
      }
      let exponentStart = pos
      var value = 0
      while pos < end {
        let digit = base[pos] &- 0x30
        if digit >= 10 { break }
        if value < 100_000 { value = value * 10 + Int(digit) }
        pos += 1
      }
      if pos == exponentStart { return nil }
      exponent += exponentNegative ? -value : value
    }
    if pos != end { return nil }
    if mantissa == 0 { return negative ? -0.0 : 0.0 }
    if mantissa > 1 << 53 { return nil }
    var value = Double(mantissa)
    if exponent > 0 {
      if exponent > 22 { return nil }
      value *= powersOfTen[exponent]
    } else if exponent < 0 {
      if exponent < -22 { return nil }
      value /= powersOfTen[-exponent]
    }
    return negative ? -value : value
  }
}
