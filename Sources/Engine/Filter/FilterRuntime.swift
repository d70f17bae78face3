import Foundation
import Model

/// Three-valued truth (SQL): a row matches only when its filter is `.yes`.
enum Truth: UInt8, Sendable {
  case no = 0
  case yes = 1
  case unknown = 2

  init(_ value: Bool) { self = value ? .yes : .no }

  var negated: Truth {
    switch self {
    case .no: return .yes
    case .yes: return .no
    case .unknown: return .unknown
    }
  }

  /// SQL `and`.
  static func && (lhs: Truth, rhs: Truth) -> Truth {
    if lhs == .no || rhs == .no { return .no }
    if lhs == .unknown || rhs == .unknown { return .unknown }
    return .yes
  }

  /// The value form: `.bool` or `.null` for unknown.
  var value: Value {
    switch self {
    case .no: return .bool(false)
    case .yes: return .bool(true)
    case .unknown: return .null
    }
  }

  /// A value used as a condition: only a boolean is true or false; null and any other
  /// kind of value are unknown.
  init(condition value: Value) {
    switch value {
    case .bool(let flag): self = flag ? .yes : .no
    case .json(.bool(let flag)): self = flag ? .yes : .no
    default: self = .unknown
    }
  }
}

/// The value operations of the filter language, shared by every compiled node.
enum FilterRuntime {
  // MARK: - Loading values

  /// A stored value as the evaluator sees it: JSON scalars become plain scalars and JSON
  /// null becomes null; JSON objects and arrays stay `.json`.
  @inline(__always)
  static func normalize(_ value: Value) -> Value {
    if case .json(let json) = value {
      switch json {
      case .array, .object: return value
      default: return Value(json: json)
      }
    }
    return value
  }

  /// Follows `path` into JSON or an Array value; anything missing or of the wrong shape is null.
  static func resolve(_ value: Value, path: [PathComponent]) -> Value {
    var current = normalize(value)
    for component in path {
      switch (current, component) {
      case (.json(.object(let members)), .key(let key)):
        guard let member = members[key] else { return .null }
        current = Value(json: member)
      case (.json(.array(let elements)), .index(let index)):
        guard index >= 0, index < elements.count else { return .null }
        current = Value(json: elements[index])
      case (.array(let elements), .index(let index)):
        guard index >= 0, index < elements.count else { return .null }
        current = normalize(elements[index])
      default:
        return .null
      }
    }
    return current
  }

  // MARK: - Equality and ordering

  /// The number as a Double, for `.int` and `.double`.
  @inline(__always)
  static func number(_ value: Value) -> Double? {
    switch value {
    case .int(let integer): return Double(integer)
    case .double(let double): return double
    default: return nil
    }
  }

  /// Structural equality: numbers numerically (Int and Double mixed), strings, booleans,
  /// arrays element by element, objects member by member; different kinds are never equal.
  static func equal(_ lhs: Value, _ rhs: Value) -> Bool {
    let lhs = normalize(lhs)
    let rhs = normalize(rhs)
    switch (lhs, rhs) {
    case (.int(let a), .int(let b)): return a == b
    case (.int, .double), (.double, .int), (.double, .double): return number(lhs)! == number(rhs)!
    case (.string(let a), .string(let b)): return a == b
    case (.bool(let a), .bool(let b)): return a == b
    case (.null, .null): return true
    case (.json(.object(let a)), .json(.object(let b))):
      guard a.count == b.count else { return false }
      for (key, value) in a {
        guard let other = b[key], equal(Value(json: value), Value(json: other)) else {
          return false
        }
      }
      return true
    default:
      guard let a = elements(lhs), let b = elements(rhs), a.count == b.count else { return false }
      for index in a.indices where !equal(a[index], b[index]) { return false }
      return true
    }
  }

  /// The elements of an Array value or a JSON array.
  static func elements(_ value: Value) -> [Value]? {
    switch value {
    case .array(let elements): return elements
    case .json(.array(let elements)): return elements.map(Value.init(json:))
    default: return nil
    }
  }

  /// `lhs op rhs` for a comparison operator. Null on either side is unknown; `==`/`!=` use
  /// `equal`; ordering is defined for two numbers or two strings and is false otherwise.
  static func compare(_ op: BinaryOperator, _ lhs: Value, _ rhs: Value) -> Truth {
    switch (normalize(lhs), normalize(rhs)) {
    case (.int(let a), .int(let b)):
      return Truth(order(op, a, b))
    case (.double(let a), .double(let b)):
      return Truth(order(op, a, b))
    case (.string(let a), .string(let b)):
      return Truth(order(op, a, b))
    case (.int(let a), .double(let b)):
      return Truth(order(op, Double(a), b))
    case (.double(let a), .int(let b)):
      return Truth(order(op, a, Double(b)))
    case (.null, _), (_, .null):
      return .unknown
    case (let left, let right):
      switch op {
      case .equal: return Truth(equal(left, right))
      case .notEqual: return Truth(!equal(left, right))
      default: return .no
      }
    }
  }

