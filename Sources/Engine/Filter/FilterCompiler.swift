import Model

/// A compiled condition: given the row's slot accessor, its three-valued truth.
typealias CompiledPredicate = @Sendable (_ value: (Int) -> Value) -> Truth
/// A compiled value expression.
typealias CompiledValue = @Sendable (_ value: (Int) -> Value) -> Value

/// Turns a checked filter tree into nested closures, once. Constants are prepared at compile
/// time (list lookups become sets, `like` patterns are pre-planned), `and`/`or` chains are
/// flattened, and comparisons of a field with a constant get a direct closure.
struct FilterCompiler {
  /// The distinct stored fields read, in slot order.
  var slots: [String] = []

  mutating func slot(_ name: String) -> Int {
    if let index = slots.firstIndex(of: name) { return index }
    slots.append(name)
    return slots.count - 1
  }

  // MARK: - Conditions

  mutating func predicate(_ expr: FilterExpr) -> CompiledPredicate {
    switch expr {
    case .literal(let literal, _):
      let truth = Truth(condition: FilterRuntime.value(of: literal))
      return { _ in truth }

    case .unary(.not, let operand, _):
      let inner = predicate(operand)
      return { inner($0).negated }

    case .binary(let op, let lhs, let rhs, _) where op == .and || op == .or:
      let parts = flatten(op, lhs, rhs).map { predicate($0) }
      if op == .and {
        return { row in
          var result = Truth.yes
          for part in parts {
            switch part(row) {
            case .no: return .no
            case .unknown: result = .unknown
            case .yes: continue
            }
          }
          return result
        }
      }
      return { row in
        var result = Truth.no
        for part in parts {
          switch part(row) {
          case .yes: return .yes
          case .unknown: result = .unknown
          case .no: continue
          }
        }
        return result
      }

    case .binary(let op, let lhs, let rhs, _) where op.isComparison:
      return comparison(op, lhs, rhs)

    case .range(let lower, let lowerInclusive, let field, let upper, let upperInclusive, _):
      let low = value(lower)
      let high = value(upper)
      let subject = load(field)
      let lowOp: BinaryOperator = lowerInclusive ? .lessOrEqual : .less
      let highOp: BinaryOperator = upperInclusive ? .lessOrEqual : .less
      return { row in
        let x = subject(row)
        let first = FilterRuntime.compare(lowOp, low(row), x)
        if first == .no { return .no }
        return first && FilterRuntime.compare(highOp, x, high(row))
      }

    case .inList(let lhs, let values, let negated, _):
      let subject = value(lhs)
      let set = ValueSet(values.map(FilterRuntime.value(of:)))
      if negated {
        return { row in set.membership(subject(row)).negated }
      }
      return { row in set.membership(subject(row)) }

    case .like(let lhs, let pattern, _):
      let subject = value(lhs)
      let matcher = LikePattern(pattern)
      return { row in
        switch subject(row) {
        case .string(let string): return Truth(matcher.matches(string))
        case .json(.string(let string)): return Truth(matcher.matches(string))
        case .null, .json(.null): return .unknown
        default: return .no
        }
      }

    case .isNull(let field, let negated, _):
      let subject = load(field)
      let nullTruth: Truth = negated ? .no : .yes
      return { row in subject(row).isNull ? nullTruth : nullTruth.negated }

    case .exists(let field, _):
      let subject = load(field)
      return { row in subject(row).isNull ? .no : .yes }

    case .call(let function, let arguments, _)
    where function != .arrayLength && arguments.count == 2:
      let container = value(arguments[0])
      let target = value(arguments[1])
      switch function {
      case .jsonContains, .arrayContains:
        return { row in
          let list = container(row)
          if list.isNull { return .unknown }
          let wanted = target(row)
          if wanted.isNull { return .unknown }
          return Truth(FilterRuntime.contains(list, wanted) ?? false)
        }
      case .jsonContainsAll, .arrayContainsAll:
        return { row in
          let list = container(row)
          if list.isNull { return .unknown }
          guard let wanted = FilterRuntime.elements(target(row)) else { return .unknown }
          for item in wanted where FilterRuntime.contains(list, item) != true { return .no }
          return .yes
        }
      default:
        return { row in
          let list = container(row)
          if list.isNull { return .unknown }
          guard let wanted = FilterRuntime.elements(target(row)) else { return .unknown }
          for item in wanted where FilterRuntime.contains(list, item) == true { return .yes }
          return .no
        }
      }

    default:
      let inner = value(expr)
      return { Truth(condition: inner($0)) }
    }
  }

  /// The operands of a left- or right-nested chain of the same `and`/`or`.
  func flatten(_ op: BinaryOperator, _ lhs: FilterExpr, _ rhs: FilterExpr) -> [FilterExpr] {
    var parts: [FilterExpr] = []
    var stack = [rhs, lhs]
    while let next = stack.popLast() {
      if case .binary(let inner, let left, let right, _) = next, inner == op {
        stack.append(right)
        stack.append(left)
      } else {
        parts.append(next)
      }
    }
    return parts
  }

