import Foundation
import Model

/// A deliberately simple filter interpreter used to cross-check `CompiledFilter`.
///
/// It walks the tree directly over a `Row` and represents every value as an optional
/// `JSONValue` (nil = null / missing / UNKNOWN), a different representation from the
/// engine's, so that the two implementations do not share mistakes.
struct ReferenceEvaluator {
  let schema: CollectionSchema

  /// Whether the row matches: the filter must be TRUE.
  func matches(_ expr: FilterExpr?, _ row: Row) -> Bool {
    guard let expr else { return true }
    return truth(eval(expr, row)) == true
  }

  // MARK: - Helpers

  func truth(_ value: JSONValue?) -> Bool? {
    if case .bool(let flag)? = value { return flag }
    return nil
  }

  func fromTruth(_ value: Bool?) -> JSONValue? { value.map(JSONValue.bool) }

  func isNull(_ value: JSONValue?) -> Bool {
    guard let value else { return true }
    if case .null = value { return true }
    return false
  }

  func dynamicObject(_ row: Row) -> JSONValue {
    var members: [String: JSONValue] = [:]
    for (key, value) in row where schema.field(named: key) == nil { members[key] = value.jsonValue }
    return .object(members)
  }

  func lookup(_ field: FieldPath, _ row: Row) -> JSONValue? {
    var current: JSONValue?
    if field.name == "$meta" {
      current = dynamicObject(row)
    } else {
      current = row[field.name]?.jsonValue
    }
    for component in field.path {
      switch (current, component) {
      case (.object(let members)?, .key(let key)): current = members[key]
      case (.array(let elements)?, .index(let index)):
        current = index < elements.count ? elements[index] : nil
      default: current = nil
      }
    }
    if case .null? = current { return nil }
    return current
  }

  func literal(_ literal: FilterLiteral) -> JSONValue {
    switch literal {
    case .int(let value): return .int(value)
    case .float(let value): return .double(value)
    case .bool(let value): return .bool(value)
    case .string(let value): return .string(value)
    case .list(let values): return .array(values.map(self.literal))
    }
  }

  func asDouble(_ value: JSONValue) -> Double? {
    switch value {
    case .int(let integer): return Double(integer)
    case .double(let double): return double
    default: return nil
    }
  }

