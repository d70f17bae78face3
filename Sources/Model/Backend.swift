/// A distance metric, named as Milvus names it.
///
/// Distances are reported as Milvus reports them: `L2` is the squared Euclidean distance
/// (smaller is closer); `IP` and `COSINE` are similarities (larger is closer).
public enum Metric: String, Sendable, Hashable, CaseIterable {
  case l2 = "L2"
  case ip = "IP"
  case cosine = "COSINE"

  /// Reads a metric name in any case.
  public init?(name: String) {
    self.init(rawValue: name.uppercased())
  }

  /// Whether a larger distance value means a closer neighbour.
  public var largerIsCloser: Bool { self != .l2 }
}

/// What kind of backend answers, and what it can do.
public struct ServerInfo: Sendable, Hashable {
  /// `embedded`, `milvus` or `milvus-lite`.
  public var kind: String
  public var version: String
  /// Where the data lives: a directory or a server address.
  public var address: String
  /// Index types this backend can build, in Milvus's names.
  public var indexTypes: [String]
  public var metrics: [Metric]

  public init(kind: String, version: String, address: String, indexTypes: [String], metrics: [Metric]) {
    self.kind = kind
    self.version = version
    self.address = address
    self.indexTypes = indexTypes
    self.metrics = metrics
  }
}

/// Milvus's load states.
public enum LoadState: String, Sendable, Hashable {
  case notExist = "NotExist"
  case notLoad = "NotLoad"
  case loading = "Loading"
  case loaded = "Loaded"
}

/// One collection in a listing.
public struct CollectionInfo: Sendable, Hashable {
  public var name: String
  /// Number of live entities (Milvus's `row_count`; exact for the embedded store).
  public var entityCount: Int
  public var loadState: LoadState
  public var description: String

  public init(name: String, entityCount: Int, loadState: LoadState, description: String = "") {
    self.name = name
    self.entityCount = entityCount
    self.loadState = loadState
    self.description = description
  }
}

/// One partition of a collection.
public struct PartitionInfo: Sendable, Hashable {
  public var name: String
  public var entityCount: Int

  public init(name: String, entityCount: Int) {
    self.name = name
    self.entityCount = entityCount
  }

  /// Milvus's name of the partition every collection starts with.
  public static let defaultName = "_default"
}

/// What to build: an index on one vector field, with Milvus's type names and params.
public struct IndexSpec: Sendable, Hashable {
  public var fieldName: String
  /// Defaults to the field name, as in Milvus.
  public var indexName: String
  /// `FLAT`, `HNSW`, `IVF_FLAT`, `IVF_SQ8`, `IVF_PQ`, `AUTOINDEX`.
  public var indexType: String
  public var metric: Metric
  /// Build parameters such as `M`, `efConstruction`, `nlist`, `m`, `nbits`.
  public var params: [String: JSONValue]

  public init(
    fieldName: String, indexName: String? = nil, indexType: String, metric: Metric,
    params: [String: JSONValue] = [:]
  ) {
    self.fieldName = fieldName
    self.indexName = indexName ?? fieldName
    self.indexType = indexType
    self.metric = metric
    self.params = params
  }
}

/// Milvus's index build states.
public enum IndexState: String, Sendable, Hashable {
  case none = "None"
  case unissued = "Unissued"
  case inProgress = "InProgress"
  case finished = "Finished"
  case failed = "Failed"
}

/// An index as `describe_index` reports it, with build progress.
public struct IndexStatus: Sendable, Hashable {
  public var spec: IndexSpec
  public var state: IndexState
  public var indexedRows: Int
  public var totalRows: Int
  public var pendingIndexRows: Int
  public var failReason: String
  /// Memory the index structure takes, when the backend knows it.
  public var memoryBytes: Int?

  public init(
    spec: IndexSpec, state: IndexState, indexedRows: Int, totalRows: Int, pendingIndexRows: Int = 0,
    failReason: String = "", memoryBytes: Int? = nil
  ) {
    self.spec = spec
    self.state = state
    self.indexedRows = indexedRows
    self.totalRows = totalRows
    self.pendingIndexRows = pendingIndexRows
    self.failReason = failReason
    self.memoryBytes = memoryBytes
  }
}

/// What an insert, upsert or delete did.
public struct MutationResult: Sendable, Hashable {
  /// The primary keys written (generated ones included) or deleted.
  public var ids: [PrimaryKey]
  public var insertCount: Int
  public var deleteCount: Int
  public var upsertCount: Int

  public init(ids: [PrimaryKey], insertCount: Int = 0, deleteCount: Int = 0, upsertCount: Int = 0) {
    self.ids = ids
    self.insertCount = insertCount
    self.deleteCount = deleteCount
    self.upsertCount = upsertCount
  }
}

/// A scalar query: filter, output fields, paging.
public struct QueryRequest: Sendable, Hashable {
  public var collection: String
  public var filter: String
  /// Fields to return; empty means the primary key only. `*` means every field.
  public var outputFields: [String]
  public var limit: Int?
  public var offset: Int
  public var partitions: [String]
  /// Milvus's `iterator` query param (pymilvus's QueryIterator sets it): with a limit, the rows
  /// are the matching entities with the smallest primary keys. `EntityPager` relies on it.
  public var iterator: Bool

