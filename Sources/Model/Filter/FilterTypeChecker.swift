/// The type the checker infers for a sub-expression.
enum FilterType: Equatable, Sendable {
  case bool
  case int
  case float
  /// A number whose width is not known (arithmetic on JSON values).
  case number
  case string
  /// A JSON value (a JSON field, path or dynamic key): its type is only known per row.
  case json
  /// A whole `Array` field, with its element type.
  case array(DataType)
  /// A list literal.
  case list

  var isNumeric: Bool { self == .int || self == .float || self == .number || self == .json }
  var isBoolean: Bool { self == .bool || self == .json }
  var isString: Bool { self == .string || self == .json }

  /// The type of an `Array` field's element (or of a scalar field).
  init(scalar type: DataType) {
    switch type {
    case .bool: self = .bool
    case .int8, .int16, .int32, .int64: self = .int
    case .float, .double: self = .float
    case .varChar: self = .string
    case .json, .array, .floatVector: self = .json
    }
  }
}

/// A checked sub-expression: the resolved tree, its type, and words for messages.
struct TypedFilter {
  var expr: FilterExpr
  var type: FilterType
  /// For a field reference: its text (`name`, `tags[0]`) and type name (`VarChar`).
  var field: (text: String, typeName: String, isElement: Bool)?

  var column: Int { max(1, expr.startColumn) }

  /// "VarChar field 'name'", "Int64 element 'tags[0]'", "a number", ...
  var noun: String {
    if let field {
      if type == .json { return "JSON value '\(field.text)'" }
      return "\(field.typeName) \(field.isElement ? "element" : "field") '\(field.text)'"
    }
    if case .literal(let literal, _) = expr { return literal.kindDescription }
    switch type {
    case .bool: return "a condition"
    case .int, .float, .number: return "a number"
    case .string: return "a string"
    case .json: return "a JSON value"
    case .array: return "an array"
    case .list: return "a list"
    }
  }

  /// "'name' is VarChar", "'tags' is an Array field", "this is a string", ...
  var predicate: String {
    if let field {
      if case .array = type, !field.isElement { return "'\(field.text)' is an Array field" }
      return "'\(field.text)' is \(field.typeName)"
    }
    if case .literal(let literal, _) = expr {
      return "\(FilterPrinter.literalText(literal)) is \(literal.kindDescription)"
    }
    return "this is \(noun)"
  }
}

/// Checks a filter tree against a collection schema and resolves dynamic keys.
///
/// Rules: comparisons need compatible sides (numbers with numbers, strings with strings,
/// booleans with booleans for `==`/`!=`; a JSON value with any scalar); arithmetic needs
/// numbers (`%` needs integers); `like` needs a string; `and`/`or`/`not` need conditions;
/// `json_contains*`/`array_contains*` need an Array or JSON field and constant values;
/// `array_length` needs an Array or JSON field; vector fields cannot appear; a whole Array
/// field must be indexed (`tags[0]`) or used in a function; the whole filter must be a
/// condition (a Bool field or a JSON value may stand alone). A name that is not a schema
/// field is a dynamic key (`$meta["name"]`) when the schema enables the dynamic field.
public struct FilterTypeChecker: Sendable {
  /// The schema that names and types the fields.
  public let schema: CollectionSchema

  /// A checker for filters over `schema`.
  public init(schema: CollectionSchema) { self.schema = schema }

  /// The resolved tree (dynamic keys rewritten to `$meta[...]`), or the first type error.
  public func check(_ root: FilterExpr) throws(FilterError) -> FilterExpr {
    // Trees built in code skip the parser's limits; hold them to the same ones.
    let depth = root.measureDepth()
    if depth.logical > FilterParser.maximumDepth || depth.physical > FilterParser.maximumChain {
      throw FilterError("the filter is too complex to evaluate", column: max(1, root.startColumn))
    }
    let typed = try infer(root)
    guard typed.type.isBoolean else {
      throw FilterError(
        "the filter must be a condition, but \(typed.predicate)", column: typed.column)
    }
    return typed.expr
  }

  func error(_ message: String, _ column: Int) -> FilterError {
    FilterError(message, column: max(1, column))
  }

  // MARK: - Fields