  @inline(__always)
  static func order<T: Comparable>(_ op: BinaryOperator, _ a: T, _ b: T) -> Bool {
    switch op {
    case .equal: return a == b
    case .notEqual: return a != b
    case .less: return a < b
    case .lessOrEqual: return a <= b
    case .greater: return a > b
    case .greaterOrEqual: return a >= b
    default: return false
    }
  }

  // MARK: - Arithmetic

  /// `lhs op rhs` for an arithmetic operator; null when either side is null or not a number,
  /// and for division or modulo by zero.
  static func arithmetic(_ op: BinaryOperator, _ lhs: Value, _ rhs: Value) -> Value {
    let lhs = normalize(lhs)
    let rhs = normalize(rhs)
    if case .int(let a) = lhs, case .int(let b) = rhs {
      return integerArithmetic(op, a, b)
    }
    guard let a = number(lhs), let b = number(rhs) else { return .null }
    switch op {
    case .add: return .double(a + b)
    case .subtract: return .double(a - b)
    case .multiply: return .double(a * b)
    case .divide: return b == 0 ? .null : .double(a / b)
    case .modulo: return b == 0 ? .null : .double(a.truncatingRemainder(dividingBy: b))
    case .power: return .double(pow(a, b))
    default: return .null
    }
  }

  /// Int64 arithmetic; a result that does not fit is computed in Double instead.
  static func integerArithmetic(_ op: BinaryOperator, _ a: Int64, _ b: Int64) -> Value {
    switch op {
    case .add:
      let (result, overflow) = a.addingReportingOverflow(b)
      return overflow ? .double(Double(a) + Double(b)) : .int(result)
    case .subtract:
      let (result, overflow) = a.subtractingReportingOverflow(b)
      return overflow ? .double(Double(a) - Double(b)) : .int(result)
    case .multiply:
      let (result, overflow) = a.multipliedReportingOverflow(by: b)
      return overflow ? .double(Double(a) * Double(b)) : .int(result)
    case .divide:
      if b == 0 { return .null }
      let (result, overflow) = a.dividedReportingOverflow(by: b)
      return overflow ? .double(Double(a) / Double(b)) : .int(result)
    case .modulo:
      if b == 0 { return .null }
      return .int(a.remainderReportingOverflow(dividingBy: b).partialValue)
    case .power:
      return integerPower(a, b)
    default:
      return .null
    }
  }

  /// `a ** b` by repeated squaring; a negative exponent or an overflow gives a Double.
  static func integerPower(_ a: Int64, _ b: Int64) -> Value {
    if b < 0 { return .double(pow(Double(a), Double(b))) }
    var result: Int64 = 1
    var base = a
    var exponent = b
    while exponent > 0 {
      if exponent & 1 == 1 {
        let (product, overflow) = result.multipliedReportingOverflow(by: base)
        if overflow { return .double(pow(Double(a), Double(b))) }
        result = product
      }
      exponent >>= 1
      if exponent > 0 {
        let (square, overflow) = base.multipliedReportingOverflow(by: base)
        if overflow { return .double(pow(Double(a), Double(b))) }
        base = square
      }
    }
    return .int(result)
  }

  /// `-x` and `+x`; null for anything but a number.
  static func sign(_ op: UnaryOperator, _ value: Value) -> Value {
    switch normalize(value) {
    case .int(let integer):
      if op == .plus { return .int(integer) }
      return integer == .min ? .double(-Double(integer)) : .int(-integer)
    case .double(let double):
      return .double(op == .plus ? double : -double)
    default:
      return .null
    }
  }

  // MARK: - Functions

  /// Whether `container` (an Array or a JSON array) has an element equal to `target`;
  /// nil when it is not an array.
  static func contains(_ container: Value, _ target: Value) -> Bool? {
    switch container {
    case .array(let elements): return elements.contains { equal($0, target) }
    case .json(.array(let elements)): return elements.contains { equal(Value(json: $0), target) }
    default: return nil
    }
  }

  /// `array_length`: the element count of an Array value or JSON array, else null.
  static func length(_ value: Value) -> Value {
    switch value {
    case .array(let elements): return .int(Int64(elements.count))
    case .json(.array(let elements)): return .int(Int64(elements.count))
    default: return .null
    }
  }

