/// A Pratt parser for Milvus filter expressions (the newest `Plan.g4` grammar).
///
/// Binding, tightest first: primary (literals, fields, `f["k"][0]`, calls, parentheses,
/// `x is [not] null`); `like`, `exists`; `**` (left-associative, as in Plan.g4); prefix
/// `+ - not !`; `* / %`; `+ -`; `in` / `not in`; `< <= > >=` and chained ranges; `== !=`;
/// `and &&`; `or ||`. A prefix operator may start any operand, and its own operand takes
/// everything that binds tighter than it, so `not a == 1` is `(not a) == 1` and `-2 ** 2`
/// is `-(2 ** 2)`, exactly as in Milvus.
struct FilterParser {
  var tokens: [FilterToken]
  var index = 0
  let endColumn: Int
  var nesting = 0

  /// Deepest recursion the parser allows (parentheses, prefix operators, right operands).
  /// Chosen so that parsing, checking, compiling and evaluating fit a 512 KiB thread stack
  /// even in debug builds; real filters are far shallower.
  static let maximumNesting = 64
  /// Deepest tree a filter may produce (a chain of one `and`/`or` counts as one level, so
  /// `a or b or c ...` may be arbitrarily long).
  static let maximumDepth = 64
  /// Longest chain of one `and`/`or` operator (trees are released recursively, so this
  /// bounds the stack that freeing a tree needs).
  static let maximumChain = 2500

  init(_ text: String) {
    var lexer = FilterLexer(text)
    tokens = lexer.tokenize()
    endColumn = lexer.endColumn
  }

  /// Parses the whole text; nil means the filter is empty (matches everything).
  mutating func parse() throws(FilterError) -> FilterExpr? {
    try checkCurrent()
    if case .end = current.kind { return nil }
    let expr = try parseExpr(0)
    guard case .end = current.kind else { throw unexpected(current) }
    let depth = expr.measureDepth()
    if depth.logical > Self.maximumDepth {
      throw FilterError(
        "the filter is too complex (nested more than \(Self.maximumDepth) levels)", column: 1)
    }
    if depth.physical > Self.maximumChain {
      throw FilterError(
        "the filter is too long (more than \(Self.maximumChain) conditions joined by one operator); use 'in [...]' for long lists of values",
        column: 1)
    }
    return expr
  }

  // MARK: - Tokens

  var current: FilterToken { tokens[index] }

  func peek(_ offset: Int) -> FilterToken { tokens[min(index + offset, tokens.count - 1)] }

  var previous: FilterToken? { index > 0 ? tokens[index - 1] : nil }

  func checkCurrent() throws(FilterError) {
    if case .invalid(let message) = current.kind {
      throw FilterError(message, column: current.column)
    }
  }

  mutating func advance() throws(FilterError) {
    if index < tokens.count - 1 { index += 1 }
    try checkCurrent()
  }

  func isSymbol(_ symbol: FilterSymbol, _ token: FilterToken? = nil) -> Bool {
    if case .symbol(let found) = (token ?? current).kind { return found == symbol }
    return false
  }

  func isKeyword(_ keyword: FilterKeyword, _ token: FilterToken? = nil) -> Bool {
    if case .keyword(let found) = (token ?? current).kind { return found == keyword }
    return false
  }

  var isAtEnd: Bool {
    if case .end = current.kind { return true }
    return false
  }

  func unexpected(_ token: FilterToken) -> FilterError {
    switch token.kind {
    case .end: return FilterError("unexpected end of the filter", column: token.column)
    case .invalid(let message): return FilterError(message, column: token.column)
    default: return FilterError("unexpected '\(token.text)'", column: token.column)
    }
  }

  /// The error for a missing operand: "expected a value after 'X'" at the end, else "unexpected 'Y'".
  func missingValue() -> FilterError {
    if isAtEnd, let previous {
      return FilterError("expected a value after '\(previous.text)'", column: endColumn)
    }
    return unexpected(current)
  }

  // MARK: - Expressions