  func resolve(_ path: FieldPath) throws(FilterError) -> TypedFilter {
    let column = path.at.value
    if path.name == CollectionSchema.dynamicFieldName {
      guard schema.enableDynamicField else {
        throw error("the collection has no dynamic field, so '$meta' is not available", column)
      }
      return TypedFilter(expr: .field(path), type: .json, field: (path.description, "JSON", false))
    }
    guard let field = schema.field(named: path.name) else {
      if schema.enableDynamicField {
        let resolved = FieldPath(
          CollectionSchema.dynamicFieldName, path: [.key(path.name)] + path.path, at: path.at)
        return TypedFilter(
          expr: .field(resolved), type: .json, field: (path.description, "JSON", false))
      }
      var message = "unknown field '\(path.name)'"
      if let suggestion = closestName(to: path.name, among: schema.fields.map(\.name)) {
        message += "; did you mean '\(suggestion)'?"
      }
      throw error(message, column)
    }
    let typeName = DataTypeNames.display(field.type)
    switch field.type {
    case .floatVector:
      throw error(
        "'\(field.name)' is a vector field; vector fields cannot be used in a filter", column)
    case .json:
      return TypedFilter(
        expr: .field(path), type: .json, field: (path.description, typeName, false))
    case .array:
      let element = field.elementType ?? .int64
      guard let first = path.path.first else {
        return TypedFilter(
          expr: .field(path), type: .array(element), field: (path.name, typeName, false))
      }
      guard case .index = first else {
        throw error(
          "'\(field.name)' is an Array field; index it with a number, like \(field.name)[0]", column
        )
      }
      if path.path.count > 1 {
        throw error(
          "'\(FieldPath(path.name, path: [first]))' is \(DataTypeNames.display(element)) and cannot be indexed",
          column)
      }
      return TypedFilter(
        expr: .field(path), type: FilterType(scalar: element),
        field: (path.description, DataTypeNames.display(element), true))
    default:
      if !path.path.isEmpty {
        throw error(
          "'\(field.name)' is \(typeName); only JSON and Array fields can be indexed", column)
      }
      return TypedFilter(
        expr: .field(path), type: FilterType(scalar: field.type),
        field: (path.name, typeName, false))
    }
  }

  // MARK: - Expressions

  // Each node kind is checked in its own small function so that the recursion's stack
  // frames stay small; `and`/`or` chains are walked without recursion.
  func infer(_ expr: FilterExpr) throws(FilterError) -> TypedFilter {
    switch expr {
    case .literal(let literal, _):
      return TypedFilter(expr: expr, type: Self.literalType(literal), field: nil)
    case .field(let path):
      return try resolve(path)
    case .unary(let op, let operand, let at):
      return try inferUnary(op, operand, at)
    case .binary(let op, let lhs, let rhs, let at):
      if op == .and || op == .or { return try inferLogical(expr, op) }
      return try inferBinary(op, lhs, rhs, at)
    case .range(let lower, let lowerInclusive, let field, let upper, let upperInclusive, let at):
      return try inferRange(lower, lowerInclusive, field, upper, upperInclusive, at)
    case .inList(let lhs, let values, let negated, let at):
      return try inferIn(lhs, values, negated, at)
    case .like(let lhs, let pattern, let at):
      return try inferLike(lhs, pattern, at)
    case .isNull(let path, let negated, let at):
      let typed = try resolve(path)
      guard case .field(let resolved) = typed.expr else {
        preconditionFailure("a field resolves to a field")
      }
      return TypedFilter(expr: .isNull(resolved, negated: negated, at: at), type: .bool, field: nil)
    case .exists(let path, let at):
      let typed = try resolve(path)
      guard typed.type == .json, case .field(let resolved) = typed.expr else {
        throw error("'exists' needs a JSON field or path, but \(typed.predicate)", typed.column)
      }
      return TypedFilter(expr: .exists(resolved, at: at), type: .bool, field: nil)
    case .call(let function, let arguments, let at):
      return try inferCall(function, arguments, at)
    }
  }

