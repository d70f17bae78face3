import Foundation
internal import GRPCCore
internal import GRPCNIOTransportHTTP2
internal import GRPCProtobuf
import Model
internal import SwiftProtobuf

/// The shared protocol over Milvus's gRPC API (`milvus.proto.milvus.MilvusService`), for a
/// standalone server, a cluster, or Milvus Lite.
///
/// Every reply's `status` is checked (Milvus reports most failures there while the call itself
/// succeeds); transport failures become sentences a user understands; an RPC the server does not
/// implement is remembered and reported as unsupported. Reads are retried on a transient
/// failure; writes are not. Credentials travel in the `authorization` header and never appear in
/// a message.
public actor MilvusBackend: VectorBackend {
  typealias Service = Milvus_Proto_Milvus_MilvusService.Client<HTTP2ClientTransport.Posix>

  public nonisolated let endpoint: MilvusEndpoint
  private let client: GRPCClient<HTTP2ClientTransport.Posix>
  private let service: Service
  private var connections: Task<Void, Never>?
  private var database: String
  private var unimplemented: Set<String> = []
  private var schemas: [String: CollectionSchema] = [:]
  private var version: String?
  /// Milvus's consistency level for reads; nil uses the collection's own (Bounded by default).
  private let consistency: Milvus_Proto_Common_ConsistencyLevel?

  /// Connects lazily: the first call opens the connection.
  /// `strongConsistency` makes reads see every write acknowledged before them (slower).
  public init(endpoint: MilvusEndpoint, strongConsistency: Bool = false) throws(VectorError) {
    self.endpoint = endpoint
    database = endpoint.database ?? "default"
    consistency = strongConsistency ? .strong : nil
    let security: HTTP2ClientTransport.Posix.TransportSecurity
    if endpoint.useTLS {
      if let caFile = endpoint.caFile, !FileManager.default.isReadableFile(atPath: caFile) {
        throw .invalidArgument("cannot read the CA file \(caFile)")
      }
      security = .tls { config in
        if let caFile = endpoint.caFile { config.trustRoots = .certificates([.file(path: caFile, format: .pem)]) }
      }
    } else {
      security = .plaintext
    }
    do {
      let transport = try HTTP2ClientTransport.Posix(
        target: .dns(host: endpoint.host, port: endpoint.port), transportSecurity: security,
        config: .defaults { config in
          config.connection.maxIdleTime = .seconds(300)
          // pymilvus's keep-alive: a ping every 55 s, 20 s to answer, also between calls.
          config.connection.keepalive = .init(time: .seconds(55), timeout: .seconds(20), allowWithoutCalls: true)
          config.backoff.initial = .milliseconds(100)
          config.backoff.max = .seconds(2)
        })
      client = GRPCClient(transport: transport)
    } catch {
      throw .invalidArgument("cannot set up a connection to \(endpoint.address): \(error)")
    }
    service = Service(wrapping: client)
    let running = client
    connections = Task { try? await running.runConnections() }
  }

  public func close() async {
    client.beginGracefulShutdown()
    connections = nil
  }

  // MARK: - Calls

  private var metadata: Metadata {
    var metadata = Metadata()
    if let authorization = endpoint.authorization { metadata.addString(authorization, forKey: "authorization") }
    metadata.addString(database, forKey: "dbname")
    return metadata
  }

  private var options: CallOptions {
    var options = CallOptions.defaults
    options.timeout = endpoint.callTimeout
    options.maxResponseMessageBytes = 256 << 20
    options.maxRequestMessageBytes = 256 << 20
    return options
  }

  /// Runs one RPC, checks the reply's status, and turns failures into `VectorError`s.
  private func call<Reply: MilvusReply>(
    _ method: String, retryable: Bool = false,
    _ body: @Sendable (Service, Metadata, CallOptions) async throws -> Reply
  ) async throws(VectorError) -> Reply {
    if unimplemented.contains(method) { throw unsupported(method) }
    var attempt = 0
    while true {
      attempt += 1
      do {
        let reply = try await body(service, metadata, options)
        try check(reply.status, method: method)
        return reply
      } catch let error as VectorError {
        throw error
      } catch let error as RPCError {
        if error.code == .unimplemented {
          unimplemented.insert(method)
          throw unsupported(method)
        }
        let transient = error.code == .unavailable || error.code == .resourceExhausted
        if retryable && transient && attempt < 3 && !Task.isCancelled {
          try? await Task.sleep(for: .milliseconds(150 * attempt * attempt))
          continue
        }
        throw translate(error, method: method)
      } catch is CancellationError {
        throw .cancelled
      } catch {
        throw .io("Milvus \(method) at \(endpoint.address) failed: \(error)")
      }
    }
  }

  private func unsupported(_ method: String) -> VectorError {
    .unsupported("the server at \(endpoint.address) (\(version ?? "Milvus")) does not support \(method)")
  }

  private func translate(_ error: RPCError, method: String) -> VectorError {
    switch error.code {
    case .unavailable:
      return .unavailable("cannot reach Milvus at \(endpoint.address): \(Self.reason(error))")
    case .unauthenticated:
      if endpoint.authorization == nil {
        return .invalidArgument(
          "Milvus at \(endpoint.address) needs credentials: give user:password@ in the address or --token")
      }
      return .invalidArgument("Milvus rejected the credentials (\(error.message))")
    case .deadlineExceeded:
      let seconds = endpoint.callTimeout.components.seconds
      return .unavailable("timed out after \(seconds) s waiting for \(method) from Milvus at \(endpoint.address)")
    case .cancelled:
      return .cancelled
    case .permissionDenied:
      return .invalidArgument("Milvus refused \(method): \(error.message)")
    default:
      return .io("Milvus \(method) failed (\(error.code)): \(error.message)")
    }
  }

  /// The most specific reason in an error chain, e.g. "connection refused".
  private static func reason(_ error: RPCError) -> String {
    var text = error.message
    var cause = error.cause
    var depth = 0
    while let current = cause, depth < 5 {
      let description = "\(current)".lowercased()
      if description.contains("refused") { return "connection refused" }
      if description.contains("timed out") || description.contains("timeout") { return "connection timed out" }
      if description.contains("certificate") || description.contains("handshake") || description.contains("ssl") {
        return "TLS handshake failed (\(current))"
      }
      if let rpc = current as? RPCError {
        text = rpc.message
        cause = rpc.cause
      } else {
        text = "\(current)"
        cause = nil
      }
      depth += 1
    }
    return text.isEmpty ? "unavailable" : text
  }

  private func check(_ status: Milvus_Proto_Common_Status, method: String) throws(VectorError) {
    guard status.code != 0 || status.errorCode != .success else { return }
    let reason = status.reason.isEmpty ? "\(method) failed" : status.reason
    switch status.code {
    case 100: throw .invalidArgument(reason)  // collection not found, worded by Milvus
    case 101: throw .invalidArgument(reason)  // collection not loaded
    default:
      let code = status.code != 0 ? Int(status.code) : status.errorCode.rawValue
      throw .invalidArgument("\(reason) (Milvus code \(code))")
    }
  }

  // MARK: - Server and databases

  public func serverInfo() async throws -> ServerInfo {
    let reply = try await call("GetVersion", retryable: true) { service, metadata, options in
      try await service.getVersion(Milvus_Proto_Milvus_GetVersionRequest(), metadata: metadata, options: options)
    }
    version = reply.version
    let lite = reply.version.lowercased().contains("lite")
    return ServerInfo(
      kind: lite ? "milvus-lite" : "milvus", version: reply.version, address: endpoint.description,
      indexTypes: lite
        ? ["FLAT", "IVF_FLAT", "HNSW", "AUTOINDEX"]
        : ["FLAT", "IVF_FLAT", "IVF_SQ8", "IVF_PQ", "HNSW", "DISKANN", "AUTOINDEX"],
      metrics: Metric.allCases)
  }

  public func listDatabases() async throws -> [String] {
    let reply = try await call("ListDatabases", retryable: true) { service, metadata, options in
      try await service.listDatabases(Milvus_Proto_Milvus_ListDatabasesRequest(), metadata: metadata, options: options)
    }
    return reply.dbNames
  }

  public func currentDatabase() async -> String { database }

  public func useDatabase(_ name: String) async throws {
    let names = try await listDatabases()
    guard names.contains(name) else { throw VectorError.databaseNotFound(name) }
    database = name
  }

  public func createDatabase(_ name: String) async throws {
    var request = Milvus_Proto_Milvus_CreateDatabaseRequest()
    request.dbName = name
    _ = try await call("CreateDatabase") { [request] service, metadata, options in
      try await service.createDatabase(request, metadata: metadata, options: options)
    }
  }

  public func dropDatabase(_ name: String) async throws {
    var request = Milvus_Proto_Milvus_DropDatabaseRequest()
    request.dbName = name
    _ = try await call("DropDatabase") { [request] service, metadata, options in
      try await service.dropDatabase(request, metadata: metadata, options: options)
    }
    if database == name { database = "default" }
  }

  // MARK: - Collections

  public func listCollections() async throws -> [CollectionInfo] {
    var request = Milvus_Proto_Milvus_ShowCollectionsRequest()
    request.dbName = database
    let reply = try await call("ShowCollections", retryable: true) { [request] service, metadata, options in
      try await service.showCollections(request, metadata: metadata, options: options)
    }
    var result: [CollectionInfo] = []
    for name in reply.collectionNames.sorted() {
      let count = try await statisticsRowCount(collection: name)
      let state = try await loadState(name)
      result.append(CollectionInfo(name: name, entityCount: count, loadState: state))
    }
    return result
  }

  /// Milvus's `row_count` statistic: approximate until the server flushes.
  private func statisticsRowCount(collection: String, partition: String? = nil) async throws(VectorError) -> Int {
    let stats: [Milvus_Proto_Common_KeyValuePair]
    if let partition {
      var request = Milvus_Proto_Milvus_GetPartitionStatisticsRequest()
      request.dbName = database
      request.collectionName = collection
      request.partitionName = partition
      stats = try await call("GetPartitionStatistics", retryable: true) { [request] service, metadata, options in
        try await service.getPartitionStatistics(request, metadata: metadata, options: options)
      }.stats
    } else {
      var request = Milvus_Proto_Milvus_GetCollectionStatisticsRequest()
      request.dbName = database
      request.collectionName = collection
      stats = try await call("GetCollectionStatistics", retryable: true) { [request] service, metadata, options in
        try await service.getCollectionStatistics(request, metadata: metadata, options: options)
      }.stats
    }
    return stats.first { $0.key == "row_count" }.flatMap { Int($0.value) } ?? 0
  }

  private func describe(_ name: String) async throws(VectorError) -> Milvus_Proto_Milvus_DescribeCollectionResponse {
    var request = Milvus_Proto_Milvus_DescribeCollectionRequest()
    request.dbName = database
    request.collectionName = name
    do {
      return try await call("DescribeCollection", retryable: true) { [request] service, metadata, options in
        try await service.describeCollection(request, metadata: metadata, options: options)
      }
    } catch {
      // Milvus 2.3 names a collection it cannot find by its internal id; name it as the user did.
      if case .invalidArgument(let message) = error, message.contains("collection not found") {
        throw .collectionNotFound(database: database, collection: name)
      }
      throw error
    }
  }

  public func describeCollection(_ name: String) async throws -> CollectionSchema {
    let schema = try MilvusSchema.model(try await describe(name).schema, name: name)
    schemas[database + "/" + name] = schema
    return schema
  }

  /// The schema that data calls need, fetched once per collection rather than before every call
  /// (it doubled the round trips of a search); dropping, renaming or describing refreshes it.
  private func cachedSchema(_ name: String) async throws -> CollectionSchema {
    if let schema = schemas[database + "/" + name] { return schema }
    return try await describeCollection(name)
  }

  public func createCollection(_ schema: CollectionSchema) async throws {
    try schema.validate()
    var request = Milvus_Proto_Milvus_CreateCollectionRequest()
    request.dbName = database
    request.collectionName = schema.name
    request.schema = try MilvusSchema.proto(schema).serializedData()
    request.shardsNum = 1
    request.consistencyLevel = .bounded
    schemas[database + "/" + schema.name] = nil
    _ = try await call("CreateCollection") { [request] service, metadata, options in
      try await service.createCollection(request, metadata: metadata, options: options)
    }
  }

  public func dropCollection(_ name: String) async throws {
    var request = Milvus_Proto_Milvus_DropCollectionRequest()
    request.dbName = database
    request.collectionName = name
    schemas[database + "/" + name] = nil
    _ = try await call("DropCollection") { [request] service, metadata, options in
      try await service.dropCollection(request, metadata: metadata, options: options)
    }
  }

  public func renameCollection(_ name: String, to newName: String) async throws {
    var request = Milvus_Proto_Milvus_RenameCollectionRequest()
    request.dbName = database
    request.oldName = name
    request.newName = newName
    schemas[database + "/" + name] = nil
    _ = try await call("RenameCollection") { [request] service, metadata, options in
      try await service.renameCollection(request, metadata: metadata, options: options)
    }
  }

  // MARK: - Partitions

  public func listPartitions(_ collection: String) async throws -> [PartitionInfo] {
    var request = Milvus_Proto_Milvus_ShowPartitionsRequest()
    request.dbName = database
    request.collectionName = collection
    let reply = try await call("ShowPartitions", retryable: true) { [request] service, metadata, options in
      try await service.showPartitions(request, metadata: metadata, options: options)
    }
    var result: [PartitionInfo] = []
    for name in reply.partitionNames {
      result.append(
        PartitionInfo(name: name, entityCount: try await statisticsRowCount(collection: collection, partition: name)))
    }
    return result
  }

  public func createPartition(_ collection: String, partition: String) async throws {
    var request = Milvus_Proto_Milvus_CreatePartitionRequest()
    request.dbName = database
    request.collectionName = collection
    request.partitionName = partition
    _ = try await call("CreatePartition") { [request] service, metadata, options in
      try await service.createPartition(request, metadata: metadata, options: options)
    }
  }

  public func dropPartition(_ collection: String, partition: String) async throws {
    var request = Milvus_Proto_Milvus_DropPartitionRequest()
    request.dbName = database
    request.collectionName = collection
    request.partitionName = partition
    _ = try await call("DropPartition") { [request] service, metadata, options in
      try await service.dropPartition(request, metadata: metadata, options: options)
    }
  }

  // MARK: - Indexes and loading

  public func describeIndexes(_ collection: String) async throws -> [IndexStatus] {
    var request = Milvus_Proto_Milvus_DescribeIndexRequest()
    request.dbName = database
    request.collectionName = collection
    let reply: Milvus_Proto_Milvus_DescribeIndexResponse
    do {
      reply = try await call("DescribeIndex", retryable: true) { [request] service, metadata, options in
        try await service.describeIndex(request, metadata: metadata, options: options)
      }
    } catch {
      // A collection without an index is an answer, not a failure.
      if case .invalidArgument(let message) = error, Self.meansNoIndex(message) { return [] }
      throw error
    }
    return reply.indexDescriptions.map { description in
      var params: [String: JSONValue] = [:]
      var indexType = "?"
      var metric = Metric.l2
      for pair in description.params {
        switch pair.key {
        case "index_type": indexType = pair.value
        case "metric_type": metric = Metric(name: pair.value) ?? .l2
        case "params":
          if case .object(let members)? = try? JSONValue.parse(pair.value) { params.merge(members) { $1 } }
        default:
          params[pair.key] = (try? JSONValue.parse(pair.value)) ?? .string(pair.value)
        }
      }
      let state: IndexState
      switch description.state {
      case .none: state = .none
      case .unissued: state = .unissued
      case .inProgress, .retry: state = .inProgress
      case .finished: state = .finished
      case .failed: state = .failed
      default: state = .none
      }
      return IndexStatus(
        spec: IndexSpec(
          fieldName: description.fieldName, indexName: description.indexName, indexType: indexType, metric: metric,
          params: params),
        state: state, indexedRows: Int(description.indexedRows), totalRows: Int(description.totalRows),
        pendingIndexRows: Int(description.pendingIndexRows), failReason: description.indexStateFailReason)
    }
  }

  private static func meansNoIndex(_ message: String) -> Bool {
    let lowered = message.lowercased()
    return lowered.contains("index not found") || lowered.contains("index doesn't exist")
      || lowered.contains("index not exist") || lowered.contains("no index on collection")  // Milvus Lite 3.2.2
  }

  public func createIndex(_ collection: String, spec: IndexSpec) async throws {
    var request = Milvus_Proto_Milvus_CreateIndexRequest()
    request.dbName = database
    request.collectionName = collection
    request.fieldName = spec.fieldName
    request.indexName = spec.indexName
    request.extraParams = [
      MilvusSchema.pair("index_type", spec.indexType), MilvusSchema.pair("metric_type", spec.metric.rawValue),
      MilvusSchema.pair("params", JSONValue.object(spec.params).jsonText),
    ]
    _ = try await call("CreateIndex") { [request] service, metadata, options in
      try await service.createIndex(request, metadata: metadata, options: options)
    }
  }

  public func dropIndex(_ collection: String, indexName: String) async throws {
    var request = Milvus_Proto_Milvus_DropIndexRequest()
    request.dbName = database
    request.collectionName = collection
    request.indexName = indexName
    _ = try await call("DropIndex") { [request] service, metadata, options in
      try await service.dropIndex(request, metadata: metadata, options: options)
    }
  }

  public func loadCollection(_ collection: String, progress: (@Sendable (Int) -> Void)?) async throws {
    var request = Milvus_Proto_Milvus_LoadCollectionRequest()
    request.dbName = database
    request.collectionName = collection
    _ = try await call("LoadCollection") { [request] service, metadata, options in
      try await service.loadCollection(request, metadata: metadata, options: options)
    }
    var progressRequest = Milvus_Proto_Milvus_GetLoadingProgressRequest()
    progressRequest.dbName = database
    progressRequest.collectionName = collection
    let deadline = ContinuousClock.now + .seconds(600)
    while true {
      let reply = try await call("GetLoadingProgress", retryable: true) {
        [progressRequest] service, metadata, options in
        try await service.getLoadingProgress(progressRequest, metadata: metadata, options: options)
      }
      progress?(Int(reply.progress))
      if reply.progress >= 100 { return }
      guard ContinuousClock.now < deadline else {
        throw VectorError.unavailable("timed out after 600 s waiting for collection \(collection) to load")
      }
      try await Task.sleep(for: .milliseconds(200))
    }
  }

  public func releaseCollection(_ collection: String) async throws {
    var request = Milvus_Proto_Milvus_ReleaseCollectionRequest()
    request.dbName = database
    request.collectionName = collection
    _ = try await call("ReleaseCollection") { [request] service, metadata, options in
      try await service.releaseCollection(request, metadata: metadata, options: options)
    }
  }

  public func loadState(_ collection: String) async throws -> LoadState {
    var request = Milvus_Proto_Milvus_GetLoadStateRequest()
    request.dbName = database
    request.collectionName = collection
    let reply = try await call("GetLoadState", retryable: true) { [request] service, metadata, options in
      try await service.getLoadState(request, metadata: metadata, options: options)
    }
    switch reply.state {
    case .notExist: return .notExist
    case .notLoad: return .notLoad
    case .loading: return .loading
    case .loaded: return .loaded
    default: return .notLoad
    }
  }

  // MARK: - Data

  public func insert(_ collection: String, rows: [Row], partition: String?) async throws -> MutationResult {
    try await write("Insert", collection: collection, rows: rows, partition: partition)
  }

  public func upsert(_ collection: String, rows: [Row], partition: String?) async throws -> MutationResult {
    try await write("Upsert", collection: collection, rows: rows, partition: partition)
  }

  private func write(_ method: String, collection: String, rows: [Row], partition: String?) async throws
    -> MutationResult
  {
    guard !rows.isEmpty else { return MutationResult(ids: []) }
    let schema = try await cachedSchema(collection)
    let columns = try MilvusColumns.columns(for: rows, schema: schema, includeAutoID: method == "Upsert")
    let reply: Milvus_Proto_Milvus_MutationResult
    if method == "Upsert" {
      var request = Milvus_Proto_Milvus_UpsertRequest()
      request.dbName = database
      request.collectionName = collection
      request.partitionName = partition ?? ""
      request.fieldsData = columns
      request.numRows = UInt32(rows.count)
      reply = try await call(method) { [request] service, metadata, options in
        try await service.upsert(request, metadata: metadata, options: options)
      }
    } else {
      var request = Milvus_Proto_Milvus_InsertRequest()
      request.dbName = database
      request.collectionName = collection
      request.partitionName = partition ?? ""
      request.fieldsData = columns
      request.numRows = UInt32(rows.count)
      reply = try await call(method) { [request] service, metadata, options in
        try await service.insert(request, metadata: metadata, options: options)
      }
    }
    return MutationResult(
      ids: MilvusColumns.keys(reply.ids), insertCount: Int(reply.insertCnt), deleteCount: Int(reply.deleteCnt),
      upsertCount: Int(reply.upsertCnt))
  }

  public func delete(_ collection: String, ids: [PrimaryKey], partition: String?) async throws -> MutationResult {
    guard !ids.isEmpty else { return MutationResult(ids: []) }
    let schema = try await cachedSchema(collection)
    guard let primary = schema.primaryField else { throw VectorError.internal("collection has no primary key") }
    return try await delete(collection, filter: MilvusColumns.keyFilter(ids, field: primary.name), partition: partition)
  }

  public func delete(_ collection: String, filter: String, partition: String?) async throws -> MutationResult {
    guard !filter.allSatisfy(\.isWhitespace) else {
      throw VectorError.invalidArgument(
        "the delete filter is empty; refusing to delete every entity (drop the collection instead)")
    }
    var request = Milvus_Proto_Milvus_DeleteRequest()
    request.dbName = database
    request.collectionName = collection
    request.partitionName = partition ?? ""
    request.expr = filter
    let reply = try await call("Delete") { [request] service, metadata, options in
      try await service.delete(request, metadata: metadata, options: options)
    }
    return MutationResult(ids: MilvusColumns.keys(reply.ids), deleteCount: Int(reply.deleteCnt))
  }

  public func get(_ collection: String, ids: [PrimaryKey], outputFields: [String]) async throws -> [Row] {
    guard !ids.isEmpty else { return [] }
    let schema = try await cachedSchema(collection)
    guard let primary = schema.primaryField else { throw VectorError.internal("collection has no primary key") }
    let rows = try await query(
      QueryRequest(
        collection: collection, filter: MilvusColumns.keyFilter(ids, field: primary.name), outputFields: outputFields,
        limit: min(ids.count, 16384)))
    var byKey: [PrimaryKey: Row] = [:]
    for row in rows {
      switch row[primary.name] {
      case .int(let number)?: byKey[.int(number)] = row
      case .string(let text)?: byKey[.string(text)] = row
      default: break
      }
    }
    return ids.compactMap { byKey[$0] }
  }

  public func query(_ request: QueryRequest) async throws -> [Row] {
    let schema = try await cachedSchema(request.collection)
    var message = Milvus_Proto_Milvus_QueryRequest()
    message.dbName = database
    message.collectionName = request.collection
    message.expr = request.filter
    message.outputFields = request.outputFields
    message.partitionNames = request.partitions
    var params: [Milvus_Proto_Common_KeyValuePair] = []
    if let limit = request.limit { params.append(MilvusSchema.pair("limit", String(limit))) }
    if request.offset > 0 { params.append(MilvusSchema.pair("offset", String(request.offset))) }
    // Without it Milvus Lite 3.2.2 returns any `limit` matches, not those with the smallest keys.
    if request.iterator { params.append(MilvusSchema.pair("iterator", "True")) }
    message.queryParams = params
    if let consistency {
      message.consistencyLevel = consistency
    } else {
      message.useDefaultConsistency = true
    }
    let reply = try await call("Query", retryable: true) { [message] service, metadata, options in
      try await service.query(message, metadata: metadata, options: options)
    }
    let count = reply.fieldsData.map { MilvusColumns.values(of: $0).count }.max() ?? 0
    let wanted = Set(request.outputFields)
    let rows = MilvusColumns.rows(
      from: reply.fieldsData, count: count, wanted: wanted,
      allDynamic: wanted.contains("*") || wanted.contains(CollectionSchema.dynamicFieldName))
    // Milvus Lite returns every field when none is asked for: keep what the protocol promises.
    guard !wanted.contains("*"), let primary = schema.primaryField?.name else { return rows }
    let keep = wanted.union([primary])
    return rows.map { $0.filter { keep.contains($0.key) || $0.key == "count(*)" } }
  }

  public func count(_ collection: String, filter: String, partitions: [String]) async throws -> Int {
    let rows = try await query(
      QueryRequest(collection: collection, filter: filter, outputFields: ["count(*)"], partitions: partitions))
    guard case .int(let count)? = rows.first?["count(*)"] else {
      throw VectorError.internal("Milvus answered count(*) without a count")
    }
    return Int(count)
  }

  public func search(_ request: SearchRequest) async throws -> [[SearchHit]] {
    let schema = try await cachedSchema(request.collection)
    let fieldName: String
    if let name = request.vectorField {
      fieldName = name
    } else {
      guard schema.vectorFields.count == 1 else {
        throw VectorError.invalidArgument(
          "collection \(request.collection) has several vector fields; name the one to search")
      }
      fieldName = schema.vectorFields[0].name
    }
    for (offset, vector) in request.vectors.enumerated() where !vector.allSatisfy(\.isFinite) {
      throw VectorError.invalidArgument("query vector \(offset + 1) contains NaN or infinity")
    }
    var placeholder = Milvus_Proto_Common_PlaceholderValue()
    placeholder.tag = "$0"
    placeholder.type = .floatVector
    placeholder.values = request.vectors.map { vector in
      vector.withUnsafeBytes { Data($0) }
    }
    var group = Milvus_Proto_Common_PlaceholderGroup()
    group.placeholders = [placeholder]
    var message = Milvus_Proto_Milvus_SearchRequest()
    message.dbName = database
    message.collectionName = request.collection
    message.partitionNames = request.partitions
    message.dsl = request.filter
    message.dslType = .boolExprV1
    message.placeholderGroup = try group.serializedData()
    message.outputFields = request.outputFields
    message.nq = Int64(request.vectors.count)
    var params = [
      MilvusSchema.pair("anns_field", fieldName), MilvusSchema.pair("topk", String(request.topK)),
      MilvusSchema.pair("params", JSONValue.object(request.params).jsonText),
      MilvusSchema.pair("offset", String(request.offset)), MilvusSchema.pair("round_decimal", "-1"),
    ]
    if let metric = request.metric { params.append(MilvusSchema.pair("metric_type", metric.rawValue)) }
    message.searchParams = params
    if let consistency {
      message.consistencyLevel = consistency
    } else {
      message.useDefaultConsistency = true
    }
    let reply = try await call("Search", retryable: true) { [message] service, metadata, options in
      try await service.search(message, metadata: metadata, options: options)
    }
    let results = reply.results
    let keys = MilvusColumns.keys(results.ids)
    let wanted = Set(request.outputFields)
    let rows = MilvusColumns.rows(
      from: results.fieldsData, count: keys.count, wanted: wanted, allDynamic: wanted.contains("*"))
    let primary = schema.primaryField?.name
    var hits: [[SearchHit]] = []
    var start = 0
    let counts = results.topks.isEmpty ? [Int64(keys.count)] : results.topks
    for count in counts.prefix(request.vectors.count) {
      let end = min(start + Int(count), keys.count)
      hits.append(
        (start..<end).map { index in
          var fields = rows[index]
          // Lite returns every field unasked; keep only the requested ones.
          if !wanted.contains("*") { fields = fields.filter { wanted.contains($0.key) } }
          if let primary, !wanted.contains(primary) { fields[primary] = nil }
          return SearchHit(
            id: keys[index], distance: index < results.scores.count ? results.scores[index] : 0, fields: fields)
        })
      start = end
    }
    while hits.count < request.vectors.count { hits.append([]) }
    return hits
  }
}

