/// How much an exact (brute-force) search may scan before it refuses.
///
/// An exact search reads every entity that passes the request's filter and partitions: in the
/// embedded store that is a scan of memory, against a server every vector crosses the network.
/// The limit is in entities (the vector's dimension does not change it); the default is a
/// million, which is a few seconds in the embedded store and minutes against a server.
public struct ExactSearchLimits: Sendable, Hashable {
  /// The most entities the scan may read; nil means no limit.
  public var maxRows: Int?

  /// A million entities.
  public static let defaultMaxRows = 1_000_000
  /// The default limit.
  public static let standard = ExactSearchLimits()
  /// No limit: the user confirmed a large scan.
  public static let unlimited = ExactSearchLimits(maxRows: nil)

  public init(maxRows: Int? = ExactSearchLimits.defaultMaxRows) {
    self.maxRows = maxRows
  }

  /// Whether scanning `rows` entities is within the limit.
  public func allows(rows: Int) -> Bool {
    guard let maxRows else { return true }
    return rows <= maxRows
  }

  /// Throws the size guard's error when `rows` entities are more than the limit allows.
  public func check(rows: Int, collection: String) throws(VectorError) {
    guard let maxRows, rows > maxRows else { return }
    throw .invalidArgument(
      "exact search of \(collection) would scan \(rows) entities, above the limit of \(maxRows); "
        + "raise the limit to run it anyway (vscope search --recall-limit \(rows))")
  }
}

extension VectorBackend {
  /// The exact search computed here, in the client: pages through every entity that passes the
  /// filter (primary key and vector only), scores each one and keeps the best `topK + offset`.
  ///
  /// Distances follow Milvus (and the embedded engine): `L2` is the squared Euclidean distance,
  /// smaller first; `IP` and `COSINE` are similarities, larger first (COSINE of a zero vector
  /// is 0). Ties are broken by the smaller primary key. The metric is the request's, else the
  /// field's index's, else `COSINE`. `progress` receives (entities scanned, entities to scan).
  public func exactSearch(
    _ request: SearchRequest, limits: ExactSearchLimits, progress: (@Sendable (Int, Int) -> Void)?
  ) async throws -> [[SearchHit]] {
    try await clientSideExactSearch(request, limits: limits, progress: progress)
  }

  /// The client-side exact search that `exactSearch` defaults to (a backend with a faster exact
  /// path overrides `exactSearch`; tests compare the two). `pageSize` is the entities read per
  /// query; nil: about a megabyte of vectors.
  public func clientSideExactSearch(
    _ request: SearchRequest, limits: ExactSearchLimits = .standard, pageSize: Int? = nil,
    progress: (@Sendable (Int, Int) -> Void)? = nil
  ) async throws -> [[SearchHit]] {
    let schema = try await describeCollection(request.collection)
    let field = try ExactSearchPlan.vectorField(of: schema, named: request.vectorField)
    guard let primary = schema.primaryField else {
      throw VectorError.invalidArgument("collection \(schema.name) has no primary key")
    }
    let dim = field.dim ?? 0
    try ExactSearchPlan.checkQueries(request, field: field)
    let metric: Metric
    if let asked = request.metric {
      metric = asked
    } else {
      let indexes = try await describeIndexes(request.collection)
      metric = indexes.first { $0.spec.fieldName == field.name }?.spec.metric ?? .cosine
    }
    let total = try await count(request.collection, filter: request.filter, partitions: request.partitions)
    try limits.check(rows: total, collection: request.collection)
    progress?(0, total)
    var rankings = request.vectors.map { ExactRanking(query: $0, metric: metric, k: request.topK + request.offset) }
    // About a megabyte of floats per page, and never more rows than a query may return.
    let rowsPerPage = pageSize ?? min(16_384, max(64, 262_144 / max(1, dim)))
    var pager = try await EntityPager(
      backend: self, collection: request.collection, filter: request.filter,
      outputFields: [primary.name, field.name], partitions: request.partitions, pageSize: rowsPerPage, after: nil)
    var scanned = 0
    while let rows = try await pager.next() {
      if Task.isCancelled { throw VectorError.cancelled }
      for row in rows {
        guard case .floatVector(let vector)? = row[field.name], vector.count == dim,
          let key = EntityPager.primaryKey(row[primary.name])
        else { continue }
        for index in rankings.indices { rankings[index].offer(vector, id: key) }
      }
      scanned += rows.count
      progress?(scanned, max(total, scanned))
    }
    var results = rankings.map { Array($0.best().dropFirst(request.offset)) }
    let outputs = request.outputFields.filter { !$0.isEmpty }
    if !outputs.isEmpty {
      var seen = Set<PrimaryKey>()
      let ids = results.joined().map(\.id).filter { seen.insert($0).inserted }
      let rows = try await get(request.collection, ids: ids, outputFields: outputs)
      var byKey: [PrimaryKey: Row] = [:]
      for row in rows {
        if let key = EntityPager.primaryKey(row[primary.name]) {
          byKey[key] = row.filter { $0.key != primary.name || outputs.contains($0.key) }
        }
      }
      results = results.map { hits in
        hits.map { SearchHit(id: $0.id, distance: $0.distance, fields: byKey[$0.id] ?? [:]) }
      }
    }
    return results
  }
}