  func same(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): return true
    case (.bool(let a), .bool(let b)): return a == b
    case (.string(let a), .string(let b)): return a == b
    case (.int(let a), .int(let b)): return a == b
    case (.array(let a), .array(let b)):
      return a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
    case (.object(let a), .object(let b)):
      return a.count == b.count
        && a.allSatisfy { key, value in b[key].map { same(value, $0) } ?? false }
    default:
      if let a = asDouble(lhs), let b = asDouble(rhs) { return a == b }
      return false
    }
  }

  func compare(_ op: BinaryOperator, _ lhs: JSONValue?, _ rhs: JSONValue?) -> Bool? {
    guard let lhs, let rhs, !isNull(lhs), !isNull(rhs) else { return nil }
    if op == .equal { return same(lhs, rhs) }
    if op == .notEqual { return !same(lhs, rhs) }
    if case .int(let a) = lhs, case .int(let b) = rhs {
      switch op {
      case .less: return a < b
      case .lessOrEqual: return a <= b
      case .greater: return a > b
      default: return a >= b
      }
    }
    if let a = asDouble(lhs), let b = asDouble(rhs) {
      switch op {
      case .less: return a < b
      case .lessOrEqual: return a <= b
      case .greater: return a > b
      default: return a >= b
      }
    }
    if case .string(let a) = lhs, case .string(let b) = rhs {
      switch op {
      case .less: return a < b
      case .lessOrEqual: return a <= b
      case .greater: return a > b
      default: return a >= b
      }
    }
    return false
  }

  func arithmetic(_ op: BinaryOperator, _ lhs: JSONValue?, _ rhs: JSONValue?) -> JSONValue? {
    guard let lhs, let rhs else { return nil }
    if case .int(let a) = lhs, case .int(let b) = rhs {
      switch op {
      case .add:
        let r = a.addingReportingOverflow(b)
        return r.overflow ? .double(Double(a) + Double(b)) : .int(r.partialValue)
      case .subtract:
        let r = a.subtractingReportingOverflow(b)
        return r.overflow ? .double(Double(a) - Double(b)) : .int(r.partialValue)
      case .multiply:
        let r = a.multipliedReportingOverflow(by: b)
        return r.overflow ? .double(Double(a) * Double(b)) : .int(r.partialValue)
      case .divide:
        if b == 0 { return nil }
        if a == .min && b == -1 { return .double(-Double(a)) }
        return .int(a / b)
      case .modulo:
        if b == 0 { return nil }
        if b == -1 { return .int(0) }
        return .int(a % b)
      default:
        if b < 0 { return .double(pow(Double(a), Double(b))) }
        if a == 0 { return .int(b == 0 ? 1 : 0) }
        if a == 1 { return .int(1) }
        if a == -1 { return .int(b % 2 == 0 ? 1 : -1) }
        // |a| >= 2 overflows within 64 steps, so this loop is short.
        var result: Int64 = 1
        var step: Int64 = 0
        while step < b {
          let r = result.multipliedReportingOverflow(by: a)
          if r.overflow { return .double(pow(Double(a), Double(b))) }
          result = r.partialValue
          step += 1
        }
        return .int(result)
      }
    }
    guard let a = asDouble(lhs), let b = asDouble(rhs) else { return nil }
    switch op {
    case .add: return .double(a + b)
    case .subtract: return .double(a - b)
    case .multiply: return .double(a * b)
    case .divide: return b == 0 ? nil : .double(a / b)
    case .modulo: return b == 0 ? nil : .double(fmod(a, b))
    default: return .double(pow(a, b))
    }
  }

  /// `like` by plain recursion over Unicode scalars.
  func like(_ text: [Unicode.Scalar], _ pattern: [Unicode.Scalar]) -> Bool {
    guard let first = pattern.first else { return text.isEmpty }
    if first == "\\", pattern.count > 1, ["%", "_", "\\"].contains(pattern[1]) {
      return text.first == pattern[1] && like(Array(text.dropFirst()), Array(pattern.dropFirst(2)))
    }
    if first == "%" {
      let rest = Array(pattern.dropFirst())
      for start in 0...text.count where like(Array(text[start...]), rest) { return true }
      return false
    }
    if first == "_" {
      return !text.isEmpty && like(Array(text.dropFirst()), Array(pattern.dropFirst()))
    }
    return text.first == first && like(Array(text.dropFirst()), Array(pattern.dropFirst()))
  }

  func contains(_ container: JSONValue?, _ item: JSONValue) -> Bool? {
    guard let container else { return nil }
    guard case .array(let elements) = container else { return false }
    return elements.contains { same($0, item) }
  }

  // MARK: - Evaluation

  func eval(_ expr: FilterExpr, _ row: Row) -> JSONValue? {
    switch expr {
    case .literal(let value, _):
      return literal(value)
    case .field(let field):
      return lookup(field, row)
    case .unary(.not, let operand, _):
      return fromTruth(truth(eval(operand, row)).map { !$0 })
    case .unary(let op, let operand, _):
      switch eval(operand, row) {
      case .int(let value)?:
        if op == .plus { return .int(value) }
        return value == .min ? .double(-Double(value)) : .int(-value)
      case .double(let value)?:
        return .double(op == .plus ? value : -value)
      default:
        return nil
      }
    case .binary(.and, let lhs, let rhs, _):
      let a = truth(eval(lhs, row))
      let b = truth(eval(rhs, row))
      if a == false || b == false { return .bool(false) }
      if a == nil || b == nil { return nil }
      return .bool(true)
    case .binary(.or, let lhs, let rhs, _):
      let a = truth(eval(lhs, row))
      let b = truth(eval(rhs, row))
      if a == true || b == true { return .bool(true) }
      if a == nil || b == nil { return nil }
      return .bool(false)
    case .binary(let op, let lhs, let rhs, _):
      if op.isComparison { return fromTruth(compare(op, eval(lhs, row), eval(rhs, row))) }
      return arithmetic(op, eval(lhs, row), eval(rhs, row))
    case .range(let lower, let lowerInclusive, let field, let upper, let upperInclusive, _):
      let x = lookup(field, row)
      let a = compare(lowerInclusive ? .lessOrEqual : .less, eval(lower, row), x)
      let b = compare(upperInclusive ? .lessOrEqual : .less, x, eval(upper, row))
      if a == false || b == false { return .bool(false) }
      if a == nil || b == nil { return nil }
      return .bool(true)
    case .inList(let lhs, let values, let negated, _):
      guard let x = eval(lhs, row), !isNull(x) else { return nil }
      let found = values.contains { same(literal($0), x) }
      return .bool(negated ? !found : found)
    case .like(let lhs, let pattern, _):
      switch eval(lhs, row) {
      case nil: return nil
      case .string(let text)?:
        return .bool(like(Array(text.unicodeScalars), Array(pattern.unicodeScalars)))
      default: return .bool(false)
      }
    case .isNull(let field, let negated, _):
      let null = lookup(field, row) == nil
      return .bool(negated ? !null : null)
    case .exists(let field, _):
      return .bool(lookup(field, row) != nil)
    case .call(.arrayLength, let arguments, _):
      if case .array(let elements)? = eval(arguments[0], row) { return .int(Int64(elements.count)) }
      return nil
    case .call(let function, let arguments, _):
      let container = eval(arguments[0], row)
      guard let wanted = eval(arguments[1], row) else { return nil }
      switch function {
      case .jsonContains, .arrayContains:
        return fromTruth(contains(container, wanted))
      case .jsonContainsAll, .arrayContainsAll:
        guard container != nil, case .array(let items) = wanted else { return nil }
        return .bool(items.allSatisfy { contains(container, $0) == true })
      default:
        guard container != nil, case .array(let items) = wanted else { return nil }
        return .bool(items.contains { contains(container, $0) == true })
      }
    }
  }
}
