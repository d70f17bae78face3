import ANN
import Foundation
import Model
import Storage

/// One collection of the embedded store: its manifest, sealed segments, growing segments and log.
///
/// Write path: validate → append one checksummed record to the write-ahead log and fdatasync →
/// apply in memory → acknowledge. A flush writes growing rows as sealed segment files and deletions
/// as deletion files, then commits by replacing the manifest atomically, then empties the log.
/// Recovery reads the manifest, its segments and deletions, and replays the log past the checkpoint.
///
/// Not thread-safe: the backend actor owns it. Searches fan out across cores internally.
final class Collection {
  let directory: String
  let readOnly: Bool
  var manifest: Manifest
  private(set) var layout: ColumnLayout
  var data: CollectionData?
  private var log: WriteAheadLog?

  /// ANN indexes read or built in this session, by index name, then segment id.
  var segmentIndexes: [String: [Int: any VectorIndex]] = [:]
  /// Trained IVF quantizers by index name.
  var quantizers: [String: IVFQuantizer] = [:]
  /// Index files that could not be read, by index name (a writer also records it in the manifest).
  var indexLoadFailures: [String: String] = [:]
  /// Why the background builder could not read the rows to index (a corrupt segment, say): the
  /// indexes it would build show as failed with it, and it is not tried again until the
  /// collection is opened anew.
  var indexBuildProblem: String?
  /// The background builder's current job.
  var runningJob: RunningIndexJob?
  /// Live-row bitsets of indexed segments by segment id, with the deletion count they reflect.
  private var liveRowCache: [Int: (deleted: Int, rows: RowBitset)] = [:]

  /// Rows held in growing segments before a flush turns them into a sealed segment file.
  var flushRowThreshold = 200_000
  /// Log size that triggers a flush.
  static let flushByteThreshold = 256 << 20

  final class CollectionData {
    var segments: [Segment] = []
    var growing: [String: Segment] = [:]
    var primaryIndex: [PrimaryKey: RowLocation] = [:]
    var lastSequence: UInt64 = 0
    var nextAutoID: Int64 = 0
    var growingRows = 0
  }

  struct RowLocation {
    let segment: Segment
    let row: Int
  }

  private init(directory: String, readOnly: Bool, manifest: Manifest) throws(VectorError) {
    self.directory = directory
    self.readOnly = readOnly
    self.manifest = manifest
    layout = try ColumnLayout(schema: manifest.schema)
  }

  // MARK: - Files

  var manifestPath: String { directory + "/manifest" }
  var logPath: String { directory + "/wal.log" }
  func segmentPath(_ id: Int) -> String { directory + "/seg-\(id).vss" }
  func deletionsPath(_ id: Int) -> String { directory + "/seg-\(id).del" }

  /// Creates the collection's files in `directory` (which must exist and be empty).
  static func create(directory: String, schema: CollectionSchema) throws(VectorError) -> Collection {
    let now = Int64(Date().timeIntervalSince1970 * 1000)
    let collection = try Collection(
      directory: directory, readOnly: false, manifest: Manifest(schema: schema, createdAt: now))
    try collection.writeManifest()
    return collection
  }

  /// Opens a collection by reading its manifest; rows are read on first use.
  static func open(directory: String, readOnly: Bool) throws(VectorError) -> Collection {
    var manifest = try readManifest(directory + "/manifest")
    // The directory's name is the collection's name: a crash inside a rename can leave the old
    // name in the manifest, and the rename's directory move is the step that counts.
    let name = String(directory.split(separator: "/").last ?? "")
    let renamed = manifest.schema.name != name && !name.isEmpty
    if renamed { manifest.schema.name = name }
    let collection = try Collection(directory: directory, readOnly: readOnly, manifest: manifest)
    if renamed && !readOnly { try collection.writeManifest() }
    return collection
  }

  static func readManifest(_ path: String) throws(VectorError) -> Manifest {
    let bytes = try StorageCall.run { try ChecksummedFile.read(kind: .manifest, from: path) }
    let json: JSONValue
    do {
      json = try bytes.withUnsafeBytes { raw throws(JSONSyntaxError) in
        try JSONValue.parse(utf8: raw.bindMemory(to: UInt8.self))
      }
    } catch {
      throw .corrupt("corrupt file \(path): the manifest is not valid JSON (\(error))")
    }
    do {
      return try Manifest(json: json)
    } catch {
      throw .corrupt("corrupt file \(path): \(error)")
    }
  }

  func writeManifest() throws(VectorError) {
    // Index records follow the segments: a dropped partition takes its segments' indexes along.
    let live = Set(manifest.segments.map(\.id))
    for name in manifest.indexBuilds.keys {
      manifest.indexBuilds[name]?.indexedSegments.removeAll { !live.contains($0) }
    }
    let text = manifest.json.prettyJSONText
    let path = manifestPath
    try StorageCall.run { try ChecksummedFile.write(Data(text.utf8), kind: .manifest, to: path) }
  }

  func requireWritable() throws(VectorError) {
    if readOnly {
      throw .invalidArgument("the store is open read-only; this command needs to write (is another vscope writing?)")
    }
  }

  // MARK: - Materialising

