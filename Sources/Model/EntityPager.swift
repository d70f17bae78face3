/// Reads every entity that matches a filter, a page at a time in primary-key order, past Milvus's
/// offset + limit ≤ 16,384 cap (keyset paging: `pk > last`), on any VectorBackend.
///
/// Each page is a query for `(FILTER) and pk > LAST` with `limit = pageSize` and Milvus's
/// `iterator` param (`QueryRequest.iterator`), as pymilvus's QueryIterator does. The guarantee it
/// relies on, checked on Milvus 2.3.5, Milvus Lite 3.2.2 and the embedded engine: such a query
/// returns the `limit` matches with the smallest primary keys above LAST (Milvus segments keep a
/// key-ordered map and merge results by key; the engine selects the smallest keys). Without
/// `iterator`, Milvus Lite returns arbitrary matches and paging would skip rows. A page is sorted
/// by key here, and the pager stops at the first empty page (never at a short one).
public struct EntityPager: Sendable {
  /// The backend read from.
  public let backend: any VectorBackend
  public let collection: String
  /// The user's filter; empty reads every entity.
  public let filter: String
  public let outputFields: [String]
  public let partitions: [String]
  /// Rows asked for per query (1…16,384).
  public let pageSize: Int
  /// The collection's primary-key field.
  public let primaryField: FieldSchema
  /// The primary key of the last row returned (to resume from with `after:`).
  public private(set) var lastKey: PrimaryKey?
  private var finished = false

  /// Describes the collection to learn its primary key; throws when it does not exist.
  public init(
    backend: any VectorBackend, collection: String, filter: String = "", outputFields: [String],
    partitions: [String] = [], pageSize: Int = 1000, after: PrimaryKey? = nil
  ) async throws {
    guard (1...16384).contains(pageSize) else {
      throw VectorError.invalidArgument("limit should be in range [1, 16384], but got \(pageSize)")
    }
    let schema = try await backend.describeCollection(collection)
    guard let primary = schema.primaryField else {
      throw VectorError.invalidArgument("collection \(collection) has no primary key field")
    }
    self.backend = backend
    self.collection = collection
    self.filter = Self.trimmed(filter)
    self.outputFields = outputFields
    self.partitions = partitions
    self.pageSize = pageSize
    self.primaryField = primary
    self.lastKey = after
  }

  /// The filter of the page after `key`: the user's filter and `pk > key`.
  public static func filter(_ filter: String, primaryKey field: String, after key: PrimaryKey?) -> String {
    let trimmed = Self.trimmed(filter)
    guard let key else { return trimmed }
    let bound: String
    switch key {
    case .int(let value): bound = "\(field) > \(value)"
    case .string(let value): bound = "\(field) > \(FilterPrinter.stringText(value))"
    }
    return trimmed.isEmpty ? bound : "(\(trimmed)) and \(bound)"
  }

  /// The next page, or nil after the last.
  public mutating func next() async throws -> [Row]? {
    if finished { return nil }
    try Task.checkCancellation()
    let request = QueryRequest(
      collection: collection, filter: Self.filter(filter, primaryKey: primaryField.name, after: lastKey),
      outputFields: outputFields, limit: pageSize, partitions: partitions, iterator: true)
    let rows = try await backend.query(request)
    let keyed = try rows.map { row -> (PrimaryKey, Row) in
      guard let key = Self.primaryKey(row[primaryField.name]) else {
        throw VectorError.internal("a row of \(collection) came back without its primary key \(primaryField.name)")
      }
      return (key, row)
    }
    .sorted { $0.0 < $1.0 }
    guard let last = keyed.last?.0 else {
      finished = true
      return nil
    }
    if let lastKey, let first = keyed.first?.0, first <= lastKey {
      throw VectorError.internal("the backend answered \(primaryField.name) > \(lastKey) with key \(first)")
    }
    lastKey = last
    return keyed.map(\.1)
  }

  private static func trimmed(_ text: String) -> String {
    String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
  }

  /// A field value as a primary key.
  public static func primaryKey(_ value: Value?) -> PrimaryKey? {
    switch value {
    case .int(let number): return .int(number)
    case .string(let text): return .string(text)
    default: return nil
    }
  }
}