/// A Milvus reply with a status to check.
protocol MilvusReply: Sendable {
  var status: Milvus_Proto_Common_Status { get }
}

extension Milvus_Proto_Common_Status: MilvusReply {
  var status: Milvus_Proto_Common_Status { self }
}
extension Milvus_Proto_Milvus_GetVersionResponse: MilvusReply {}
extension Milvus_Proto_Milvus_ListDatabasesResponse: MilvusReply {}
extension Milvus_Proto_Milvus_ShowCollectionsResponse: MilvusReply {}
extension Milvus_Proto_Milvus_DescribeCollectionResponse: MilvusReply {}
extension Milvus_Proto_Milvus_GetCollectionStatisticsResponse: MilvusReply {}
extension Milvus_Proto_Milvus_GetPartitionStatisticsResponse: MilvusReply {}
extension Milvus_Proto_Milvus_ShowPartitionsResponse: MilvusReply {}
extension Milvus_Proto_Milvus_DescribeIndexResponse: MilvusReply {}
extension Milvus_Proto_Milvus_GetLoadingProgressResponse: MilvusReply {}
extension Milvus_Proto_Milvus_GetLoadStateResponse: MilvusReply {}
extension Milvus_Proto_Milvus_MutationResult: MilvusReply {}
extension Milvus_Proto_Milvus_QueryResults: MilvusReply {}
extension Milvus_Proto_Milvus_SearchResults: MilvusReply {}
