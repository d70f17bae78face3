/// A parsed (and, given a schema, type-checked) filter expression.
///
/// ```swift
/// let filter = try FilterExpression.parse(#"age >= 18 and tags[0] in ["a", "b"]"#, schema: schema)
/// filter.text              // canonical text
/// filter.referencedFields  // ["age", "tags"]
/// ```
public struct FilterExpression: Sendable, Hashable, CustomStringConvertible {
  /// The tree; nil for an empty filter, which matches every entity.
  public var root: FilterExpr?
  /// The text the expression was parsed from (columns in errors and nodes refer to it).
  public var source: String

  /// An expression for an existing tree; `source` becomes its canonical text.
  public init(root: FilterExpr?) {
    self.root = root
    self.source = root.map(FilterPrinter.print) ?? ""
  }

  /// Parses `text`. Without a schema only the syntax is checked; with one, field names and
  /// types are checked too and bare dynamic keys become `$meta["key"]`.
  /// An empty or all-whitespace text is valid and matches everything.
  public static func parse(_ text: String, schema: CollectionSchema? = nil) throws(FilterError)
    -> FilterExpression
  {
    var parser = FilterParser(text)
    var root = try parser.parse()
    if let schema, let tree = root {
      root = try FilterTypeChecker(schema: schema).check(tree)
    }
    var expression = FilterExpression(root: root)
    expression.source = text
    return expression
  }

  /// The canonical text of the tree: parenthesised only where needed, keywords in lower
  /// case, strings double-quoted. Parsing it gives the same tree.
  public var text: String { root.map(FilterPrinter.print) ?? "" }

  /// The stored fields the filter reads, distinct, in order of first appearance: schema
  /// field names, and `$meta` for dynamic keys (after a parse with a schema).
  public var referencedFields: [String] { root?.referencedFields ?? [] }

  /// Whether the filter is empty and so matches every entity.
  public var matchesEverything: Bool { root == nil }

  /// The canonical text (same as `text`).
  public var description: String { text }
}
