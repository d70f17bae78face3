/// Prints filter trees back as filter text, adding parentheses only where the grammar needs
/// them. For every tree the parser produces, parsing the printed text gives the same tree.
public enum FilterPrinter {
  /// The canonical text of `expr`.
  public static func print(_ expr: FilterExpr) -> String {
    var out = ""
    write(expr, minimum: 0, to: &out)
    return out
  }

  /// The text of a literal (lists as `[1, "a"]`).
  public static func literalText(_ literal: FilterLiteral) -> String {
    var out = ""
    writeLiteral(literal, to: &out)
    return out
  }

  /// A field reference with its subscripts: `meta["a"][0]`.
  public static func fieldText(_ field: FieldPath) -> String {
    var out = field.name
    for component in field.path {
      switch component {
      case .key(let key):
        out += "["
        writeString(key, to: &out)
        out += "]"
      case .index(let index):
        out += "[\(index)]"
      }
    }
    return out
  }

  /// A double-quoted string literal with the escapes the lexer reads back.
  public static func stringText(_ string: String) -> String {
    var out = ""
    writeString(string, to: &out)
    return out
  }

  /// How tightly a printed node binds, for deciding where parentheses go.
  static func precedence(_ expr: FilterExpr) -> Int {
    switch expr {
    case .literal(let literal, _):
      switch literal {
      case .int(let value): return value < 0 ? FilterPrecedence.unary : FilterPrecedence.primary
      case .float(let value):
        return value.sign == .minus ? FilterPrecedence.unary : FilterPrecedence.primary
      default: return FilterPrecedence.primary
      }
    case .field, .isNull, .call: return FilterPrecedence.primary
    case .unary: return FilterPrecedence.unary
    // `exists` takes a `like`-level operand, so it must not be followed directly by `like`/`**`.
    case .exists: return FilterPrecedence.unary
    case .binary(let op, _, _, _): return op.precedence
    case .range: return FilterPrecedence.relational
    case .inList: return FilterPrecedence.in
    case .like: return FilterPrecedence.like
    }
  }

  static func write(_ expr: FilterExpr, minimum: Int, to out: inout String) {
    if precedence(expr) < minimum {
      out += "("
      write(expr, minimum: 0, to: &out)
      out += ")"
      return
    }
    switch expr {
    case .literal(let literal, _):
      writeLiteral(literal, to: &out)
    case .field(let field):
      out += fieldText(field)
    case .unary(let op, let operand, _):
      switch op {
      case .not: out += "not "
      case .negate: out += "-"
      case .plus: out += "+"
      }
      if op != .not, startsWithSign(operand) {
        out += "("
        write(operand, minimum: 0, to: &out)
        out += ")"
      } else {
        write(operand, minimum: FilterPrecedence.unary, to: &out)
      }
    case .binary(let op, let lhs, let rhs, _):
      let level = op.precedence
      if op.isOrdering {
        write(lhs, minimum: FilterPrecedence.in, to: &out)
        out += " \(op.rawValue) "
        write(rhs, minimum: FilterPrecedence.in, to: &out)
        return
      }
      // A left-associative chain (`a or b or c`, `x + 1 - 2`) is printed along its left spine
      // without recursion, so long chains need no deep stack.
      var spine: [(BinaryOperator, FilterExpr)] = [(op, rhs)]
      var leftmost = lhs
      while case .binary(let inner, let innerLeft, let innerRight, _) = leftmost,
        inner.precedence == level,
        !inner.isOrdering
      {
        spine.append((inner, innerRight))
        leftmost = innerLeft
      }
      write(leftmost, minimum: level, to: &out)
      for (inner, right) in spine.reversed() {
        out += " \(inner.rawValue) "
        write(right, minimum: level + 1, to: &out)
      }
    case .range(let lower, let lowerInclusive, let field, let upper, let upperInclusive, _):
      write(lower, minimum: FilterPrecedence.in, to: &out)
      out += lowerInclusive ? " <= " : " < "
      out += fieldText(field)
      out += upperInclusive ? " <= " : " < "
      write(upper, minimum: FilterPrecedence.in, to: &out)
    case .inList(let lhs, let values, let negated, _):
      write(lhs, minimum: FilterPrecedence.in, to: &out)
      out += negated ? " not in " : " in "
      writeLiteral(.list(values), to: &out)
    case .like(let lhs, let pattern, _):
      write(lhs, minimum: FilterPrecedence.like, to: &out)
      out += " like "
      writeString(pattern, to: &out)
    case .isNull(let field, let negated, _):
      out += fieldText(field)
      out += negated ? " is not null" : " is null"
    case .exists(let field, _):
      out += "exists "
      out += fieldText(field)
    case .call(let function, let arguments, _):
      out += function.name
      out += "("
      for (offset, argument) in arguments.enumerated() {
        if offset > 0 { out += ", " }
        write(argument, minimum: 0, to: &out)
      }
      out += ")"
    }
  }

  /// Whether the printed operand would start with `-` or `+` (so `- -a` is printed `-(-a)`).
  static func startsWithSign(_ expr: FilterExpr) -> Bool {
    switch expr {
    case .unary(let op, _, _): return op != .not
    case .literal: return precedence(expr) == FilterPrecedence.unary
    default: return false
    }
  }

  static func writeLiteral(_ literal: FilterLiteral, to out: inout String) {
    switch literal {
    case .int(let value): out += String(value)
    case .float(let value): out += "\(value)"
    case .bool(let value): out += value ? "true" : "false"
    case .string(let value): writeString(value, to: &out)
    case .list(let values):
      out += "["
      for (offset, value) in values.enumerated() {
        if offset > 0 { out += ", " }
        writeLiteral(value, to: &out)
      }
      out += "]"
    }
  }

  static func writeString(_ string: String, to out: inout String) {
    out += "\""
    for scalar in string.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20 || scalar.value == 0x7F:
        let hex = String(scalar.value, radix: 16, uppercase: true)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    out += "\""
  }
}