  /// The runtime value of a literal (lists become `.array`).
  static func value(of literal: FilterLiteral) -> Value {
    switch literal {
    case .int(let value): return .int(value)
    case .float(let value): return .double(value)
    case .bool(let value): return .bool(value)
    case .string(let value): return .string(value)
    case .list(let values): return .array(values.map(value(of:)))
    }
  }
}

/// A compiled `like` pattern: `%` matches any run of characters, `_` exactly one character
/// (Unicode scalar); `\%`, `\_` and `\\` stand for the character itself, and any other
/// backslash is literal. Matching works on UTF-8 bytes, with fast paths for exact, prefix,
/// suffix and substring patterns.
struct LikePattern: Sendable {
  enum Element: Sendable, Equatable {
    case literal([UInt8])
    case one
    case run
  }

  enum Plan: Sendable {
    case exact([UInt8])
    case prefix([UInt8])
    case suffix([UInt8])
    case contains([UInt8])
    case general([Element])
  }

  let plan: Plan

  init(_ pattern: String) {
    var elements: [Element] = []
    var literal: [UInt8] = []
    func flush() {
      if !literal.isEmpty {
        elements.append(.literal(literal))
        literal = []
      }
    }
    let scalars = Array(pattern.unicodeScalars)
    var index = 0
    while index < scalars.count {
      let scalar = scalars[index]
      index += 1
      switch scalar {
      case "\\" where index < scalars.count && ["%", "_", "\\"].contains(scalars[index]):
        literal.append(contentsOf: String(scalars[index]).utf8)
        index += 1
      case "%":
        flush()
        if elements.last != .run { elements.append(.run) }
      case "_":
        flush()
        elements.append(.one)
      default:
        literal.append(contentsOf: String(scalar).utf8)
      }
    }
    flush()
    plan = Self.plan(for: elements)
  }

  static func plan(for elements: [Element]) -> Plan {
    let runs = elements.filter { $0 == .run }.count
    let literals = elements.compactMap { element -> [UInt8]? in
      if case .literal(let bytes) = element { return bytes }
      return nil
    }
    guard !elements.contains(.one), literals.count <= 1 else { return .general(elements) }
    let literal = literals.first ?? []
    if runs == 0 { return .exact(literal) }
    if literals.isEmpty { return .general(elements) }
    if runs == 2 { return .contains(literal) }
    return elements.first == .run ? .suffix(literal) : .prefix(literal)
  }

  func matches(_ string: String) -> Bool {
    var string = string
    return string.withUTF8 { bytes in
      switch plan {
      case .exact(let literal): return bytes.elementsEqual(literal)
      case .prefix(let literal): return bytes.starts(with: literal)
      case .suffix(let literal):
        return bytes.count >= literal.count
          && bytes[(bytes.count - literal.count)...].elementsEqual(literal)
      case .contains(let literal): return Self.find(literal, in: bytes, from: 0)
      case .general(let elements): return Self.match(elements, bytes)
      }
    }
  }

  static func find(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>, from start: Int)
    -> Bool
  {
    if needle.isEmpty { return true }
    guard haystack.count - start >= needle.count else { return false }
    let first = needle[0]
    var position = start
    while position + needle.count <= haystack.count {
      if haystack[position] == first, matchesAt(needle, haystack, position) { return true }
      position += 1
    }
    return false
  }

  @inline(__always)
  static func matchesAt(_ literal: [UInt8], _ bytes: UnsafeBufferPointer<UInt8>, _ position: Int)
    -> Bool
  {
    guard position + literal.count <= bytes.count else { return false }
    for offset in 0..<literal.count where bytes[position + offset] != literal[offset] {
      return false
    }
    return true
  }

  /// The index after the UTF-8 scalar that starts at `position`.
  @inline(__always)
  static func nextScalar(_ bytes: UnsafeBufferPointer<UInt8>, _ position: Int) -> Int {
    var next = position + 1
    while next < bytes.count, bytes[next] & 0xC0 == 0x80 { next += 1 }
    return next
  }

  /// Wildcard matching with backtracking to the last `%` (linear in practice, O(n·m) at worst).
  static func match(_ elements: [Element], _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var element = 0
    var position = 0
    var starElement = -1
    var starPosition = 0
    while position < bytes.count {
      if element < elements.count {
        switch elements[element] {
        case .literal(let literal):
          if matchesAt(literal, bytes, position) {
            position += literal.count
            element += 1
            continue
          }
        case .one:
          position = nextScalar(bytes, position)
          element += 1
          continue
        case .run:
          starElement = element
          starPosition = position
          element += 1
          continue
        }
      }
      guard starElement >= 0 else { return false }
      starPosition = nextScalar(bytes, starPosition)
      position = starPosition
      element = starElement + 1
    }
    while element < elements.count, elements[element] == .run { element += 1 }
    return element == elements.count
  }
}
