import Model

/// A filter expression compiled once into closures, ready to test every row of a scan.
///
/// ```swift
/// let filter = try CompiledFilter(FilterExpression.parse("age > 18 and color == \"red\""), schema: schema)
/// let hit = filter.matches { slot in columns[filter.fieldSlots[slot]]![row] }
/// ```
///
/// Semantics (following Milvus; where Milvus leaves room, the choice is written here):
/// - **Three-valued logic.** Every comparison, arithmetic operation, `in`, `like` or
///   function that involves a null value (a null field, a missing JSON key or dynamic key,
///   an out-of-range index) is UNKNOWN. `not UNKNOWN` is UNKNOWN; `and`/`or` follow SQL
///   (`false and UNKNOWN` is false, `true or UNKNOWN` is true). A row matches only when
///   the whole filter is TRUE, so `meta["a"] != 1` does not match rows that lack `"a"`.
/// - **Nulls and missing keys.** `x is null` is TRUE for a null value, a missing JSON key, a
///   missing dynamic key and a JSON `null`; it is never UNKNOWN. `exists x` is the same as
///   `x is not null`.
/// - **Numbers.** Int and Float values compare numerically (as Double when mixed).
///   Arithmetic on two integers is Int64; `/` on two integers is integer division truncated
///   toward zero (as Milvus computes on integer columns), and `%` is the remainder with the
///   sign of the dividend. A result that overflows Int64 (`+ - * **`, `Int64.min / -1`,
///   `-Int64.min`) is computed in Double instead of trapping. Division or modulo by zero
///   (integer or float) is UNKNOWN, so the row does not match. `**` is exact for integers
///   with a non-negative exponent, otherwise `pow` in Double. NaN compares as IEEE says
///   (never equal, never ordered; `!=` is true).
/// - **Types.** A value compares with a value of another kind (a JSON string with a number,
///   a boolean with a string) as "not equal": `==` is FALSE, `!=` is TRUE, and `< <= > >=`
///   are FALSE. Strings order by Swift's `String` comparison. Arithmetic on a non-number is
///   UNKNOWN. A non-boolean value used as a condition is UNKNOWN.
/// - **JSON.** A JSON path whose key is missing, or that indexes into the wrong kind of
///   value, is null. JSON numbers, strings and booleans compare as their JSON type;
///   arrays and objects compare structurally.
/// - **`in`.** `x in [..]` is TRUE when an element equals `x` (by the rules above), FALSE
///   otherwise, UNKNOWN when `x` is null; `not in` is its negation.
/// - **`like`.** Only strings match; `%` is any run, `_` one character, `\%` `\_` `\\` the
///   character itself. A non-string (non-null) value is FALSE; null is UNKNOWN.
/// - **Functions.** `json_contains(x, v)` / `array_contains(x, v)`: `x` (an Array field or
///   JSON array) has an element equal to `v`; `_all` needs every listed value (TRUE for an
///   empty list), `_any` at least one (FALSE for an empty list). If `x` is null they are
///   UNKNOWN; if `x` is not an array they are FALSE. `array_length(x)` is the element count
///   of an Array field or JSON array, null otherwise. `tags[i]` out of range is null.
public struct CompiledFilter: Sendable {
  /// The stored fields the filter reads, in slot order: schema field names, and `$meta`
  /// (the dynamic field, as a JSON object) for dynamic keys.
  public let fieldSlots: [String]
  /// The checked, resolved expression that was compiled.
  public let expression: FilterExpression
  let predicate: CompiledPredicate?
  let schemaFieldNames: Set<String>

  /// Type-checks `expression` against `schema` and compiles it. Errors carry columns in
  /// the expression's source text.
  public init(_ expression: FilterExpression, schema: CollectionSchema) throws(FilterError) {
    schemaFieldNames = Set(schema.fields.map(\.name))
    guard let root = expression.root else {
      self.expression = expression
      fieldSlots = []
      predicate = nil
      return
    }
    let checked = try FilterTypeChecker(schema: schema).check(root)
    var resolved = FilterExpression(root: checked)
    resolved.source = expression.source
    self.expression = resolved
    if case .literal(.bool(true), _) = checked {
      fieldSlots = []
      predicate = nil
      return
    }
    var compiler = FilterCompiler()
    predicate = compiler.predicate(checked)
    fieldSlots = compiler.slots
  }

  /// Whether every row matches (an empty filter or `true`), so a scan can skip evaluation.
  public var matchesEverything: Bool { predicate == nil }

  /// Whether the row matches. `value(i)` returns the row's value for `fieldSlots[i]`:
  /// `.null` for a missing or null value, and for `$meta` a `.json(.object(...))` of the
  /// row's dynamic keys.
  @inline(__always)
  public func matches(_ value: (Int) -> Value) -> Bool {
    guard let predicate else { return true }
    return predicate(value) == .yes
  }

  /// Whether an entity given as a `Row` matches; keys that are not schema fields are the
  /// row's dynamic keys. Convenient for tests and small inputs; scans should use `matches(_:)`.
  public func matches(row: Row) -> Bool {
    guard predicate != nil else { return true }
    let slots = fieldSlots.map { name -> Value in
      if name == CollectionSchema.dynamicFieldName {
        var members: [String: JSONValue] = [:]
        for (key, value) in row where !schemaFieldNames.contains(key) {
          members[key] = value.jsonValue
        }
        return .json(.object(members))
      }
      return row[name] ?? .null
    }
    return matches { slots[$0] }
  }
}