  /// A chain of one `and`/`or` operator, checked operand by operand with an explicit stack,
  /// and rebuilt with the same shape.
  func inferLogical(_ root: FilterExpr, _ op: BinaryOperator) throws(FilterError) -> TypedFilter {
    enum Work {
      case visit(FilterExpr)
      case build(SourceColumn)
    }
    var work: [Work] = [.visit(root)]
    var results: [FilterExpr] = []
    while let item = work.popLast() {
      switch item {
      case .visit(let expr):
        if case .binary(let inner, let lhs, let rhs, let at) = expr, inner == op {
          work.append(.build(at))
          work.append(.visit(rhs))
          work.append(.visit(lhs))
        } else {
          let side = try infer(expr)
          guard side.type.isBoolean else {
            throw error(
              "'\(op.rawValue)' needs conditions on both sides, but \(side.predicate)", side.column)
          }
          results.append(side.expr)
        }
      case .build(let at):
        let rhs = results.removeLast()
        let lhs = results.removeLast()
        results.append(.binary(op, lhs, rhs, at: at))
      }
    }
    return TypedFilter(expr: results[0], type: .bool, field: nil)
  }

  func inferUnary(_ op: UnaryOperator, _ operand: FilterExpr, _ at: SourceColumn)
    throws(FilterError) -> TypedFilter
  {
    let typed = try infer(operand)
    let resolved = FilterExpr.unary(op, typed.expr, at: at)
    switch op {
    case .not:
      guard typed.type.isBoolean else {
        throw error(
          "'not' needs a condition, but \(typed.predicate); to negate a comparison write not (...)",
          typed.column)
      }
      return TypedFilter(expr: resolved, type: .bool, field: nil)
    case .negate, .plus:
      try requireScalar(typed)
      guard typed.type.isNumeric else {
        throw error("'\(op.rawValue)' needs a number, but \(typed.predicate)", typed.column)
      }
      return TypedFilter(
        expr: resolved, type: typed.type == .json ? .number : typed.type, field: nil)
    }
  }

  func inferBinary(
    _ op: BinaryOperator, _ lhs: FilterExpr, _ rhs: FilterExpr, _ at: SourceColumn
  ) throws(FilterError) -> TypedFilter {
    let left = try infer(lhs)
    let right = try infer(rhs)
    let resolved = FilterExpr.binary(op, left.expr, right.expr, at: at)
    if op.isComparison {
      try checkComparable(left, right, op: op, column: at.value)
      return TypedFilter(expr: resolved, type: .bool, field: nil)
    }
    for side in [left, right] {
      try requireScalar(side)
      guard side.type.isNumeric else {
        throw error("arithmetic needs numbers, but \(side.predicate)", side.column)
      }
      if op == .modulo, side.type == .float {
        throw error("'%' needs integers, but \(side.predicate)", side.column)
      }
    }
    let type: FilterType
    if left.type == .int && right.type == .int {
      type = .int
    } else if (left.type == .float || right.type == .float) && left.type != .json
      && right.type != .json
    {
      type = .float
    } else {
      type = .number
    }
    return TypedFilter(expr: resolved, type: type, field: nil)
  }

  func inferRange(
    _ lower: FilterExpr, _ lowerInclusive: Bool, _ field: FieldPath, _ upper: FilterExpr,
    _ upperInclusive: Bool,
    _ at: SourceColumn
  ) throws(FilterError) -> TypedFilter {
    let low = try infer(lower)
    let middle = try resolve(field)
    let high = try infer(upper)
    try checkComparable(low, middle, op: .less, column: at.value)
    try checkComparable(middle, high, op: .less, column: at.value)
    guard case .field(let resolvedField) = middle.expr else {
      preconditionFailure("a field resolves to a field")
    }
    return TypedFilter(
      expr: .range(
        lower: low.expr, lowerInclusive: lowerInclusive, field: resolvedField, upper: high.expr,
        upperInclusive: upperInclusive, at: at),
      type: .bool, field: nil)
  }

  func inferIn(
    _ lhs: FilterExpr, _ values: [FilterLiteral], _ negated: Bool, _ at: SourceColumn
  ) throws(FilterError) -> TypedFilter {
    let left = try infer(lhs)
    try requireScalar(left)
    for value in values {
      if case .list = value {
        guard left.type == .json else {
          throw error("cannot compare \(left.noun) with a list", at.value)
        }
        continue
      }
      let element = TypedFilter(
        expr: .literal(value, at: at), type: Self.literalType(value), field: nil)
      try checkComparable(left, element, op: .equal, column: at.value)
    }
    return TypedFilter(
      expr: .inList(left.expr, values, negated: negated, at: at), type: .bool, field: nil)
  }