  mutating func parseExpr(_ minimum: Int) throws(FilterError) -> FilterExpr {
    nesting += 1
    defer { nesting -= 1 }
    if nesting > Self.maximumNesting {
      throw FilterError("the filter is nested too deeply", column: current.column)
    }
    var lhs = try parsePrefix()
    while true {
      let token = current
      switch token.kind {
      case .keyword(.like):
        guard FilterPrecedence.like >= minimum else { return lhs }
        try advance()
        guard case .string(let pattern) = current.kind else {
          throw FilterError("'like' needs a string pattern", column: current.column)
        }
        try advance()
        lhs = .like(lhs, pattern: pattern, at: SourceColumn(token.column))
      case .keyword(.in):
        guard FilterPrecedence.in >= minimum else { return lhs }
        lhs = try parseIn(lhs, negated: false)
      case .keyword(.not) where isKeyword(.in, peek(1)):
        guard FilterPrecedence.in >= minimum else { return lhs }
        lhs = try parseIn(lhs, negated: true)
      case .keyword(.not):
        guard FilterPrecedence.in >= minimum else { return lhs }
        throw FilterError(
          "expected 'in' after 'not'", column: peek(1).kind == .end ? endColumn : peek(1).column)
      default:
        guard let op = binaryOperator(token), op.precedence >= minimum else { return lhs }
        try advance()
        if op.isOrdering {
          lhs = try parseComparisonChain(lhs, op, token)
        } else {
          let rhs = try parseExpr(op.precedence + 1)
          lhs = .binary(op, lhs, rhs, at: SourceColumn(token.column))
        }
      }
    }
  }

  func binaryOperator(_ token: FilterToken) -> BinaryOperator? {
    switch token.kind {
    case .keyword(.and): return .and
    case .keyword(.or): return .or
    case .symbol(let symbol):
      switch symbol {
      case .plus: return .add
      case .minus: return .subtract
      case .star: return .multiply
      case .slash: return .divide
      case .percent: return .modulo
      case .power: return .power
      case .equal: return .equal
      case .notEqual: return .notEqual
      case .less: return .less
      case .lessOrEqual: return .lessOrEqual
      case .greater: return .greater
      case .greaterOrEqual: return .greaterOrEqual
      case .andAnd: return .and
      case .orOr: return .or
      default: return nil
      }
    default: return nil
    }
  }

  /// `lhs op rhs`, or the range `lhs op field op upper` when a second ordering operator follows.
  mutating func parseComparisonChain(
    _ lhs: FilterExpr, _ op: BinaryOperator, _ opToken: FilterToken
  ) throws(FilterError) -> FilterExpr {
    let middle = try parseExpr(FilterPrecedence.in)
    guard let second = binaryOperator(current), second.isOrdering else {
      return .binary(op, lhs, middle, at: SourceColumn(opToken.column))
    }
    let secondToken = current
    let ascending = op == .less || op == .lessOrEqual
    guard ascending == (second == .less || second == .lessOrEqual) else {
      throw FilterError(
        "cannot chain '\(opToken.text)' with '\(secondToken.text)'; combine the comparisons with 'and'",
        column: secondToken.column)
    }
    guard case .field(let field) = middle else {
      throw FilterError(
        "a chained comparison needs a field in the middle, like 1 < x < 5",
        column: max(1, middle.startColumn))
    }
    try advance()
    let upper = try parseExpr(FilterPrecedence.in)
    if let third = binaryOperator(current), third.isOrdering {
      throw FilterError(
        "a chained comparison takes at most two operators; combine conditions with 'and'",
        column: current.column)
    }
    let at = SourceColumn(opToken.column)
    if ascending {
      return .range(
        lower: lhs, lowerInclusive: op == .lessOrEqual, field: field, upper: upper,
        upperInclusive: second == .lessOrEqual, at: at)
    }
    return .range(
      lower: upper, lowerInclusive: second == .greaterOrEqual, field: field, upper: lhs,
      upperInclusive: op == .greaterOrEqual, at: at)
  }

  mutating func parseIn(_ lhs: FilterExpr, negated: Bool) throws(FilterError) -> FilterExpr {
    let at = SourceColumn(current.column)
    if negated { try advance() }
    let inToken = current
    try advance()
    if isAtEnd { throw FilterError("expected a value after '\(inToken.text)'", column: endColumn) }
    guard isSymbol(.openBracket) else {
      throw FilterError(
        "expected a list of values after '\(inToken.text)', like [1, 2]", column: current.column)
    }
    let values = try parseList()
    return .inList(lhs, values, negated: negated, at: at)
  }