  /// Reads segments and replays the log, once; `progress` gets percentages.
  ///
  /// A writer first deletes segment and deletion files that the manifest does not name: a crash
  /// between writing them and committing the manifest leaves such files, and their ids are reused.
  /// A reader runs beside a writer that may flush meanwhile; it checks that the manifest did not
  /// change while it read, and starts again if it did.
  @discardableResult
  func materialize(progress: ((Int) -> Void)? = nil) throws(VectorError) -> CollectionData {
    if let data { return data }
    if !readOnly {
      removeOrphanFiles()
      return try materializeOnce(progress: progress)
    }
    var attempts = 0
    while true {
      attempts += 1
      let before = manifest
      do {
        let data = try materializeOnce(progress: progress)
        let after = try Self.readManifest(manifestPath)
        if after.checkpoint == before.checkpoint && after.segments == before.segments { return data }
        self.data = nil
        manifest = after
      } catch {
        // A file vanished or changed under us because a writer flushed: retry from its new manifest.
        guard attempts < 5, let after = try? Self.readManifest(manifestPath),
          after.checkpoint != before.checkpoint || after.segments != before.segments
        else { throw error }
        self.data = nil
        manifest = after
      }
      if attempts >= 5 {
        throw .io("the collection \(layout.schema.name) kept changing while it was read; try again")
      }
    }
  }

  private func materializeOnce(progress: ((Int) -> Void)?) throws(VectorError) -> CollectionData {
    let data = CollectionData()
    data.lastSequence = manifest.checkpoint
    data.nextAutoID = manifest.nextAutoID
    let total = max(manifest.segments.count, 1)
    for (offset, entry) in manifest.segments.enumerated() {
      let segment = try readSegment(entry)
      data.segments.append(segment)
      for row in 0..<segment.count where !segment.deleted[row] {
        data.primaryIndex[segment.primaryKeys[row]] = RowLocation(segment: segment, row: row)
      }
      progress?((offset + 1) * 90 / total)
    }
    let path = logPath
    let readOnly = readOnly
    if readOnly && !FileManager.default.fileExists(atPath: path) {
      // A store that never logged a write has no log to replay.
    } else {
      let opened = try StorageCall.run { try WriteAheadLog.open(path: path, readOnly: readOnly) }
      log = opened.log
      self.data = data
      do {
        for (index, record) in opened.records.enumerated() {
          try replay(record, into: data)
          if index % 1024 == 0 { progress?(90 + index * 10 / max(opened.records.count, 1)) }
        }
      } catch {
        self.data = nil
        log = nil
        throw error
      }
    }
    self.data = data
    progress?(100)
    if !readOnly, data.growingRows > 0 || data.segments.contains(where: \.deletionsDirty) {
      try flush()
    }
    return data
  }

  private func readSegment(_ entry: Manifest.SegmentEntry) throws(VectorError) -> Segment {
    let path = segmentPath(entry.id)
    let bytes = try StorageCall.run { try ChecksummedFile.read(kind: .segment, from: path) }
    let segment: Segment
    do {
      segment = try BinaryReader.decode(bytes) { raw throws(BinaryReader.Malformed) in
        try Segment.decode(raw, id: entry.id, layout: layout)
      }
    } catch {
      throw .corrupt("corrupt file \(path): \(error.reason) at byte \(error.offset)")
    }
    guard segment.count == entry.rows, segment.partition == entry.partition else {
      throw .corrupt(
        "corrupt file \(path): it holds \(segment.count) rows of partition \(segment.partition), the manifest says \(entry.rows) of \(entry.partition)"
      )
    }
    let deletions = deletionsPath(entry.id)
    if FileManager.default.fileExists(atPath: deletions) {
      let bytes = try StorageCall.run { try ChecksummedFile.read(kind: .deletions, from: deletions) }
      do {
        try BinaryReader.decode(bytes) { raw throws(BinaryReader.Malformed) in try segment.applyDeletions(raw) }
      } catch {
        throw .corrupt("corrupt file \(deletions): \(error.reason)")
      }
    }
    // Deletions only accumulate: the file may be ahead of the manifest, never behind it.
    guard segment.deletedCount >= entry.deleted else {
      throw .corrupt(
        "corrupt file \(deletions): it deletes \(segment.deletedCount) rows, the manifest says \(entry.deleted)")
    }
    return segment
  }

  // MARK: - Log records

  private enum Operation: UInt8 {
    case insert = 1
    case delete = 2
    case upsert = 3
  }

  private func encodeRecord(
    sequence: UInt64, operation: Operation, partition: String, rows: [NormalizedRow], keys: [PrimaryKey]
  ) -> Data {
    var writer = BinaryWriter(
      capacity: 64 + rows.count * (32 + layout.vectorFields.reduce(0) { $0 + ($1.dim ?? 0) * 4 }))
    writer.write(sequence)
    writer.write(operation.rawValue)
    writer.write(partition)
    if operation == .delete {
      writer.write(UInt32(keys.count))
      for key in keys { writer.write(key) }
    } else {
      writer.write(UInt32(rows.count))
      for row in rows {
        writer.write(row.primaryKey)
        for vector in row.vectors { vector.withUnsafeBufferPointer { writer.write(floats: $0) } }
        for value in row.scalars { writer.write(value) }
        writer.write(row.dynamic)
      }
    }
    return Data(writer.bytes)
  }

  private func replay(_ record: Data, into data: CollectionData) throws(VectorError) {
    let path = logPath
    let layout = layout
    do {
      try BinaryReader.decode(record) { raw throws(BinaryReader.Malformed) in
        var reader = BinaryReader(raw)
        let sequence = try reader.read(UInt64.self)
        guard sequence > data.lastSequence else { return }  // already in a sealed segment
        guard let operation = Operation(rawValue: try reader.readByte()) else {
          throw .init(offset: 8, reason: "unknown operation")
        }
        let partition = try reader.readString()
        let count = try reader.readCount()
        if operation == .delete {
          var keys: [PrimaryKey] = []
          for _ in 0..<count { keys.append(try reader.readPrimaryKey()) }
          applyDelete(keys, in: data)
        } else {
          var rows: [NormalizedRow] = []
          rows.reserveCapacity(count)
          for _ in 0..<count {
            let key = try reader.readPrimaryKey()
            var vectors: [[Float]] = []
            for field in layout.vectorFields {
              var vector = ContiguousArray<Float>()
              try reader.readFloats(count: field.dim ?? 0, into: &vector)
              vectors.append(Array(vector))
            }
            var scalars: [Value] = []
            for _ in layout.scalarFields { scalars.append(try reader.readValue()) }
            rows.append(
              NormalizedRow(primaryKey: key, vectors: vectors, scalars: scalars, dynamic: try reader.readValue()))
            if case .int(let id) = key, layout.primary.autoID { data.nextAutoID = max(data.nextAutoID, id &+ 1) }
          }
          if operation == .upsert { applyDelete(rows.map(\.primaryKey), in: data) }
          // A partition dropped after this record was logged no longer takes its rows.
          if manifest.partitions.contains(partition) { applyInsert(rows, partition: partition, in: data) }
        }
        data.lastSequence = sequence
      }
    } catch {
      throw .corrupt("corrupt file \(path): a log record does not decode (\(error.reason))")
    }
  }