  func inferLike(_ lhs: FilterExpr, _ pattern: String, _ at: SourceColumn) throws(FilterError)
    -> TypedFilter
  {
    let left = try infer(lhs)
    try requireScalar(left)
    guard left.type.isString else {
      throw error("'like' needs a string, but \(left.predicate)", left.column)
    }
    return TypedFilter(expr: .like(left.expr, pattern: pattern, at: at), type: .bool, field: nil)
  }

  func inferCall(
    _ function: FilterFunction, _ arguments: [FilterExpr], _ at: SourceColumn
  ) throws(FilterError) -> TypedFilter {
    var typedArguments: [TypedFilter] = []
    for argument in arguments { typedArguments.append(try infer(argument)) }
    guard typedArguments.count == function.arity else {
      throw error(
        "\(function.name) takes \(function.arity) arguments, but got \(arguments.count)", at.value)
    }
    let resolved = FilterExpr.call(function, typedArguments.map(\.expr), at: at)
    let container = typedArguments[0]
    var elementType: FilterType = .json
    switch container.type {
    case .array(let element): elementType = FilterType(scalar: element)
    case .json: break
    default:
      throw error(
        "\(function.name) needs an Array or JSON field, but \(container.predicate)",
        container.column)
    }
    if function == .arrayLength { return TypedFilter(expr: resolved, type: .int, field: nil) }
    let argument = typedArguments[1]
    guard case .literal(let literal, _) = argument.expr else {
      throw error(
        "the second argument of \(function.name) must be a constant value", argument.column)
    }
    let values: [FilterLiteral]
    if function.takesList {
      guard case .list(let list) = literal else {
        throw error(
          "\(function.name) needs a list of values as its second argument", argument.column)
      }
      values = list
    } else {
      values = [literal]
    }
    if elementType != .json, let fieldText = container.field?.text {
      let element = TypedFilter(expr: container.expr, type: elementType, field: nil)
      for value in values where !Self.comparable(element.type, Self.literalType(value), op: .equal) {
        throw error(
          "cannot compare the \(Self.typeWord(elementType)) elements of '\(fieldText)' with \(value.kindDescription)",
          argument.column)
      }
    }
    return TypedFilter(expr: resolved, type: .bool, field: nil)
  }

  static func literalType(_ literal: FilterLiteral) -> FilterType {
    switch literal {
    case .int: return .int
    case .float: return .float
    case .bool: return .bool
    case .string: return .string
    case .list: return .list
    }
  }

  static func typeWord(_ type: FilterType) -> String {
    switch type {
    case .bool: return "boolean"
    case .int, .float, .number: return "numeric"
    case .string: return "string"
    default: return "JSON"
    }
  }

  /// Rejects whole Array fields and list literals where a single value is needed.
  func requireScalar(_ typed: TypedFilter) throws(FilterError) {
    switch typed.type {
    case .array:
      let name = typed.field?.text ?? "the array"
      throw error("'\(name)' is an Array field; index it like \(name)[0]", typed.column)
    case .list:
      throw error("a list can only follow 'in' or be a function argument", typed.column)
    default:
      return
    }
  }

  static func comparable(_ lhs: FilterType, _ rhs: FilterType, op: BinaryOperator) -> Bool {
    if lhs == .json || rhs == .json { return true }
    if lhs.isNumeric && rhs.isNumeric { return true }
    if lhs == .string && rhs == .string { return true }
    if lhs == .bool && rhs == .bool { return true }
    return false
  }

  func checkComparable(_ lhs: TypedFilter, _ rhs: TypedFilter, op: BinaryOperator, column: Int)
    throws(FilterError)
  {
    try requireScalar(lhs)
    try requireScalar(rhs)
    guard Self.comparable(lhs.type, rhs.type, op: op) else {
      throw error("cannot compare \(lhs.noun) with \(rhs.noun)", column)
    }
    if op.isOrdering, lhs.type == .bool || rhs.type == .bool {
      throw error("cannot order booleans with '\(op.rawValue)'", column)
    }
  }
}