/// Checks shared by the exact searches.
public enum ExactSearchPlan {
  /// The vector field a search names, or the collection's only one; errors as the engine words them.
  public static func vectorField(of schema: CollectionSchema, named name: String?) throws(VectorError) -> FieldSchema {
    if let name {
      guard let named = schema.field(named: name), named.type == .floatVector else {
        throw .invalidArgument("field \(name) is not a vector field of collection \(schema.name)")
      }
      return named
    }
    let vectors = schema.vectorFields
    guard vectors.count == 1, let only = vectors.first else {
      throw .invalidArgument(
        "collection \(schema.name) has several vector fields (\(vectors.map(\.name).joined(separator: ", "))); "
          + "name the one to search")
    }
    return only
  }

  /// Refuses query vectors of the wrong dimension or with non-finite values, and a bad topK.
  public static func checkQueries(_ request: SearchRequest, field: FieldSchema) throws(VectorError) {
    let dim = field.dim ?? 0
    for (offset, vector) in request.vectors.enumerated() {
      guard vector.count == dim else {
        throw .invalidArgument(
          "the dim (\(vector.count)) of query vector \(offset + 1) does not match field \(field.name)'s dim (\(dim))")
      }
      guard vector.allSatisfy(\.isFinite) else {
        throw .invalidArgument("query vector \(offset + 1) contains NaN or infinity")
      }
    }
    guard (1...16384).contains(request.topK) else {
      throw .invalidArgument("topk [\(request.topK)] is invalid, it should be in range [1, 16384]")
    }
    guard request.offset >= 0, request.topK + request.offset <= 16384 else {
      throw .invalidArgument("topk + offset should be in range [1, 16384], but got \(request.topK + request.offset)")
    }
  }
}

/// The best `k` entities for one query vector, as an exact search ranks them.
struct ExactRanking {
  let query: [Float]
  let queryNorm: Float
  let metric: Metric
  let k: Int
  /// Candidates, pruned back to the best `k` whenever they reach `2k`.
  private var candidates: [(score: Float, distance: Float, id: PrimaryKey)] = []

  init(query: [Float], metric: Metric, k: Int) {
    self.query = query
    self.metric = metric
    self.k = k
    queryNorm = ExactRanking.dot(query, query).squareRoot()
    candidates.reserveCapacity(2 * k)
  }

  /// Scores `vector` and keeps it if it may be among the best.
  mutating func offer(_ vector: [Float], id: PrimaryKey) {
    let distance: Float
    switch metric {
    case .l2: distance = Self.l2Squared(query, vector)
    case .ip: distance = Self.dot(query, vector)
    case .cosine:
      let denominator = queryNorm * Self.dot(vector, vector).squareRoot()
      distance = denominator > 0 ? Self.dot(query, vector) / denominator : 0
    }
    candidates.append((metric == .l2 ? distance : -distance, distance, id))
    if candidates.count >= 2 * k { prune() }
  }

  /// The best `k`, closest first, ties by the smaller primary key.
  func best() -> [SearchHit] {
    var copy = self
    copy.prune()
    return copy.candidates.map { SearchHit(id: $0.id, distance: $0.distance) }
  }

  private mutating func prune() {
    candidates.sort { $0.score != $1.score ? $0.score < $1.score : $0.id < $1.id }
    if candidates.count > k { candidates.removeLast(candidates.count - k) }
  }

  static func dot(_ a: [Float], _ b: [Float]) -> Float {
    var sum: Float = 0
    for index in 0..<min(a.count, b.count) { sum += a[index] * b[index] }
    return sum
  }

  static func l2Squared(_ a: [Float], _ b: [Float]) -> Float {
    var sum: Float = 0
    for index in 0..<min(a.count, b.count) {
      let difference = a[index] - b[index]
      sum += difference * difference
    }
    return sum
  }
}