  private func growingSegment(for partition: String, in data: CollectionData) -> Segment {
    if let segment = data.growing[partition] { return segment }
    let segment = Segment(id: manifest.nextSegmentID, partition: partition, layout: layout)
    manifest.nextSegmentID += 1
    data.growing[partition] = segment
    data.segments.append(segment)
    return segment
  }

  private func applyInsert(_ rows: [NormalizedRow], partition: String, in data: CollectionData) {
    let segment = growingSegment(for: partition, in: data)
    for row in rows {
      if let old = data.primaryIndex[row.primaryKey] { old.segment.markDeleted(old.row) }
      data.primaryIndex[row.primaryKey] = RowLocation(segment: segment, row: segment.count)
      segment.append(row)
    }
    data.growingRows += rows.count
  }

  @discardableResult
  private func applyDelete(_ keys: [PrimaryKey], in data: CollectionData) -> Int {
    var deleted = 0
    for key in keys {
      guard let location = data.primaryIndex.removeValue(forKey: key) else { continue }
      if location.segment.markDeleted(location.row) { deleted += 1 }
    }
    return deleted
  }

  private func appendToLog(_ record: Data) throws(VectorError) {
    guard let log else { throw .internal("the collection's log is not open") }
    try StorageCall.run { try log.append(record) }
  }

  // MARK: - Writes

  /// Validates rows against the schema: types, dims, lengths, nullability, dynamic keys, auto ids.
  private func normalize(_ rows: [Row], generateIDs: Bool, data: CollectionData) throws(VectorError)
    -> [NormalizedRow]
  {
    var result: [NormalizedRow] = []
    result.reserveCapacity(rows.count)
    let primary = layout.primary
    var nextAutoID = data.nextAutoID
    for (offset, row) in rows.enumerated() {
      func fail(_ error: VectorError) -> VectorError {
        rows.count == 1 ? error : .invalidArgument("row \(offset + 1): \(error)")
      }
      let key: PrimaryKey
      if generateIDs && primary.autoID {
        if row[primary.name] != nil {
          throw fail(.invalidArgument("the primary key field \(primary.name) is auto_id, do not supply it"))
        }
        key = .int(nextAutoID)
        nextAutoID += 1
      } else {
        guard let given = row[primary.name], !given.isNull else {
          throw fail(.invalidArgument("the primary key field \(primary.name) is missing"))
        }
        switch try Self.coerce(given, primary, fail) {
        case .int(let number): key = .int(number)
        case .string(let text): key = .string(text)
        default: throw fail(.invalidArgument("the primary key must be Int64 or VarChar"))
        }
      }
      var vectors: [[Float]] = []
      for field in layout.vectorFields {
        guard let given = row[field.name] else {
          throw fail(.invalidArgument("the vector field \(field.name) is missing"))
        }
        guard case .floatVector(let vector) = try Self.coerce(given, field, fail) else {
          throw fail(.invalidArgument("field \(field.name) needs a vector"))
        }
        vectors.append(vector)
      }
      var scalars: [Value] = []
      for field in layout.scalarFields {
        guard let given = row[field.name] else {
          if let defaultValue = field.defaultValue {
            scalars.append(defaultValue)
          } else if field.nullable {
            scalars.append(.null)
          } else {
            throw fail(
              .invalidArgument(
                "insert missed the field \(field.name), which is neither nullable nor has a default value"))
          }
          continue
        }
        scalars.append(try Self.coerce(given, field, fail))
      }
      var dynamic: [String: JSONValue] = [:]
      for (name, value) in row where layout.schema.field(named: name) == nil {
        if name == CollectionSchema.dynamicFieldName, case .json(.object(let members)) = value,
          layout.hasDynamicField
        {
          dynamic.merge(members) { current, _ in current }
          continue
        }
        guard layout.hasDynamicField else {
          throw fail(
            .invalidArgument(
              "field \(name) is not in the schema of collection \(layout.schema.name), and its dynamic field is off"))
        }
        dynamic[name] = value.jsonValue
      }
      result.append(
        NormalizedRow(
          primaryKey: key, vectors: vectors, scalars: scalars,
          dynamic: dynamic.isEmpty ? .null : .json(.object(dynamic))
        ))
    }
    data.nextAutoID = nextAutoID
    return result
  }

  private static func coerce(
    _ value: Value, _ field: FieldSchema, _ fail: (VectorError) -> VectorError
  ) throws(VectorError) -> Value {
    do {
      return try FieldSchema.coerce(value, to: field)
    } catch {
      throw fail(error)
    }
  }

  private func checkPartition(_ partition: String?) throws(VectorError) -> String {
    let name = partition ?? PartitionInfo.defaultName
    guard manifest.partitions.contains(name) else {
      throw .partitionNotFound(collection: layout.schema.name, partition: name)
    }
    return name
  }

