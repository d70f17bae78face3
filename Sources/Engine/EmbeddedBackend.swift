import ANN
import Foundation
import Model
import Storage

/// The embedded store behind the shared protocol: a data directory of databases → collections,
/// no server needed.
///
/// Layout: `DIR/LOCK` (the writer's pid), `DIR/databases/NAME/collections/NAME/` holding
/// `manifest`, `wal.log`, `seg-N.vss` and `seg-N.del`. One process may write (it holds the lock);
/// others may open the store read-only at the same time.
public actor EmbeddedBackend: VectorBackend {
  /// The store's directory.
  public nonisolated let directory: String
  /// Whether this backend refuses writes (and takes no lock).
  public nonisolated let readOnly: Bool
  private let lock: StoreLock?
  private var database = "default"
  private var open: [String: Collection] = [:]
  private let flushRowThreshold: Int
  /// Background index builders, one per collection key (`database/name`) with work to do.
  private var builders: [String: Task<Void, Never>] = [:]

  /// The engine's version, reported as the server version.
  public static let version = "0.1.0"

  /// The default data directory: `$XDG_DATA_HOME/vscope`, else `~/.local/share/vscope`.
  public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
    if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/vscope" }
    let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    return home + "/.local/share/vscope"
  }

  /// Opens (and, when writable, creates) the store at `directory`.
  ///
  /// A writable open takes the store's lock and fails with the holder's pid when another
  /// process writes to it.
  /// `flushRowThreshold` is how many rows gather in the log before they are sealed into a segment.
  public init(directory: String, readOnly: Bool = false, flushRowThreshold: Int = 200_000) throws(VectorError) {
    self.flushRowThreshold = flushRowThreshold
    let path = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
    self.directory = path
    self.readOnly = readOnly
    if readOnly {
      lock = nil
    } else {
      do {
        try FileManager.default.createDirectory(
          atPath: path + "/databases/default/collections", withIntermediateDirectories: true)
      } catch {
        throw .io("cannot create the data directory \(path): \(error.localizedDescription)")
      }
      lock = try StorageCall.run { try StoreLock.acquireWriter(directory: path) }
    }
  }

  /// Flushes pending rows and releases the lock.
  public func close() {
    for collection in open.values { collection.close() }
    open = [:]
    lock?.release()
  }

  // MARK: - Paths

  private var databasesPath: String { directory + "/databases" }
  private func databasePath(_ name: String) -> String { databasesPath + "/" + name }
  private func collectionsPath(_ database: String) -> String { databasePath(database) + "/collections" }
  private func collectionPath(_ name: String, in database: String? = nil) -> String {
    collectionsPath(database ?? self.database) + "/" + name
  }

  private func requireWritable() throws(VectorError) {
    if readOnly { throw .invalidArgument("the store \(directory) is open read-only") }
  }

  private func directoryNames(_ path: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return names.filter { !$0.hasPrefix(".") }.sorted()
  }

  private func collection(_ name: String) throws(VectorError) -> Collection {
    let key = database + "/" + name
    if let collection = open[key] { return collection }
    let path = collectionPath(name)
    guard FileManager.default.fileExists(atPath: path + "/manifest") else {
      throw .collectionNotFound(database: database, collection: name)
    }
    let collection = try Collection.open(directory: path, readOnly: readOnly)
    collection.flushRowThreshold = flushRowThreshold
    open[key] = collection
    return collection
  }

  // MARK: - Server and databases

  public func serverInfo() async throws -> ServerInfo {
    ServerInfo(
      kind: "embedded", version: Self.version, address: directory, indexTypes: IndexPlan.supportedTypes,
      metrics: Metric.allCases)
  }

  public func listDatabases() async throws -> [String] {
    var names = directoryNames(databasesPath)
    if !names.contains("default") { names.insert("default", at: 0) }
    return names
  }

  public func currentDatabase() async -> String { database }

  public func useDatabase(_ name: String) async throws {
    guard name == "default" || FileManager.default.fileExists(atPath: databasePath(name)) else {
      throw VectorError.databaseNotFound(name)
    }
    database = name
  }

  public func createDatabase(_ name: String) async throws {
    try requireWritable()
    try CollectionSchema.validateName(name, what: "database")
    guard !FileManager.default.fileExists(atPath: databasePath(name)) else {
      throw VectorError.invalidArgument("database already exist: \(name)")
    }
    try createDirectoryDurably(collectionsPath(name))
  }

  public func dropDatabase(_ name: String) async throws {
    try requireWritable()
    guard name != "default" else { throw VectorError.invalidArgument("can not drop default database") }
    guard FileManager.default.fileExists(atPath: databasePath(name)) else { throw VectorError.databaseNotFound(name) }
    guard directoryNames(collectionsPath(name)).isEmpty else {
      throw VectorError.invalidArgument("database:\(name) not empty, must drop all collections before drop database")
    }
    try removeDurably(databasePath(name))
    if database == name { database = "default" }
  }

  // MARK: - Collections

  public func listCollections() async throws -> [CollectionInfo] {
    var result: [CollectionInfo] = []
    for name in directoryNames(collectionsPath(database)) {
      guard FileManager.default.fileExists(atPath: collectionPath(name) + "/manifest") else { continue }
      let collection = try collection(name)
      result.append(
        CollectionInfo(
          name: name, entityCount: collection.entityCount, loadState: collection.loadState,
          description: collection.manifest.schema.description))
    }
    return result
  }

  public func describeCollection(_ name: String) async throws -> CollectionSchema {
    try collection(name).manifest.schema
  }

  public func createCollection(_ schema: CollectionSchema) async throws {
    try requireWritable()
    try schema.validate()
    guard database == "default" || FileManager.default.fileExists(atPath: databasePath(database)) else {
      throw VectorError.databaseNotFound(database)
    }
    let final = collectionPath(schema.name)
    guard !FileManager.default.fileExists(atPath: final) else {
      throw VectorError.collectionAlreadyExists(schema.name)
    }
    // Build the collection under a hidden name, then rename it into place: a crash leaves either
    // nothing or a whole collection.
    let staging = collectionsPath(database) + "/.creating-\(schema.name)-\(getpid())"
    try? FileManager.default.removeItem(atPath: staging)
    try createDirectoryDurably(staging)
    _ = try Collection.create(directory: staging, schema: schema)
    guard rename(staging, final) == 0 else {
      let message = String(cString: strerror(errno))
      try? FileManager.default.removeItem(atPath: staging)
      throw VectorError.io("cannot create collection directory \(final): \(message)")
    }
    try StorageCall.run { try ChecksummedFile.fsyncDirectory(collectionsPath(database)) }
  }

  public func dropCollection(_ name: String) async throws {
    try requireWritable()
    let key = database + "/" + name
    let directory = collectionPath(name)
    if let collection = open[key] {
      collection.close()
      open[key] = nil
    } else if !FileManager.default.fileExists(atPath: directory + "/manifest") {
      throw VectorError.collectionNotFound(database: database, collection: name)
    }
    // Dropping needs no readable manifest: a corrupt collection can always be dropped.
    let trash = collectionsPath(database) + "/.dropping-\(name)-\(getpid())"
    guard rename(directory, trash) == 0 else {
      throw VectorError.io("cannot drop collection \(name): \(String(cString: strerror(errno)))")
    }
    try StorageCall.run { try ChecksummedFile.fsyncDirectory(collectionsPath(database)) }
    try? FileManager.default.removeItem(atPath: trash)
  }

  public func renameCollection(_ name: String, to newName: String) async throws {
    try requireWritable()
    try CollectionSchema.validateName(newName, what: "collection")
    let collection = try collection(name)
    let target = collectionPath(newName)
    guard !FileManager.default.fileExists(atPath: target) else {
      throw VectorError.collectionAlreadyExists(newName)
    }
    collection.close()
    open[database + "/" + name] = nil
    guard rename(collection.directory, target) == 0 else {
      throw VectorError.io("cannot rename collection \(name): \(String(cString: strerror(errno)))")
    }
    try StorageCall.run { try ChecksummedFile.fsyncDirectory(collectionsPath(database)) }
    open[database + "/" + newName] = try collection.rename(to: newName, directory: target)
  }

  // MARK: - Partitions

  public func listPartitions(_ collection: String) async throws -> [PartitionInfo] {
    try self.collection(collection).partitions()
  }

  public func createPartition(_ collection: String, partition: String) async throws {
    try requireWritable()
    try self.collection(collection).createPartition(partition)
  }

  public func dropPartition(_ collection: String, partition: String) async throws {
    try requireWritable()
    try self.collection(collection).dropPartition(partition)
  }

  // MARK: - Indexes and loading

  public func describeIndexes(_ collection: String) async throws -> [IndexStatus] {
    let statuses = try self.collection(collection).indexStatuses()
    // A build that an earlier process left unfinished goes on as soon as a writer looks at it.
    if statuses.contains(where: { $0.state == .inProgress }) { scheduleIndexBuilds(collection) }
    return statuses
  }

  public func createIndex(_ collection: String, spec: IndexSpec) async throws {
    try requireWritable()
    try self.collection(collection).createIndex(spec)
    scheduleIndexBuilds(collection)
  }

  public func dropIndex(_ collection: String, indexName: String) async throws {
    try requireWritable()
    try self.collection(collection).dropIndex(indexName)
  }

  public func loadCollection(_ collection: String, progress: (@Sendable (Int) -> Void)?) async throws {
    try self.collection(collection).load(progress: progress)
    scheduleIndexBuilds(collection)
  }

  public func releaseCollection(_ collection: String) async throws {
    try requireWritable()
    try self.collection(collection).release()
  }

  public func loadState(_ collection: String) async throws -> LoadState {
    let path = collectionPath(collection)
    guard FileManager.default.fileExists(atPath: path + "/manifest") else { return .notExist }
    return try self.collection(collection).loadState
  }

  // MARK: - Data

  public func insert(_ collection: String, rows: [Row], partition: String?) async throws -> MutationResult {
    try requireWritable()
    defer { scheduleIndexBuilds(collection) }
    return try self.collection(collection).insert(rows, partition: partition)
  }

  public func upsert(_ collection: String, rows: [Row], partition: String?) async throws -> MutationResult {
    try requireWritable()
    defer { scheduleIndexBuilds(collection) }
    return try self.collection(collection).upsert(rows, partition: partition)
  }

  public func delete(_ collection: String, ids: [PrimaryKey], partition: String?) async throws -> MutationResult {
    try requireWritable()
    return try self.collection(collection).delete(ids: ids, partition: partition)
  }

  public func delete(_ collection: String, filter: String, partition: String?) async throws -> MutationResult {
    try requireWritable()
    return try self.collection(collection).delete(filter: filter, partition: partition)
  }

  public func get(_ collection: String, ids: [PrimaryKey], outputFields: [String]) async throws -> [Row] {
    try self.collection(collection).get(ids: ids, outputFields: outputFields)
  }

  public func query(_ request: QueryRequest) async throws -> [Row] {
    try collection(request.collection).query(request)
  }

  public func count(_ collection: String, filter: String, partitions: [String]) async throws -> Int {
    try self.collection(collection).count(filter: filter, partitions: partitions)
  }

  public func search(_ request: SearchRequest) async throws -> [[SearchHit]] {
    defer { scheduleIndexBuilds(request.collection) }
    return try collection(request.collection).search(request)
  }

  /// The exact search through the engine's own FLAT scan over every segment, indexes ignored.
  /// Progress comes at the start and the end (the scan runs on every core at memory speed).
  public func exactSearch(
    _ request: SearchRequest, limits: ExactSearchLimits, progress: (@Sendable (Int, Int) -> Void)?
  ) async throws -> [[SearchHit]] {
    let collection = try self.collection(request.collection)
    let total = try collection.count(filter: request.filter, partitions: request.partitions)
    try limits.check(rows: total, collection: request.collection)
    progress?(0, total)
    let hits = try collection.search(request, exact: true)
    progress?(total, total)
    return hits
  }

  /// Writes pending rows of every open collection into segment files (they are durable already).
  public func flush() throws(VectorError) {
    for collection in open.values { try collection.flush() }
    for key in open.keys { scheduleIndexBuilds(key: key) }
  }

  // MARK: - Index builds

  private func scheduleIndexBuilds(_ collection: String) {
    scheduleIndexBuilds(key: database + "/" + collection)
  }

  /// Starts the collection's builder when an index has segments to build and none runs yet.
  ///
  /// The builder hands one job at a time to a global dispatch queue (builds are long CPU work that
  /// must not hold a thread of Swift's cooperative pool), and commits each result on the actor.
  /// Reads go on meanwhile: a segment is searched exactly until its index is committed.
  private func scheduleIndexBuilds(key: String) {
    guard !readOnly, builders[key] == nil, let collection = open[key], collection.hasPendingIndexWork else { return }
    builders[key] = Task { await self.runIndexBuilds(key: key, collection: collection) }
  }

  private func runIndexBuilds(key: String, collection: Collection) async {
    // The rows to index. A collection that cannot be read builds nothing; its indexes say why.
    do {
      try collection.materialize()
    } catch {
      collection.indexBuildProblem = "cannot read the rows to index: \(error)"
    }
    while open[key] === collection, let job = collection.nextIndexJob() {
      let outcome = await withCheckedContinuation { continuation in
        DispatchQueue.global(qos: .utility).async { continuation.resume(returning: job.run()) }
      }
      // A collection closed, dropped or renamed meanwhile gets nothing, not even a clean-up: the store
      // may no longer be ours. The next writer removes the file as an orphan.
      guard open[key] === collection else { break }
      collection.commitIndexJob(job, outcome: outcome)
    }
    builders[key] = nil
  }

  /// Waits until no index build runs (for tests and for commands that wait for an index).
  public func waitForIndexBuilds() async {
    while let builder = builders.values.first { await builder.value }
  }

  // MARK: - Directories

  private func createDirectoryDurably(_ path: String) throws(VectorError) {
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw .io("cannot create directory \(path): \(error.localizedDescription)")
    }
    let parent = (path as NSString).deletingLastPathComponent
    try StorageCall.run { try ChecksummedFile.fsyncDirectory(parent) }
  }

  private func removeDurably(_ path: String) throws(VectorError) {
    do {
      try FileManager.default.removeItem(atPath: path)
    } catch {
      throw .io("cannot remove \(path): \(error.localizedDescription)")
    }
    let parent = (path as NSString).deletingLastPathComponent
    try StorageCall.run { try ChecksummedFile.fsyncDirectory(parent) }
  }
}