  mutating func comparison(_ op: BinaryOperator, _ lhs: FilterExpr, _ rhs: FilterExpr)
    -> CompiledPredicate
  {
    // A field against a constant: read the slot and compare directly.
    if case .field(let field) = lhs, field.path.isEmpty, case .literal(let literal, _) = rhs {
      return fieldAgainstConstant(op, slot(field.name), FilterRuntime.value(of: literal))
    }
    if case .literal(let literal, _) = lhs, case .field(let field) = rhs, field.path.isEmpty {
      return fieldAgainstConstant(op.mirrored, slot(field.name), FilterRuntime.value(of: literal))
    }
    let left = value(lhs)
    let right = value(rhs)
    return { row in FilterRuntime.compare(op, left(row), right(row)) }
  }

  func fieldAgainstConstant(_ op: BinaryOperator, _ slot: Int, _ constant: Value)
    -> CompiledPredicate
  {
    switch constant {
    case .int(let wanted):
      return { row in
        if case .int(let found) = row(slot) { return Truth(FilterRuntime.order(op, found, wanted)) }
        return FilterRuntime.compare(op, row(slot), constant)
      }
    case .double(let wanted):
      return { row in
        if case .double(let found) = row(slot) {
          return Truth(FilterRuntime.order(op, found, wanted))
        }
        return FilterRuntime.compare(op, row(slot), constant)
      }
    default:
      return { row in FilterRuntime.compare(op, row(slot), constant) }
    }
  }

  // MARK: - Values

  /// A field's value, normalised and followed along its path.
  mutating func load(_ field: FieldPath) -> CompiledValue {
    let index = slot(field.name)
    let path = field.path
    if path.isEmpty {
      return { row in FilterRuntime.normalize(row(index)) }
    }
    return { row in FilterRuntime.resolve(row(index), path: path) }
  }

  mutating func value(_ expr: FilterExpr) -> CompiledValue {
    switch expr {
    case .literal(let literal, _):
      let constant = FilterRuntime.value(of: literal)
      return { _ in constant }
    case .field(let field):
      return load(field)
    case .unary(let op, let operand, _) where op != .not:
      let inner = value(operand)
      return { row in FilterRuntime.sign(op, inner(row)) }
    case .binary(let op, let lhs, let rhs, _) where op.isArithmetic:
      let left = value(lhs)
      let right = value(rhs)
      if case .literal(let literal, _) = rhs {
        let constant = FilterRuntime.value(of: literal)
        return { row in FilterRuntime.arithmetic(op, left(row), constant) }
      }
      return { row in FilterRuntime.arithmetic(op, left(row), right(row)) }
    case .call(.arrayLength, let arguments, _) where arguments.count == 1:
      let container = value(arguments[0])
      return { row in FilterRuntime.length(container(row)) }
    default:
      let condition = predicate(expr)
      return { row in condition(row).value }
    }
  }
}

extension BinaryOperator {
  /// The operator with its operands swapped: `a < b` is `b > a`.
  var mirrored: BinaryOperator {
    switch self {
    case .less: return .greater
    case .lessOrEqual: return .greaterOrEqual
    case .greater: return .less
    case .greaterOrEqual: return .lessOrEqual
    default: return self
    }
  }
}

/// The constants of an `in` list, arranged for fast membership tests.
struct ValueSet: Sendable {
  let integers: Set<Int64>
  let doubles: [Double]
  let strings: Set<String>
  let booleans: Set<Bool>
  /// Lists and other structured constants, compared one by one.
  let others: [Value]

  init(_ values: [Value]) {
    var integers = Set<Int64>()
    var doubles: [Double] = []
    var strings = Set<String>()
    var booleans = Set<Bool>()
    var others: [Value] = []
    for value in values {
      switch value {
      case .int(let integer): integers.insert(integer)
      case .double(let double): doubles.append(double)
      case .string(let string): strings.insert(string)
      case .bool(let flag): booleans.insert(flag)
      default: others.append(value)
      }
    }
    self.integers = integers
    self.doubles = doubles
    self.strings = strings
    self.booleans = booleans
    self.others = others
  }

  /// TRUE if `value` equals a member, FALSE if not, UNKNOWN if `value` is null.
  func membership(_ value: Value) -> Truth {
    switch FilterRuntime.normalize(value) {
    case .null:
      return .unknown
    case .int(let integer):
      if integers.contains(integer) { return .yes }
      let double = Double(integer)
      return Truth(doubles.contains { $0 == double })
    case .double(let double):
      if doubles.contains(where: { $0 == double }) { return .yes }
      if double == double.rounded(), abs(double) < 9_007_199_254_740_992 {
        return Truth(integers.contains(Int64(double)))
      }
      return Truth(integers.contains { Double($0) == double })
    case .string(let string):
      return Truth(strings.contains(string))
    case .bool(let flag):
      return Truth(booleans.contains(flag))
    case let other:
      return Truth(others.contains { FilterRuntime.equal($0, other) })
    }
  }
}