  func insert(_ rows: [Row], partition: String?) throws(VectorError) -> MutationResult {
    try requireWritable()
    let partition = try checkPartition(partition)
    let data = try materialize()
    let normalized = try normalize(rows, generateIDs: true, data: data)
    var seen = Set<PrimaryKey>()
    for row in normalized {
      guard seen.insert(row.primaryKey).inserted else {
        throw .invalidArgument("duplicate primary key \(row.primaryKey) in one insert")
      }
      if data.primaryIndex[row.primaryKey] != nil {
        throw .invalidArgument(
          "an entity with primary key \(row.primaryKey) already exists; use upsert to replace it")
      }
    }
    guard !normalized.isEmpty else { return MutationResult(ids: []) }
    let sequence = data.lastSequence + 1
    try appendToLog(
      encodeRecord(sequence: sequence, operation: .insert, partition: partition, rows: normalized, keys: []))
    data.lastSequence = sequence
    applyInsert(normalized, partition: partition, in: data)
    flushIfLarge(data)
    return MutationResult(ids: normalized.map(\.primaryKey), insertCount: normalized.count)
  }

  func upsert(_ rows: [Row], partition: String?) throws(VectorError) -> MutationResult {
    try requireWritable()
    let partition = try checkPartition(partition)
    let data = try materialize()
    let normalized = try normalize(rows, generateIDs: false, data: data)
    var seen = Set<PrimaryKey>()
    for row in normalized where !seen.insert(row.primaryKey).inserted {
      throw .invalidArgument("duplicate primary key \(row.primaryKey) in one upsert")
    }
    guard !normalized.isEmpty else { return MutationResult(ids: []) }
    let sequence = data.lastSequence + 1
    try appendToLog(
      encodeRecord(sequence: sequence, operation: .upsert, partition: partition, rows: normalized, keys: []))
    data.lastSequence = sequence
    applyDelete(normalized.map(\.primaryKey), in: data)
    applyInsert(normalized, partition: partition, in: data)
    flushIfLarge(data)
    return MutationResult(ids: normalized.map(\.primaryKey), upsertCount: normalized.count)
  }

  func delete(ids: [PrimaryKey], partition: String?) throws(VectorError) -> MutationResult {
    try requireWritable()
    let data = try materialize()
    let partitionName = try partition.map { name throws(VectorError) in try checkPartition(name) }
    var keys: [PrimaryKey] = []
    var seen = Set<PrimaryKey>()
    for key in ids where seen.insert(key).inserted {
      guard let location = data.primaryIndex[key] else { continue }
      if let partitionName, location.segment.partition != partitionName { continue }
      keys.append(key)
    }
    guard !keys.isEmpty else { return MutationResult(ids: [], deleteCount: 0) }
    let sequence = data.lastSequence + 1
    try appendToLog(encodeRecord(sequence: sequence, operation: .delete, partition: "", rows: [], keys: keys))
    data.lastSequence = sequence
    let deleted = applyDelete(keys, in: data)
    flushIfLarge(data)
    return MutationResult(ids: keys, deleteCount: deleted)
  }

  func delete(filter: String, partition: String?) throws(VectorError) -> MutationResult {
    try requireWritable()
    guard !filter.allSatisfy(\.isWhitespace) else {
      throw .invalidArgument(
        "the delete filter is empty; refusing to delete every entity (drop the collection instead)")
    }
    let partitions = try partition.map { name throws(VectorError) in [try checkPartition(name)] } ?? []
    let keys = try matchingRows(filter: filter, partitions: partitions).map { $0.segment.primaryKeys[$0.row] }
    return try delete(ids: keys, partition: partition)
  }

  /// Flushes when the growing rows or the log are large. The write before it is already durable
  /// and applied, so a failure here is not the write's failure: the next flush tries again.
  private func flushIfLarge(_ data: CollectionData) {
    if data.growingRows >= flushRowThreshold || (log?.byteSize ?? 0) >= Self.flushByteThreshold {
      try? flush()
    }
  }

  /// Seals growing rows and deletions into files, commits the manifest, and empties the log.
  ///
  /// In-memory state changes only after the manifest is committed, so a flush that fails part-way
  /// (a full disk) leaves everything as it was: the rows stay in the log and growing segments.
  func flush() throws(VectorError) {
    guard !readOnly, let data else { return }
    let sealing = data.segments.filter { !$0.isSealed && $0.count > 0 }
    for segment in sealing {
      let path = segmentPath(segment.id)
      let bytes = Data(segment.encode(layout: layout))
      try StorageCall.run { try ChecksummedFile.write(bytes, kind: .segment, to: path) }
    }
    let deletionsToWrite = data.segments.filter {
      ($0.isSealed && $0.deletionsDirty) || (!$0.isSealed && $0.count > 0 && $0.deletedCount > 0)
    }
    for segment in deletionsToWrite {
      let path = deletionsPath(segment.id)
      let bytes = Data(segment.encodeDeletions())
      try StorageCall.run { try ChecksummedFile.write(bytes, kind: .deletions, to: path) }
    }
    var committed = manifest
    committed.segments = data.segments.filter { $0.count > 0 }.map {
      Manifest.SegmentEntry(id: $0.id, partition: $0.partition, rows: $0.count, deleted: $0.deletedCount)
    }
    committed.checkpoint = data.lastSequence
    committed.nextAutoID = max(committed.nextAutoID, data.nextAutoID)
    let previous = manifest
    manifest = committed
    do {
      try writeManifest()
    } catch {
      manifest = previous
      throw error
    }
    // Committed: the in-memory view catches up.
    for segment in sealing { segment.isSealed = true }
    for segment in deletionsToWrite { segment.deletionsDirty = false }
    data.segments.removeAll { !$0.isSealed }
    data.growing = [:]
    data.growingRows = 0
    // The checkpoint makes the old records harmless, so a failed reset loses nothing.
    if let log { try StorageCall.run { try log.reset() } }
    removeOrphanFiles()
  }

