/// A 1-based source column that a filter node keeps for diagnostics.
///
/// It never takes part in equality or hashing, so two trees compare structurally whatever
/// text they were parsed from. `0` means "unknown" (a node built in code).
public struct SourceColumn: Sendable, Hashable, CustomStringConvertible, ExpressibleByIntegerLiteral {
  /// The 1-based column, or 0 when unknown.
  public var value: Int

  /// A column that is not known.
  public static let unknown = SourceColumn(0)

  /// A column at `value` (1-based; 0 for unknown).
  public init(_ value: Int) { self.value = value }

  /// A column written as an integer literal.
  public init(integerLiteral value: Int) { self.value = value }

  /// Always true: positions do not make trees different.
  public static func == (lhs: SourceColumn, rhs: SourceColumn) -> Bool { true }

  /// Hashes nothing, in keeping with `==`.
  public func hash(into hasher: inout Hasher) {}

  /// The column, or `?` when unknown.
  public var description: String { value == 0 ? "?" : String(value) }
}

/// A constant in a filter: a number, boolean, string or a list of constants.
public indirect enum FilterLiteral: Sendable, Hashable {
  case int(Int64)
  /// A finite floating-point number.
  case float(Double)
  case bool(Bool)
  case string(String)
  /// A list literal such as `[1, 2, "a"]`; elements may be lists themselves.
  case list([FilterLiteral])

  /// A word for the kind of constant, for messages ("a number", "a string", ...).
  public var kindDescription: String {
    switch self {
    case .int, .float: return "a number"
    case .bool: return "a boolean"
    case .string: return "a string"
    case .list: return "a list"
    }
  }
}

/// One step of a JSON path or an array subscript: `["key"]` or `[3]`.
public enum PathComponent: Sendable, Hashable {
  /// An object member, written `["key"]`.
  case key(String)
  /// An array element, written `[3]` (non-negative).
  case index(Int)
}

/// A reference to a stored value: a field, `$meta`, a dynamic key, or a path into a JSON or
/// Array field (`meta["a"][0]`, `tags[2]`).
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
  /// The field's name as written (`$meta` for the dynamic field).
  public var name: String
  /// Subscripts applied to the field, outermost first.
  public var path: [PathComponent]
  /// Where the reference starts in the source.
  public var at: SourceColumn

  /// A reference to `name`, optionally followed by `path`.
  public init(_ name: String, path: [PathComponent] = [], at: SourceColumn = .unknown) {
    self.name = name
    self.path = path
    self.at = at
  }

  /// The reference as filter text: `meta["a"][0]`.
  public var description: String { FilterPrinter.fieldText(self) }
}

/// Prefix operators.
public enum UnaryOperator: String, Sendable, Hashable, CaseIterable {
  /// `-x`
  case negate = "-"
  /// `+x`
  case plus = "+"
  /// `not x` (also written `!x`)
  case not = "not"
}

/// Infix operators (ranges, `in`, `like` and `is null` have their own nodes).
public enum BinaryOperator: String, Sendable, Hashable, CaseIterable {
  case add = "+"
  case subtract = "-"
  case multiply = "*"
  case divide = "/"
  case modulo = "%"
  case power = "**"
  case equal = "=="
  case notEqual = "!="
  case less = "<"
  case lessOrEqual = "<="
  case greater = ">"
  case greaterOrEqual = ">="
  /// `and` (also written `&&`)
  case and = "and"
  /// `or` (also written `||`)
  case or = "or"

  /// Whether this is `+ - * / % **`.
  public var isArithmetic: Bool {
    switch self {
    case .add, .subtract, .multiply, .divide, .modulo, .power: return true
    default: return false
    }
  }

  /// Whether this is `== != < <= > >=`.
  public var isComparison: Bool {
    switch self {
    case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return true
    default: return false
    }
  }

  /// Whether this is `< <= > >=`.
  public var isOrdering: Bool {
    switch self {
    case .less, .lessOrEqual, .greater, .greaterOrEqual: return true
    default: return false
    }
  }