  public init(
    collection: String, filter: String = "", outputFields: [String] = [], limit: Int? = nil, offset: Int = 0,
    partitions: [String] = [], iterator: Bool = false
  ) {
    self.collection = collection
    self.filter = filter
    self.outputFields = outputFields
    self.limit = limit
    self.offset = offset
    self.partitions = partitions
    self.iterator = iterator
  }
}

/// A similarity search for one or more query vectors.
public struct SearchRequest: Sendable, Hashable {
  public var collection: String
  public var vectors: [[Float]]
  /// The vector field to search; nil means the collection's only vector field.
  public var vectorField: String?
  /// nil means the metric of the field's index (or `COSINE` without one, as Milvus does).
  public var metric: Metric?
  public var topK: Int
  /// Search parameters such as `ef` or `nprobe`.
  public var params: [String: JSONValue]
  public var filter: String
  public var outputFields: [String]
  public var partitions: [String]
  public var offset: Int

  public init(
    collection: String, vectors: [[Float]], vectorField: String? = nil, metric: Metric? = nil, topK: Int = 10,
    params: [String: JSONValue] = [:], filter: String = "", outputFields: [String] = [], partitions: [String] = [],
    offset: Int = 0
  ) {
    self.collection = collection
    self.vectors = vectors
    self.vectorField = vectorField
    self.metric = metric
    self.topK = topK
    self.params = params
    self.filter = filter
    self.outputFields = outputFields
    self.partitions = partitions
    self.offset = offset
  }
}

/// One neighbour: its primary key, its distance as Milvus reports it, and the requested fields.
public struct SearchHit: Sendable, Hashable {
  public var id: PrimaryKey
  public var distance: Float
  public var fields: Row

  public init(id: PrimaryKey, distance: Float, fields: Row = [:]) {
    self.id = id
    self.distance = distance
    self.fields = fields
  }
}

/// The one seam between the explorer/CLI and storage: the embedded engine and the Milvus adapter
/// both implement it, with Milvus's names and semantics.
///
/// Every call is async and may throw `VectorError`; long calls honour task cancellation.
public protocol VectorBackend: Sendable {
  /// Kind, version and capabilities of the backend.
  func serverInfo() async throws -> ServerInfo
  /// Finishes pending work and lets go of files, locks or connections; the backend is unusable after.
  func close() async

  /// Database names.
  func listDatabases() async throws -> [String]
  /// The database subsequent calls address.
  func currentDatabase() async -> String
  /// Switches the current database.
  func useDatabase(_ name: String) async throws
  func createDatabase(_ name: String) async throws
  func dropDatabase(_ name: String) async throws

  /// Collections of the current database with entity counts and load states.
  func listCollections() async throws -> [CollectionInfo]
  func describeCollection(_ name: String) async throws -> CollectionSchema
  func createCollection(_ schema: CollectionSchema) async throws
  func dropCollection(_ name: String) async throws
  func renameCollection(_ name: String, to newName: String) async throws

  func listPartitions(_ collection: String) async throws -> [PartitionInfo]
  func createPartition(_ collection: String, partition: String) async throws
  func dropPartition(_ collection: String, partition: String) async throws

  /// Indexes of a collection with state and progress; empty when it has none.
  func describeIndexes(_ collection: String) async throws -> [IndexStatus]
  func createIndex(_ collection: String, spec: IndexSpec) async throws
  func dropIndex(_ collection: String, indexName: String) async throws

  /// Loads a collection for search and query; `progress` receives percentages 0…100.
  func loadCollection(_ collection: String, progress: (@Sendable (Int) -> Void)?) async throws
  func releaseCollection(_ collection: String) async throws
  func loadState(_ collection: String) async throws -> LoadState

  func insert(_ collection: String, rows: [Row], partition: String?) async throws -> MutationResult
  func upsert(_ collection: String, rows: [Row], partition: String?) async throws -> MutationResult
  func delete(_ collection: String, ids: [PrimaryKey], partition: String?) async throws -> MutationResult
  func delete(_ collection: String, filter: String, partition: String?) async throws -> MutationResult

  /// Entities by primary key, in the order given; missing keys are skipped.
  func get(_ collection: String, ids: [PrimaryKey], outputFields: [String]) async throws -> [Row]
  func query(_ request: QueryRequest) async throws -> [Row]
  /// `count(*)` over the entities that match `filter`: exact.
  func count(_ collection: String, filter: String, partitions: [String]) async throws -> Int
  /// One list of hits per query vector, closest first.
  func search(_ request: SearchRequest) async throws -> [[SearchHit]]
  /// The same search done exactly (every entity that passes the filter, no index), for the
  /// recall meter; refuses when more entities than `limits` allows would be scanned.
  /// `progress` receives (entities scanned, entities to scan). The default computes it in the
  /// client (see ExactSearch.swift).
  func exactSearch(
    _ request: SearchRequest, limits: ExactSearchLimits, progress: (@Sendable (Int, Int) -> Void)?
  ) async throws -> [[SearchHit]]
}