  /// Deletes segment and index files that no manifest entry names (left by a crash between writing
  /// a file and committing the manifest, or by a dropped index).
  func removeOrphanFiles() {
    let live = Set(manifest.segments.map(\.id))
    var removed = false
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
    for name in names where name.hasPrefix("seg-") {
      let idText = name.dropFirst(4).prefix { $0.isNumber }
      if let id = Int(idText), !live.contains(id) {
        try? FileManager.default.removeItem(atPath: directory + "/" + name)
        removed = true
      }
    }
    for name in orphanIndexFiles(among: names) {
      try? FileManager.default.removeItem(atPath: directory + "/" + name)
      removed = true
    }
    if removed { try? ChecksummedFile.fsyncDirectory(directory) }
  }

  /// Flushes pending rows so that the manifest's counts are exact, and closes the log.
  func close() {
    runningJob?.control.cancel()
    if !readOnly, let data, data.growingRows > 0 || data.segments.contains(where: \.deletionsDirty) {
      try? flush()
    }
    log?.close()
    log = nil
  }

  // MARK: - Partitions, load state, indexes

  func partitions() throws(VectorError) -> [PartitionInfo] {
    var counts: [String: Int] = [:]
    if let data {
      for segment in data.segments { counts[segment.partition, default: 0] += segment.liveCount }
    } else {
      for entry in manifest.segments { counts[entry.partition, default: 0] += entry.rows - entry.deleted }
    }
    return manifest.partitions.map { PartitionInfo(name: $0, entityCount: counts[$0] ?? 0) }
  }

  func createPartition(_ name: String) throws(VectorError) {
    try requireWritable()
    try CollectionSchema.validateName(name, what: "partition")
    if layout.schema.partitionKeyField != nil {
      throw .invalidArgument("disable create partition if partition key mode is used")
    }
    guard !manifest.partitions.contains(name) else {
      throw .invalidArgument("partition \(name) already exists in collection \(layout.schema.name)")
    }
    guard manifest.partitions.count < 1024 else { throw .invalidArgument("a collection has at most 1024 partitions") }
    manifest.partitions.append(name)
    try writeManifest()
  }

  func dropPartition(_ name: String) throws(VectorError) {
    try requireWritable()
    guard name != PartitionInfo.defaultName else { throw .invalidArgument("default partition cannot be deleted") }
    guard manifest.partitions.contains(name) else {
      throw .partitionNotFound(collection: layout.schema.name, partition: name)
    }
    let data = try materialize()
    try flush()
    let dropped = data.segments.filter { $0.partition == name }
    for segment in dropped {
      for row in 0..<segment.count where !segment.deleted[row] {
        data.primaryIndex.removeValue(forKey: segment.primaryKeys[row])
      }
    }
    data.segments.removeAll { $0.partition == name }
    manifest.partitions.removeAll { $0 == name }
    manifest.segments.removeAll { $0.partition == name }
    try writeManifest()
    removeOrphanFiles()
  }

  var entityCount: Int {
    if let data { return data.segments.reduce(0) { $0 + $1.liveCount } }
    return manifest.flushedEntityCount
  }

  var loadState: LoadState { manifest.loaded ? .loaded : .notLoad }

  func load(progress: ((Int) -> Void)?) throws(VectorError) {
    try materialize(progress: progress)
    if !manifest.loaded {
      try requireWritable()
      manifest.loaded = true
      try writeManifest()
    }
  }

  func release() throws(VectorError) {
    try requireWritable()
    if data != nil { try flush() }
    manifest.loaded = false
    try writeManifest()
    log?.close()
    log = nil
    data = nil
  }

  func rename(to newName: String, directory newDirectory: String) throws(VectorError) -> Collection {
    var manifest = manifest
    manifest.schema.name = newName
    let renamed = try Collection(directory: newDirectory, readOnly: readOnly, manifest: manifest)
    try renamed.writeManifest()
    return renamed
  }

  // MARK: - Reads

  private func requireLoaded() throws(VectorError) -> CollectionData {
    guard manifest.loaded else { throw .collectionNotLoaded(layout.schema.name) }
    return try materialize()
  }

  private func compileFilter(_ text: String) throws(VectorError) -> CompiledFilter? {
    try compileFilterAndKeyBound(text).filter
  }

  /// The compiled filter (nil: it matches everything), and the lower bound it puts on the primary
  /// key when a conjunct of its top-level `and`s is `pk > literal`, `pk >= literal` or a range.
  private func compileFilterAndKeyBound(_ text: String) throws(VectorError) -> (
    filter: CompiledFilter?, keyBound: (key: PrimaryKey, inclusive: Bool)?
  ) {
    let expression: FilterExpression
    let filter: CompiledFilter
    do {
      expression = try FilterExpression.parse(text, schema: layout.schema)
      filter = try CompiledFilter(expression, schema: layout.schema)
    } catch {
      throw .filter(error)
    }
    let primary = layout.schema.primaryField?.name
    var bound: (key: PrimaryKey, inclusive: Bool)?
    var pending = expression.root.map { [$0] } ?? []
    while let node = pending.popLast() {
      var candidate: (key: PrimaryKey, inclusive: Bool)?
      switch node {
      case .binary(.and, let lhs, let rhs, _):
        pending += [lhs, rhs]
      case .binary(let op, .field(let path), .literal(let literal, _), _)
      where path.name == primary && path.path.isEmpty && (op == .greater || op == .greaterOrEqual):
        candidate = Self.primaryKey(literal).map { ($0, op == .greaterOrEqual) }
      case .binary(let op, .literal(let literal, _), .field(let path), _)
      where path.name == primary && path.path.isEmpty && (op == .less || op == .lessOrEqual):
        candidate = Self.primaryKey(literal).map { ($0, op == .lessOrEqual) }
      case .range(.literal(let literal, _), let inclusive, let path, _, _, _)
      where path.name == primary && path.path.isEmpty:
        candidate = Self.primaryKey(literal).map { ($0, inclusive) }
      default:
        break
      }
      // The tightest of several bounds.
      if let candidate,
        bound.map({ candidate.key > $0.key || (candidate.key == $0.key && !candidate.inclusive) }) ?? true
      {
        bound = candidate
      }
    }
    return (filter.matchesEverything ? nil : filter, bound)
  }