  /// Binding strength; higher binds tighter.
  var precedence: Int {
    switch self {
    case .or: return FilterPrecedence.or
    case .and: return FilterPrecedence.and
    case .equal, .notEqual: return FilterPrecedence.equality
    case .less, .lessOrEqual, .greater, .greaterOrEqual: return FilterPrecedence.relational
    case .add, .subtract: return FilterPrecedence.additive
    case .multiply, .divide, .modulo: return FilterPrecedence.multiplicative
    case .power: return FilterPrecedence.power
    }
  }
}

/// The built-in functions.
public enum FilterFunction: String, Sendable, Hashable, CaseIterable {
  case jsonContains = "json_contains"
  case jsonContainsAll = "json_contains_all"
  case jsonContainsAny = "json_contains_any"
  case arrayContains = "array_contains"
  case arrayContainsAll = "array_contains_all"
  case arrayContainsAny = "array_contains_any"
  case arrayLength = "array_length"

  /// The function's name as printed (lower case).
  public var name: String { rawValue }

  /// How many arguments the function takes.
  public var arity: Int { self == .arrayLength ? 1 : 2 }

  /// Whether the second argument is a list of values (`_all`, `_any`).
  public var takesList: Bool {
    switch self {
    case .jsonContainsAll, .jsonContainsAny, .arrayContainsAll, .arrayContainsAny: return true
    default: return false
    }
  }

  /// The function called `name`, in any letter case.
  public init?(name: String) {
    self.init(rawValue: name.lowercased())
  }
}