  mutating func parsePrefix() throws(FilterError) -> FilterExpr {
    let token = current
    switch token.kind {
    case .symbol(.minus), .symbol(.plus):
      let negate = isSymbol(.minus)
      try advance()
      if negate, case .integer(let magnitude) = current.kind, magnitude == UInt64(Int64.max) + 1,
        !isSymbol(.power, peek(1)), !isKeyword(.like, peek(1)), !isKeyword(.is, peek(1))
      {
        try advance()
        return .literal(.int(.min), at: SourceColumn(token.column))
      }
      let operand = try parseExpr(FilterPrecedence.unary)
      return Self.applySign(negate: negate, to: operand, at: SourceColumn(token.column))
    case .symbol(.bang), .keyword(.not):
      try advance()
      let operand = try parseExpr(FilterPrecedence.unary)
      return .unary(.not, operand, at: SourceColumn(token.column))
    case .keyword(.exists):
      try advance()
      let operand = try parseExpr(FilterPrecedence.like)
      guard case .field(let path) = operand else {
        throw FilterError(
          "'exists' needs a field or JSON path", column: max(1, operand.startColumn))
      }
      return .exists(path, at: SourceColumn(token.column))
    default:
      let primary = try parsePrimary()
      return try parseIsNull(primary)
    }
  }

  /// Folds a sign into a numeric literal (`-5` is the literal -5), else builds a unary node.
  static func applySign(negate: Bool, to operand: FilterExpr, at: SourceColumn) -> FilterExpr {
    switch operand {
    case .literal(.int(let value), _) where !(negate && value == .min):
      return .literal(.int(negate ? -value : value), at: at)
    case .literal(.float(let value), _):
      return .literal(.float(negate ? -value : value), at: at)
    default:
      return .unary(negate ? .negate : .plus, operand, at: at)
    }
  }

  mutating func parseIsNull(_ expr: FilterExpr) throws(FilterError) -> FilterExpr {
    guard isKeyword(.is) else { return expr }
    let isToken = current
    try advance()
    var negated = false
    if isKeyword(.not) {
      negated = true
      try advance()
    }
    guard isKeyword(.null) else {
      throw FilterError(
        negated ? "expected 'null' after 'is not'" : "expected 'null' or 'not null' after 'is'",
        column: current.column)
    }
    try advance()
    guard case .field(let path) = expr else {
      throw FilterError("'is null' needs a field or JSON path", column: max(1, expr.startColumn))
    }
    return .isNull(path, negated: negated, at: SourceColumn(isToken.column))
  }

  mutating func parsePrimary() throws(FilterError) -> FilterExpr {
    let token = current
    let at = SourceColumn(token.column)
    switch token.kind {
    case .integer(let magnitude):
      guard magnitude <= UInt64(Int64.max) else {
        throw FilterError("integer \(token.text) is out of range for Int64", column: token.column)
      }
      try advance()
      return .literal(.int(Int64(magnitude)), at: at)
    case .float(let value):
      try advance()
      return .literal(.float(value), at: at)
    case .string(let value):
      try advance()
      return .literal(.string(value), at: at)
    case .keyword(.true), .keyword(.false):
      try advance()
      return .literal(.bool(isKeyword(.true, token)), at: at)
    case .keyword(.null):
      throw FilterError(
        "'null' can only be used in 'is null' or 'is not null'", column: token.column)
    case .identifier(let name):
      if isSymbol(.openParen, peek(1)) { return try parseCall(name) }
      try advance()
      return .field(try parseSubscripts(FieldPath(name, at: at)))
    case .meta:
      try advance()
      return .field(try parseSubscripts(FieldPath(CollectionSchema.dynamicFieldName, at: at)))
    case .symbol(.openParen):
      try advance()
      let inner = try parseExpr(0)
      guard isSymbol(.closeParen) else {
        throw FilterError(
          "expected ')' to close the '(' opened at column \(token.column)", column: current.column)
      }
      try advance()
      return inner
    case .symbol(.openBracket):
      throw FilterError(
        "a list can only follow 'in' or be a function argument", column: token.column)
    default:
      throw missingValue()
    }
  }

  mutating func parseSubscripts(_ field: FieldPath) throws(FilterError) -> FieldPath {
    var field = field
    while isSymbol(.openBracket) {
      let open = current
      try advance()
      switch current.kind {
      case .string(let key):
        field.path.append(.key(key))
      case .integer(let index) where index <= UInt64(Int.max):
        field.path.append(.index(Int(index)))
      case .end:
        throw FilterError("expected a key or index after '['", column: endColumn)
      case .symbol(.minus), .float, .integer:
        throw FilterError("an index must be a non-negative integer", column: current.column)
      default:
        throw FilterError(
          "expected a string key or an integer index after '['", column: current.column)
      }
      try advance()
      guard isSymbol(.closeBracket) else {
        throw FilterError(
          "expected ']' to close the '[' opened at column \(open.column)", column: current.column)
      }
      try advance()
    }
    return field
  }