  /// A primary-key literal as the key it bounds; nil for a float, which an integer key cannot equal.
  private static func primaryKey(_ literal: FilterLiteral) -> PrimaryKey? {
    switch literal {
    case .int(let value): return .int(value)
    case .string(let value): return .string(value)
    default: return nil
    }
  }

  /// The segments to read: those of the named partitions, or all.
  private func segments(in partitions: [String], data: CollectionData) throws(VectorError) -> [Segment] {
    guard !partitions.isEmpty else { return data.segments }
    for name in partitions where !manifest.partitions.contains(name) {
      throw .partitionNotFound(collection: layout.schema.name, partition: name)
    }
    let wanted = Set(partitions)
    return data.segments.filter { wanted.contains($0.partition) }
  }

  /// A reader for one row's fields in the filter's slot order.
  private func slotReader(_ filter: CompiledFilter) -> [(Segment, Int) -> Value] {
    let layout = layout
    return filter.fieldSlots.map { name -> (Segment, Int) -> Value in
      if name == layout.primary.name { return { $0.primaryKeys[$1].value } }
      if let column = layout.scalarColumn(name) { return { $0.scalars[column][$1] } }
      if name == CollectionSchema.dynamicFieldName { return { $0.dynamic[$1] } }
      if let column = layout.vectorColumn(name) { return { .floatVector($0.vector(column: column, row: $1)) } }
      return { _, _ in .null }
    }
  }

  /// The live rows of a sealed segment as a bitset, kept until its next delete.
  private func liveRows(_ segment: Segment) -> RowBitset {
    if let cached = liveRowCache[segment.id], cached.deleted == segment.deletedCount { return cached.rows }
    let rows = RowBitset(segment.deleted.map { !$0 })
    liveRowCache[segment.id] = (segment.deletedCount, rows)
    return rows
  }

  /// Which rows of `segment` are live and pass the filter.
  private func allowedRows(_ segment: Segment, filter: CompiledFilter?, readers: [(Segment, Int) -> Value]) -> [Bool] {
    var allowed = segment.deleted.map { !$0 }
    guard let filter else { return allowed }
    for row in 0..<segment.count where allowed[row] {
      allowed[row] = filter.matches { readers[$0](segment, row) }
    }
    return allowed
  }

  private func matchingRows(filter text: String, partitions: [String]) throws(VectorError) -> [RowLocation] {
    let data = try materialize()
    let filter = try compileFilter(text)
    let readers = filter.map(slotReader) ?? []
    var result: [RowLocation] = []
    for segment in try segments(in: partitions, data: data) {
      let allowed = allowedRows(segment, filter: filter, readers: readers)
      for row in 0..<segment.count where allowed[row] { result.append(RowLocation(segment: segment, row: row)) }
    }
    return result
  }

  /// Resolves output field names: `*` is every field, unknown names are dynamic keys when allowed.
  private func outputPlan(_ names: [String]) throws(VectorError) -> (fields: [String], allDynamic: Bool) {
    var fields: [String] = []
    var allDynamic = false
    for name in names {
      let trimmed = name.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty { continue }
      if trimmed == "*" {
        fields.append(contentsOf: layout.schema.fields.map(\.name))
        allDynamic = layout.hasDynamicField
      } else if layout.schema.field(named: trimmed) != nil || trimmed == CollectionSchema.dynamicFieldName {
        fields.append(trimmed)
      } else if layout.hasDynamicField {
        fields.append(trimmed)
      } else {
        throw .invalidArgument("field \(trimmed) not exist")
      }
    }
    var seen = Set<String>()
    fields = fields.filter { seen.insert($0).inserted }
    if !fields.contains(layout.primary.name) { fields.insert(layout.primary.name, at: 0) }
    return (fields, allDynamic)
  }

  private func outputRow(_ segment: Segment, _ row: Int, plan: (fields: [String], allDynamic: Bool)) -> Row {
    var result: Row = [:]
    let dynamic = segment.dynamic[row]
    for name in plan.fields {
      if layout.schema.field(named: name) != nil || name == CollectionSchema.dynamicFieldName {
        result[name] = segment.value(field: name, row: row, layout: layout)
      } else if case .json(let object) = dynamic, let member = object[name] {
        result[name] = Value(json: member)
      }
    }
    if plan.allDynamic, case .json(.object(let members)) = dynamic {
      for (key, member) in members where result[key] == nil { result[key] = Value(json: member) }
    }
    return result
  }