/// A filter expression tree (Milvus's boolean expression language).
///
/// Positions (`at:`) are kept for diagnostics but are ignored by `==` and hashing.
/// A parsed tree is canonical: `20 > a >= 10` becomes the ascending range `10 <= a < 20`,
/// `-5` becomes the literal `-5`, and a bare dynamic key `color` (with a schema that has a
/// dynamic field) becomes `$meta["color"]`.
public indirect enum FilterExpr: Sendable, Hashable, CustomStringConvertible {
  /// A constant; a `.list` literal appears only as a function argument.
  case literal(FilterLiteral, at: SourceColumn = .unknown)
  /// A field, `$meta`, a dynamic key or a JSON path / array element.
  case field(FieldPath)
  /// `-x`, `+x`, `not x`; `at` is the operator's column.
  case unary(UnaryOperator, FilterExpr, at: SourceColumn = .unknown)
  /// `l op r`; `at` is the operator's column.
  case binary(BinaryOperator, FilterExpr, FilterExpr, at: SourceColumn = .unknown)
  /// `lower < field < upper` with `<` or `<=` on each side; `at` is the first operator's column.
  case range(
    lower: FilterExpr, lowerInclusive: Bool, field: FieldPath, upper: FilterExpr,
    upperInclusive: Bool,
    at: SourceColumn = .unknown)
  /// `x in [..]` or `x not in [..]`; `at` is the column of `in` (or `not`).
  case inList(FilterExpr, [FilterLiteral], negated: Bool = false, at: SourceColumn = .unknown)
  /// `x like "pattern"`; `at` is the column of `like`.
  case like(FilterExpr, pattern: String, at: SourceColumn = .unknown)
  /// `x is null` or `x is not null`; `at` is the column of `is`.
  case isNull(FieldPath, negated: Bool = false, at: SourceColumn = .unknown)
  /// `exists x`; `at` is the column of `exists`.
  case exists(FieldPath, at: SourceColumn = .unknown)
  /// A function call; `at` is the column of the function's name.
  case call(FilterFunction, [FilterExpr], at: SourceColumn = .unknown)

  /// The canonical filter text for this tree.
  public var description: String { FilterPrinter.print(self) }

  /// The column where this expression's text starts (0 when unknown).
  public var startColumn: Int {
    // Walk down the left edge without recursion; fall back to the operator's column.
    var expr = self
    var fallback = 0
    while true {
      switch expr {
      case .literal(_, let at): return at.value == 0 ? fallback : at.value
      case .field(let path): return path.at.value == 0 ? fallback : path.at.value
      case .unary(_, _, let at): return at.value == 0 ? fallback : at.value
      case .exists(_, let at): return at.value == 0 ? fallback : at.value
      case .call(_, _, let at): return at.value == 0 ? fallback : at.value
      case .isNull(let path, _, let at):
        return path.at.value != 0 ? path.at.value : (at.value == 0 ? fallback : at.value)
      case .binary(_, let lhs, _, let at), .inList(let lhs, _, _, let at),
        .like(let lhs, _, let at):
        if at.value != 0 { fallback = at.value }
        expr = lhs
      case .range(let lower, _, _, _, _, let at):
        if at.value != 0 { fallback = at.value }
        expr = lower
      }
    }
  }

  /// The fields this expression reads (`FieldPath.name`), distinct, in order of appearance.
  public var referencedFields: [String] {
    var names: [String] = []
    var seen = Set<String>()
    func add(_ path: FieldPath) {
      if seen.insert(path.name).inserted { names.append(path.name) }
    }
    // Pre-order, left to right, with an explicit stack (children pushed in reverse).
    var stack: [FilterExpr] = [self]
    while let expr = stack.popLast() {
      switch expr {
      case .literal: break
      case .field(let path): add(path)
      case .unary(_, let operand, _): stack.append(operand)
      case .binary(_, let lhs, let rhs, _): stack.append(contentsOf: [rhs, lhs])
      case .range(let lower, _, let field, let upper, _, _):
        // The field sits between the bounds in the text.
        stack.append(upper)
        stack.append(.field(field))
        stack.append(lower)
      case .inList(let lhs, _, _, _): stack.append(lhs)
      case .like(let lhs, _, _): stack.append(lhs)
      case .isNull(let path, _, _): add(path)
      case .exists(let path, _): add(path)
      case .call(_, let arguments, _): stack.append(contentsOf: arguments.reversed())
      }
    }
    return names
  }

  /// How deeply the tree nests (a leaf has depth 1), computed without recursion. A chain of
  /// one `and`/`or` operator counts as a single level, since every stage handles such chains
  /// without recursion.
  public var depth: Int { measureDepth().logical }

  /// The logical depth (chains of one `and`/`or` count once) and the plain depth.
  func measureDepth() -> (logical: Int, physical: Int) {
    var deepest = (logical: 0, physical: 0)
    var stack: [(FilterExpr, Int, Int)] = [(self, 1, 1)]
    while let (expr, level, physical) = stack.popLast() {
      deepest = (max(deepest.logical, level), max(deepest.physical, physical))
      var children: [FilterExpr] = []
      switch expr {
      case .literal, .field, .isNull, .exists: break
      case .unary(_, let operand, _): children = [operand]
      case .binary(let op, let lhs, let rhs, _):
        for child in [lhs, rhs] {
          if op == .and || op == .or, case .binary(op, _, _, _) = child {
            stack.append((child, level, physical + 1))
          } else {
            children.append(child)
          }
        }
      case .range(let lower, _, _, let upper, _, _): children = [lower, upper]
      case .inList(let lhs, _, _, _): children = [lhs]
      case .like(let lhs, _, _): children = [lhs]
      case .call(_, let arguments, _): children = arguments
      }
      for child in children { stack.append((child, level + 1, physical + 1)) }
    }
    return deepest
  }
}

/// Binding strengths, loosest first. Mirrors Milvus's `Plan.g4`.
enum FilterPrecedence {
  static let or = 1
  static let and = 2
  static let equality = 3
  static let relational = 4
  static let `in` = 5
  static let additive = 6
  static let multiplicative = 7
  static let unary = 8
  static let power = 9
  static let like = 10
  static let primary = 11
}