  mutating func parseCall(_ name: String) throws(FilterError) -> FilterExpr {
    let nameToken = current
    guard let function = FilterFunction(name: name) else {
      var message = "unknown function '\(name)'"
      if let suggestion = closestName(
        to: name.lowercased(), among: FilterFunction.allCases.map(\.name))
      {
        message += "; did you mean '\(suggestion)'?"
      }
      throw FilterError(message, column: nameToken.column)
    }
    try advance()
    let open = current
    try advance()
    var arguments: [FilterExpr] = []
    if isSymbol(.closeParen) {
      try advance()
    } else {
      while true {
        if isSymbol(.openBracket) {
          let at = SourceColumn(current.column)
          arguments.append(.literal(.list(try parseList()), at: at))
        } else {
          arguments.append(try parseExpr(0))
        }
        if isSymbol(.comma) {
          try advance()
          continue
        }
        if isSymbol(.closeParen) {
          try advance()
          break
        }
        if isAtEnd {
          throw FilterError(
            "expected ')' to close the '(' opened at column \(open.column)", column: endColumn)
        }
        throw FilterError(
          "expected ',' or ')' after an argument of \(function.name)", column: current.column)
      }
    }
    guard arguments.count == function.arity else {
      let noun = function.arity == 1 ? "argument" : "arguments"
      throw FilterError(
        "\(function.name) takes \(function.arity) \(noun), but got \(arguments.count)",
        column: nameToken.column)
    }
    return .call(function, arguments, at: SourceColumn(nameToken.column))
  }

  /// `[v, v, ...]` of constants (a trailing comma is allowed).
  mutating func parseList() throws(FilterError) -> [FilterLiteral] {
    nesting += 1
    defer { nesting -= 1 }
    if nesting > Self.maximumNesting {
      throw FilterError("the filter is nested too deeply", column: current.column)
    }
    let open = current
    try advance()
    var values: [FilterLiteral] = []
    func unclosed() -> FilterError {
      FilterError(
        "expected ']' to close the list opened at column \(open.column)",
        column: isAtEnd ? endColumn : current.column)
    }
    if isSymbol(.closeBracket) {
      try advance()
      return values
    }
    while true {
      if isAtEnd { throw unclosed() }
      values.append(try parseListElement())
      if isSymbol(.comma) {
        try advance()
        if isSymbol(.closeBracket) {
          try advance()
          return values
        }
        continue
      }
      if isSymbol(.closeBracket) {
        try advance()
        return values
      }
      throw unclosed()
    }
  }

  mutating func parseListElement() throws(FilterError) -> FilterLiteral {
    let token = current
    switch token.kind {
    case .integer, .float, .string, .keyword(.true), .keyword(.false):
      guard case .literal(let literal, _) = try parsePrimary() else { break }
      return literal
    case .symbol(.minus), .symbol(.plus):
      let negate = isSymbol(.minus)
      try advance()
      switch current.kind {
      case .integer(let magnitude) where negate && magnitude == UInt64(Int64.max) + 1:
        try advance()
        return .int(.min)
      case .integer, .float:
        let operand = try parsePrimary()
        if case .literal(let literal, _) = Self.applySign(negate: negate, to: operand, at: .unknown) {
          return literal
        }
      default:
        break
      }
      throw FilterError(
        "expected a number after '\(token.text)' in the list", column: current.column)
    case .symbol(.openBracket):
      return .list(try parseList())
    default:
      break
    }
    throw FilterError("list elements must be constant values", column: token.column)
  }
}

/// The closest of `candidates` to `name` within edit distance 2, if any (ties: the first).
func closestName(to name: String, among candidates: [String]) -> String? {
  var best: (name: String, distance: Int)?
  for candidate in candidates {
    let distance = editDistance(name, candidate)
    if distance <= 2, distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
  }
  return best?.name
}

/// Levenshtein distance between two strings, by Characters.
func editDistance(_ lhs: String, _ rhs: String) -> Int {
  let a = Array(lhs)
  let b = Array(rhs)
  if a.isEmpty { return b.count }
  if b.isEmpty { return a.count }
  var previousRow = Array(0...b.count)
  var currentRow = [Int](repeating: 0, count: b.count + 1)
  for i in 1...a.count {
    currentRow[0] = i
    for j in 1...b.count {
      let cost = a[i - 1] == b[j - 1] ? 0 : 1
      currentRow[j] = min(previousRow[j] + 1, currentRow[j - 1] + 1, previousRow[j - 1] + cost)
    }
    swap(&previousRow, &currentRow)
  }
  return previousRow[b.count]
}