  func query(_ request: QueryRequest) throws(VectorError) -> [Row] {
    let data = try requireLoaded()
    let trimmedOutputs = request.outputFields.map { $0.replacingOccurrences(of: " ", with: "").lowercased() }
    if trimmedOutputs.contains("count(*)") {
      guard request.outputFields.count == 1 else {
        throw .invalidArgument("count entities with pagination or other output fields is not allowed")
      }
      return [["count(*)": .int(Int64(try count(filter: request.filter, partitions: request.partitions)))]]
    }
    if request.filter.trimmingCharacters(in: .whitespaces).isEmpty && request.limit == nil {
      throw .invalidArgument("empty expression should be used with limit")
    }
    if let limit = request.limit, limit < 1 || limit > 16384 {
      throw .invalidArgument("limit should be in range [1, 16384], but got \(limit)")
    }
    guard request.offset >= 0 else { throw .invalidArgument("offset should be non-negative, got \(request.offset)") }
    let plan = try outputPlan(request.outputFields)
    let (filter, keyBound) = try compileFilterAndKeyBound(request.filter)
    let readers = filter.map(slotReader) ?? []
    let segments = try segments(in: request.partitions, data: data)
    guard let limit = request.limit else {
      var skipped = 0
      var rows: [Row] = []
      for segment in segments {
        for row in 0..<segment.count where !segment.deleted[row] {
          if let filter, !filter.matches({ readers[$0](segment, row) }) { continue }
          if skipped < request.offset {
            skipped += 1
            continue
          }
          rows.append(outputRow(segment, row, plan: plan))
        }
      }
      return rows
    }
    // As Milvus (its segments keep a primary-key-ordered map and the reduce merges by key), a
    // query with a limit returns the matches with the smallest primary keys, in key order:
    // keyset paging (`pk > last`, as pymilvus's QueryIterator and EntityPager do) relies on it.
    // Each segment is walked in key order from the filter's lower bound on the primary key, if it
    // has one, and gives at most `offset + limit` matches, so a page costs what it returns, not
    // what the collection holds.
    let wanted = request.offset + limit
    var smallest = SmallestKeys(capacity: wanted)
    for (index, segment) in segments.enumerated() {
      let order = segment.rowsInKeyOrder()
      var position = 0
      if let keyBound {
        let keys = segment.primaryKeys
        var (low, high) = (0, order.count)
        while low < high {
          let middle = (low + high) / 2
          let key = keys[Int(order[middle])]
          if key < keyBound.key || (key == keyBound.key && !keyBound.inclusive) {
            low = middle + 1
          } else {
            high = middle
          }
        }
        position = low
      }
      var found = 0
      while position < order.count, found < wanted {
        let row = Int(order[position])
        position += 1
        if segment.deleted[row] { continue }
        if let filter, !filter.matches({ readers[$0](segment, row) }) { continue }
        smallest.offer(segment.primaryKeys[row], segment: index, row: row)
        found += 1
      }
    }
    return smallest.sorted().dropFirst(request.offset).map { outputRow(segments[$0.segment], $0.row, plan: plan) }
  }

  func count(filter: String, partitions: [String]) throws(VectorError) -> Int {
    let data = try requireLoaded()
    if filter.allSatisfy(\.isWhitespace) {
      return try segments(in: partitions, data: data).reduce(0) { $0 + $1.liveCount }
    }
    return try matchingRows(filter: filter, partitions: partitions).count
  }

  func get(ids: [PrimaryKey], outputFields: [String]) throws(VectorError) -> [Row] {
    let data = try requireLoaded()
    let plan = try outputPlan(outputFields)
    return ids.compactMap { key in
      data.primaryIndex[key].map { outputRow($0.segment, $0.row, plan: plan) }
    }
  }

  /// Searches the collection; `exact` ranks every allowed row by a FLAT scan, ignoring the
  /// indexes (the recall meter's exact search), with the metric the index search would use.
  func search(_ request: SearchRequest, exact: Bool = false) throws(VectorError) -> [[SearchHit]] {
    let data = try requireLoaded()
    let field: FieldSchema
    if let name = request.vectorField {
      guard let named = layout.schema.field(named: name), named.type == .floatVector else {
        throw .invalidArgument("field \(name) is not a vector field of collection \(layout.schema.name)")
      }
      field = named
    } else {
      guard layout.vectorFields.count == 1, let only = layout.vectorFields.first else {
        throw .invalidArgument(
          "collection \(layout.schema.name) has several vector fields (\(layout.vectorFields.map(\.name).joined(separator: ", "))); name the one to search"
        )
      }
      field = only
    }
    let column = layout.vectorColumn(field.name)!
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
    let index = manifest.indexes.first { $0.fieldName == field.name }
    let metric: Metric
    switch (index?.metric, request.metric) {
    case (let indexed?, let asked?) where indexed != asked:
      throw .invalidArgument(
        "metric type not match: invalid parameter[expected=\(indexed.rawValue)][actual=\(asked.rawValue)]")
    case (let indexed?, _): metric = indexed
    case (nil, let asked?): metric = asked
    case (nil, nil): metric = .cosine
    }
    guard (1...16384).contains(request.topK) else {
      throw .invalidArgument("topk [\(request.topK)] is invalid, it should be in range [1, 16384]")
    }
    guard request.offset >= 0, request.topK + request.offset <= 16384 else {
      throw .invalidArgument("topk + offset should be in range [1, 16384], but got \(request.topK + request.offset)")
    }
    let plan = try outputPlan(request.outputFields)
    let filter = try compileFilter(request.filter)
    let readers = filter.map(slotReader) ?? []
    let segments = try segments(in: request.partitions, data: data)
    let k = request.topK + request.offset
    let ranked = try rankedCandidates(
      request, segments: segments, field: field, column: column, metric: metric, index: index, filter: filter,
      readers: readers, k: k, exact: exact)
    return ranked.map { candidates in
      candidates.dropFirst(request.offset).map { candidate in
        let segment = segments[Int(candidate.segment)]
        let row = Int(candidate.row)
        return SearchHit(
          id: segment.primaryKeys[row], distance: candidate.distance,
          fields: outputRow(segment, row, plan: plan).filter {
            $0.key != layout.primary.name || request.outputFields.contains($0.key)
          })
      }
    }
  }

  /// The best `k` rows per query over `segments`: sealed segments with an ANN index are searched
  /// through it, the rest (growing and small segments, and those whose filter keeps under a tenth
  /// of the rows, where an index walk loses recall) exactly; the lists are merged by score, then
  /// by primary key.
  private func rankedCandidates(
    _ request: SearchRequest, segments: [Segment], field: FieldSchema, column: Int, metric: Metric,
    index: IndexSpec?, filter: CompiledFilter?, readers: [(Segment, Int) -> Value], k: Int, exact: Bool = false
  ) throws(VectorError) -> [[Candidate]] {
    let dim = field.dim ?? 0
    let indexPlan: IndexPlan = exact ? .flat : index.flatMap { plan(of: $0) } ?? .flat
    let knobs = try indexPlan.searchParams(request.params, topK: request.topK)
    var exactSegments: [Int] = []
    var exactMasks: [[Bool]] = []
    var indexed: [(segment: Int, index: any VectorIndex, allowed: RowBitset?)] = []
    for (position, segment) in segments.enumerated() {
      var segmentIndex: (any VectorIndex)?
      if indexPlan != .flat, let spec = index {
        segmentIndex = self.segmentIndex(spec, segment: segment, column: column)
      }
      // Unfiltered searches through an index build no per-row mask: the hot path stays O(ef), not O(rows).
      if let segmentIndex, filter == nil, segment.liveCount * 10 >= segment.count {
        indexed.append((position, segmentIndex, segment.deletedCount == 0 ? nil : liveRows(segment)))
        continue
      }
      let mask = allowedRows(segment, filter: filter, readers: readers)
      if let segmentIndex {
        let allowedCount = mask.reduce(0) { $1 ? $0 + 1 : $0 }
        if allowedCount * 10 >= segment.count {
          let allowed = allowedCount == segment.count ? nil : RowBitset(mask)
          indexed.append((position, segmentIndex, allowed))
          continue
        }
      }
      exactSegments.append(position)
      exactMasks.append(mask)
    }
    let scan = FlatScan(
      segments: exactSegments.map { segments[$0] }, masks: exactMasks, column: column, dim: dim, metric: metric, k: k)
    var results = scan.run(queries: request.vectors).map { list in
      list.map { candidate in
        var global = candidate
        global.segment = Int32(exactSegments[Int(candidate.segment)])
        return global
      }
    }
    guard !indexed.isEmpty else { return results }
    let queries =
      metric == .cosine
      ? request.vectors.map { vector in
        let norm = vector.withUnsafeBufferPointer { Distance.norm($0.baseAddress!, count: dim) }
        return norm > 0 ? vector.map { $0 / norm } : vector
      } : request.vectors
    let tasks = queries.count * indexed.count
    var found = [[IndexHit]](repeating: [], count: tasks)
    let work = UncheckedSendable(indexed)
    found.withUnsafeMutableBufferPointer { buffer in
      // Each task writes only its own slot; indexes are immutable and safe to search concurrently.
      let slots = UncheckedSendable(buffer)
      DispatchQueue.concurrentPerform(iterations: tasks) { task in
        let entry = work.value[task % work.value.count]
        slots.value[task] = queries[task / work.value.count].withUnsafeBufferPointer {
          entry.index.search($0.baseAddress!, k: k, params: knobs, allowed: entry.allowed)
        }
      }
    }
    let isBetter: (Candidate, Candidate) -> Bool = { a, b in
      if a.score != b.score { return a.score < b.score }
      return segments[Int(a.segment)].primaryKeys[Int(a.row)] < segments[Int(b.segment)].primaryKeys[Int(b.row)]
    }
    for query in queries.indices {
      for (slot, entry) in indexed.enumerated() {
        for hit in found[query * indexed.count + slot] {
          let distance = metric == .l2 ? hit.score : -hit.score
          results[query].append(
            Candidate(distance: distance, score: hit.score, segment: Int32(entry.segment), row: hit.row))
        }
      }
      results[query].sort(by: isBetter)
      if results[query].count > k { results[query].removeLast(results[query].count - k) }
    }
    return results
  }
}

/// Turns storage-layer errors into the backend's errors (they already name the file).
enum StorageCall {
  static func run<T>(_ body: () throws -> T) throws(VectorError) -> T {
    do {
      return try body()
    } catch let error as StorageError {
      switch error {
      case .locked: throw .locked(error.description)
      case .corrupt, .unsupportedVersion: throw .corrupt(error.description)
      case .recordTooLarge: throw .invalidArgument(error.description + "; write fewer or smaller entities at once")
      default: throw .io(error.description)
      }
    } catch let error as VectorError {
      throw error
    } catch {
      throw .io("\(error)")
    }
  }
}

/// The `capacity` smallest primary keys offered, kept in a max-heap: what a query with a limit returns.
private struct SmallestKeys {
  struct Entry {
    var key: PrimaryKey
    var segment: Int
    var row: Int
  }

  let capacity: Int
  private var heap: [Entry] = []

  init(capacity: Int) { self.capacity = capacity }

  /// Keeps the row when its key is among the smallest seen so far.
  mutating func offer(_ key: PrimaryKey, segment: Int, row: Int) {
    if heap.count < capacity {
      heap.append(Entry(key: key, segment: segment, row: row))
      siftUp(heap.count - 1)
    } else if capacity > 0, key < heap[0].key {
      heap[0] = Entry(key: key, segment: segment, row: row)
      siftDown(0)
    }
  }

  /// The kept rows in ascending key order.
  func sorted() -> [Entry] { heap.sorted { $0.key < $1.key } }

  private mutating func siftUp(_ start: Int) {
    var child = start
    while child > 0 {
      let parent = (child - 1) / 2
      guard heap[parent].key < heap[child].key else { return }
      heap.swapAt(parent, child)
      child = parent
    }
  }

  private mutating func siftDown(_ start: Int) {
    var parent = start
    while true {
      var largest = parent
      let left = 2 * parent + 1
      let right = left + 1
      if left < heap.count, heap[largest].key < heap[left].key { largest = left }
      if right < heap.count, heap[largest].key < heap[right].key { largest = right }
      if largest == parent { return }
      heap.swapAt(parent, largest)
      parent = largest
    }
  }
}
