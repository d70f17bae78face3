import ArgumentParser
import Engine
import Foundation
import MilvusAdapter
import Model
import TUI

/// `vscope copy SRC DST`: a collection's schema, rows and indexes from one backend to another.
struct CopyCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "copy",
    abstract: "Copy a collection (schema, rows, indexes) between the embedded store and Milvus.",
    discussion: """
      SRC and DST name a collection on a backend:
        embedded:NAME              the embedded store (--data DIR, else the default store)
        embedded:/path/to/store:NAME   an embedded store in another directory
        milvus://host:port[/db]/NAME   a Milvus server (http://, https:// too; --token, --tls-ca)
        CONNECTION:NAME            a saved connection ([[connections]] in the config file)

      DST is created with SRC's schema when missing; when it exists its schema must match. An auto_id \
      primary key is created on DST without auto_id, so that the keys are copied as data and kept. Rows \
      are read in primary-key order (keyset paging, no 16,384 cap) and inserted in batches of --batch. \
      SRC's vector indexes are then created on DST; one the DST backend cannot build is reported and \
      skipped. Finally count(*) of SRC and DST must match.

      Resuming: the copy writes rows in primary-key order, so an interrupted copy leaves DST with a \
      prefix of SRC. Running the same command again finds the largest key in DST, checks that DST \
      holds exactly SRC's rows up to it, and continues after it without duplicating rows. Partitions \
      are not copied: every row goes to DST's default partition.
      """)

  @Argument(
    help:
      "The collection to copy: embedded:NAME, embedded:/dir:NAME, milvus://host:port[/db]/NAME or CONNECTION:NAME.")
  var source: String
  @Argument(help: "Where to copy it, in the same forms.")
  var destination: String

  /// `--data` (the store of `embedded:NAME`), `--token`, `--tls-ca` and `--timeout`.
  @OptionGroup var backend: BackendOptions
  @Option(help: "Rows per read and per insert.") var batch = 1000
  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard (1...16384).contains(batch) else { throw ValidationError("--batch must be in 1…16384") }
    if backend.milvus != nil || backend.db != nil {
      throw ValidationError("copy takes its Milvus servers and databases from SRC and DST, not --milvus or --db")
    }
  }

  func run() async throws {
    let sourceLocation = try CopyLocation(parsing: source, defaultDirectory: backend.data)
    let destinationLocation = try CopyLocation(parsing: destination, defaultDirectory: backend.data)
    if sourceLocation.sameCollection(as: destinationLocation) {
      throw UserError("SRC and DST are the same collection")
    }
    let sourceStore = try sourceLocation.open(writable: false, with: backend)
    let destinationStore: any VectorBackend
    do {
      destinationStore = try destinationLocation.open(writable: true, with: backend)
    } catch {
      await sourceStore.close()
      throw error
    }
    var copier = Copier(
      source: sourceStore, sourceName: sourceLocation.collection, sourceLabel: source,
      destination: destinationStore, destinationName: destinationLocation.collection, destinationLabel: destination,
      batch: batch)
    do {
      let summary = try await copier.run()
      await sourceStore.close()
      await destinationStore.close()
      if output.json {
        Console.printJSON(summary)
      }
    } catch {
      await sourceStore.close()
      await destinationStore.close()
      throw error
    }
  }
}

/// Where one side of a copy is: a backend and a collection name.
struct CopyLocation: Sendable, Equatable {
  enum Store: Sendable, Equatable {
    case embedded(directory: String)
    /// A server; `saved`: named by a saved connection, whose own token is used, never `--token`.
    case milvus(MilvusEndpoint, saved: Bool)
  }

  var store: Store
  var collection: String

  /// Parses `embedded:NAME`, `embedded:/dir:NAME`, `milvus://host:port[/db]/NAME` or
  /// `CONNECTION:NAME`, one of `connections` (nil: the config file's, read when needed).
  init(parsing text: String, defaultDirectory: String?, connections: [SavedConnection]? = nil) throws {
    if text.hasPrefix("embedded:") {
      let rest = String(text.dropFirst("embedded:".count))
      if let colon = rest.lastIndex(of: ":") {
        let directory = String(rest[..<colon])
        guard !directory.isEmpty else { throw UserError("\(text): the store directory is empty") }
        store = .embedded(directory: directory)
        collection = String(rest[rest.index(after: colon)...])
      } else {
        store = .embedded(directory: defaultDirectory ?? EmbeddedBackend.defaultDirectory())
        collection = rest
      }
    } else if let scheme = text.range(of: "://") {
      let afterScheme = text[scheme.upperBound...]
      guard let slash = afterScheme.lastIndex(of: "/") else {
        throw UserError("\(text): name the collection after the address, as milvus://host:port[/db]/NAME")
      }
      collection = String(afterScheme[afterScheme.index(after: slash)...])
      let endpointText = String(text[..<slash])
      do {
        store = .milvus(try MilvusEndpoint(parsing: endpointText), saved: false)
      } catch {
        throw UserError("\(text): \(error)")
      }
    } else if let colon = text.firstIndex(of: ":"), SavedConnections.mayBeName(String(text[..<colon])) {
      let name = String(text[..<colon])
      let saved = connections ?? SavedConnections.load()
      guard let connection = saved.first(where: { $0.name == name }) else {
        let known = saved.isEmpty ? "none is saved" : "saved: " + saved.map(\.name).joined(separator: ", ")
        throw UserError(
          "\(text): no saved connection named \(name) (\(known)); use embedded:NAME, embedded:/path/to/store:NAME, "
            + "milvus://host:port[/db]/NAME or CONNECTION:NAME")
      }
      store = .milvus(try SavedConnections.endpoint(of: connection), saved: true)
      collection = String(text[text.index(after: colon)...])
    } else {
      throw UserError(
        "\(text): use embedded:NAME, embedded:/path/to/store:NAME, milvus://host:port[/db]/NAME or CONNECTION:NAME")
    }
    guard !collection.isEmpty else { throw UserError("\(text): the collection name is empty") }
  }

  /// Whether both sides name the same collection on the same backend.
  func sameCollection(as other: CopyLocation) -> Bool {
    guard collection == other.collection else { return false }
    switch (store, other.store) {
    case (.embedded(let a), .embedded(let b)):
      return URL(fileURLWithPath: a).standardizedFileURL == URL(fileURLWithPath: b).standardizedFileURL
    case (.milvus(let a, _), .milvus(let b, _)):
      return a.address == b.address && (a.database ?? "default") == (b.database ?? "default")
    default: return false
    }
  }

  /// Opens the backend with a command line's token (not for a saved connection, which has its
  /// own), CA file and timeout; an embedded store read-only unless `writable`, Milvus with strong
  /// consistency, so that counts, resumes and comparisons see every acknowledged write.
  func open(writable: Bool, with options: BackendOptions) throws -> any VectorBackend {
    switch store {
    case .embedded(let directory):
      if !writable, !FileManager.default.fileExists(atPath: directory) {
        throw UserError("no embedded store at \(directory)")
      }
      return try EmbeddedBackend(directory: directory, readOnly: !writable)
    case .milvus(let endpoint, let saved):
      return try options.milvusBackend(endpoint, tokenFlagApplies: !saved, strongConsistency: true)
    }
  }
}

/// The steps of one copy: schema, rows (resuming after DST's largest key), indexes, counts.
struct Copier {
  let source: any VectorBackend
  let sourceName: String
  let sourceLabel: String
  let destination: any VectorBackend
  let destinationName: String
  let destinationLabel: String
  let batch: Int

  /// Runs the copy and returns the `--json` summary.
  mutating func run() async throws -> JSONValue {
    let started = ContinuousClock.now
    let schema: CollectionSchema
    do {
      schema = try await source.describeCollection(sourceName)
    } catch let error as VectorError {
      throw UserError("source \(sourceLabel): \(error)")
    }
    try await requireLoaded(source, sourceName, label: sourceLabel)
    for field in schema.fields where Self.lostMaxLength(field) {
      Console.info("warning: the source does not say the max_length of \(field.name)'s elements; using 65535")
    }
    let wanted = Self.destinationSchema(of: schema, named: destinationName)
    let existing = try await destination.listCollections().contains { $0.name == destinationName }
    if existing {
      let destinationSchema = try await destination.describeCollection(destinationName)
      if let difference = Self.difference(wanted, destinationSchema) {
        throw UserError(
          "destination \(destinationLabel) exists with a different schema: \(difference); drop it or choose another name"
        )
      }
    } else {
      try await destination.createCollection(wanted)
      Console.info("created collection \(destinationName)")
    }
    let indexes = try await source.describeIndexes(sourceName)
    guard let primary = wanted.primaryField?.name else {
      throw UserError("source \(sourceLabel) has no primary key field")
    }
    let sourceTotal = try await source.count(sourceName, filter: "", partitions: [])

    // Resume after the largest key already in DST, when DST holds exactly SRC's rows up to it.
    var resumedAfter: PrimaryKey?
    var alreadyThere = 0
    var indexReport: (created: [JSONValue], skipped: [JSONValue]) = ([], [])
    if existing {
      if try await destination.loadState(destinationName) != .loaded {
        do {
          try await destination.loadCollection(destinationName, progress: nil)
        } catch {
          // Milvus loads only an indexed collection: build the indexes first.
          indexReport = try await copyIndexes(indexes, schema: wanted)
          try await destination.loadCollection(destinationName, progress: nil)
        }
      }
      alreadyThere = try await destination.count(destinationName, filter: "", partitions: [])
      if alreadyThere > 0, let last = try await largestKey(in: destination, destinationName) {
        resumedAfter = last
        let sourceUpTo = try await source.count(sourceName, filter: Self.atMost(primary, last), partitions: [])
        guard sourceUpTo == alreadyThere else {
          throw UserError(
            "destination \(destinationLabel) holds \(alreadyThere) rows but source \(sourceLabel) has \(sourceUpTo) "
              + "up to \(primary) \(last): it is not a partial copy of the source; drop it or choose another name"
          )
        }
        Console.info("resuming after \(primary) \(last): \(Quantity.grouped(alreadyThere)) rows already copied")
      }
    }

    var pager = try await EntityPager(
      backend: source, collection: sourceName, outputFields: ["*"], pageSize: batch, after: resumedAfter)
    var copied = alreadyThere
    let total = max(sourceTotal, alreadyThere)
    Console.progress("copying \(sourceName)", done: copied, of: total, "rows")
    while let rows = try await pager.next() {
      let prepared = rows.map { Self.insertable($0) }
      _ = try await destination.insert(destinationName, rows: prepared, partition: nil)
      copied += rows.count
      Console.progress("copying \(sourceName)", done: copied, of: max(total, copied), "rows")
    }
    Console.endProgress()

    let more = try await copyIndexes(indexes, schema: wanted)
    indexReport.created += more.created
    indexReport.skipped += more.skipped
    if try await destination.loadState(destinationName) != .loaded {
      try await destination.loadCollection(destinationName, progress: nil)
    }
    let finalSource = try await source.count(sourceName, filter: "", partitions: [])
    let finalDestination = try await destination.count(destinationName, filter: "", partitions: [])
    guard finalSource == finalDestination else {
      throw UserError(
        "count(*) differs after the copy: source \(sourceLabel) has \(finalSource), destination "
          + "\(destinationLabel) has \(finalDestination)")
    }
    Console.info(
      "copied \(Quantity.grouped(copied - alreadyThere)) rows from \(sourceLabel) to \(destinationLabel) "
        + "(\(Quantity.grouped(finalDestination)) in all) in \(Format.elapsed(since: started))")
    return .object([
      "source": .string(sourceLabel),
      "destination": .string(destinationLabel),
      "created": .bool(!existing),
      "resumed_after": resumedAfter.map { Format.json($0) } ?? .null,
      "rows_before": .int(Int64(alreadyThere)),
      "rows_copied": .int(Int64(copied - alreadyThere)),
      "count": .int(Int64(finalDestination)),
      "indexes_created": .array(indexReport.created),
      "indexes_skipped": .array(indexReport.skipped),
    ])
  }

  /// A query needs a loaded collection: Milvus's is loaded here, the embedded store's must be already
  /// (SRC is opened read-only, which cannot change its load state).
  private func requireLoaded(_ backend: any VectorBackend, _ name: String, label: String) async throws {
    guard try await backend.loadState(name) != .loaded else { return }
    if backend is EmbeddedBackend {
      throw UserError("source \(label) is not loaded: run `vscope load \(name)` first")
    }
    try await backend.loadCollection(name, progress: nil)
  }

  /// SRC's schema for DST: renamed, and without auto_id so that the keys are copied as data.
  static func destinationSchema(of schema: CollectionSchema, named name: String) -> CollectionSchema {
    var result = schema
    result.name = name
    for index in result.fields.indices where result.fields[index].isPrimary {
      result.fields[index].autoID = false
    }
    for index in result.fields.indices where Self.lostMaxLength(result.fields[index]) {
      result.fields[index].maxLength = 65535
    }
    return result
  }

  /// Milvus Lite 3.2.2 describes an Array of VarChar without its max_length.
  static func lostMaxLength(_ field: FieldSchema) -> Bool {
    field.type == .array && field.elementType == .varChar && field.maxLength == nil
  }

  /// The first difference between the schema DST should have and the one it has, or nil.
  static func difference(_ wanted: CollectionSchema, _ actual: CollectionSchema) -> String? {
    if wanted.enableDynamicField != actual.enableDynamicField {
      return "enable_dynamic_field is \(actual.enableDynamicField), expected \(wanted.enableDynamicField)"
    }
    let actualNames = Set(actual.fields.map(\.name))
    for field in wanted.fields where !actualNames.contains(field.name) { return "field \(field.name) is missing" }
    let wantedNames = Set(wanted.fields.map(\.name))
    for field in actual.fields where !wantedNames.contains(field.name) {
      return "field \(field.name) is not in the source"
    }
    for field in wanted.fields {
      guard let other = actual.field(named: field.name) else { continue }
      if field.type != other.type || field.dim != other.dim || field.elementType != other.elementType
        || (field.type != .json && field.maxLength != other.maxLength && !Self.lostMaxLength(other))
        || (field.type == .array && field.maxCapacity != other.maxCapacity)
      {
        return "field \(field.name) is \(other.typeLabel), expected \(field.typeLabel)"
      }
      if field.isPrimary != other.isPrimary {
        return "field \(field.name) is \(other.isPrimary ? "" : "not ")the primary key"
      }
      if field.autoID != other.autoID { return "primary key \(field.name) has auto_id \(other.autoID), expected false" }
      if field.nullable != other.nullable { return "field \(field.name) has nullable \(other.nullable)" }
      if field.isPartitionKey != other.isPartitionKey {
        return "field \(field.name) has is_partition_key \(other.isPartitionKey)"
      }
    }
    return nil
  }

  /// `pk <= key` as filter text.
  static func atMost(_ field: String, _ key: PrimaryKey) -> String {
    switch key {
    case .int(let value): return "\(field) <= \(value)"
    case .string(let value): return "\(field) <= \(FilterPrinter.stringText(value))"
    }
  }

  /// A queried row as an insert: without the dynamic field's container (its keys are top level).
  static func insertable(_ row: Row) -> Row {
    var row = row
    if case .json(.object(let members))? = row.removeValue(forKey: CollectionSchema.dynamicFieldName) {
      for (key, value) in members where row[key] == nil { row[key] = Value(json: value) }
    }
    return row
  }

  /// DST's largest primary key, by paging its keys.
  private func largestKey(in backend: any VectorBackend, _ name: String) async throws -> PrimaryKey? {
    var pager = try await EntityPager(backend: backend, collection: name, outputFields: [], pageSize: 16384)
    while try await pager.next() != nil {}
    return pager.lastKey
  }

  /// Creates SRC's indexes on DST, skipping those it has and reporting those it cannot build.
  /// Milvus loads only a collection whose vector fields all have an index: there a field left
  /// without one gets a FLAT index (exact search), reported with `substitute`.
  private func copyIndexes(
    _ indexes: [IndexStatus], schema: CollectionSchema
  ) async throws -> (created: [JSONValue], skipped: [JSONValue]) {
    var created: [JSONValue] = []
    var skipped: [JSONValue] = []
    let present = try await destination.describeIndexes(destinationName)
    let supported = try await destination.serverInfo()
    for index in indexes {
      let spec = index.spec
      let description: JSONValue = .object([
        "index_name": .string(spec.indexName), "field_name": .string(spec.fieldName),
        "index_type": .string(spec.indexType), "metric_type": .string(spec.metric.rawValue),
      ])
      if let same = present.first(where: { $0.spec.fieldName == spec.fieldName }) {
        if same.spec.indexType != spec.indexType || same.spec.metric != spec.metric {
          Console.info(
            "warning: \(destinationName).\(spec.fieldName) already has a \(same.spec.indexType)/"
              + "\(same.spec.metric.rawValue) index; \(spec.indexType)/\(spec.metric.rawValue) not created")
          skipped.append(Self.with(description, reason: "the field already has another index"))
        }
        continue
      }
      if !supported.indexTypes.contains(spec.indexType) {
        let reason = "index type \(spec.indexType) is not supported by \(supported.kind) \(supported.version)"
        Console.info("warning: index \(spec.indexName) on \(spec.fieldName) not created: \(reason)")
        skipped.append(Self.with(description, reason: reason))
        continue
      }
      do {
        try await destination.createIndex(destinationName, spec: spec)
        created.append(description)
      } catch let error as VectorError {
        Console.info("warning: index \(spec.indexName) on \(spec.fieldName) not created: \(error)")
        skipped.append(Self.with(description, reason: error.description))
      }
    }
    guard supported.kind != "embedded" else { return (created, skipped) }
    let indexed = Set(try await destination.describeIndexes(destinationName).map(\.spec.fieldName))
    for field in schema.vectorFields where !indexed.contains(field.name) {
      let metric = indexes.first { $0.spec.fieldName == field.name }?.spec.metric ?? .cosine
      try await destination.createIndex(
        destinationName, spec: IndexSpec(fieldName: field.name, indexType: "FLAT", metric: metric))
      Console.info("added a FLAT index on \(field.name): Milvus loads only collections with every vector field indexed")
      for (offset, entry) in skipped.enumerated() where entry["field_name"] == .string(field.name) {
        if case .object(var members) = entry {
          members["substitute"] = .string("FLAT")
          skipped[offset] = .object(members)
        }
      }
    }
    return (created, skipped)
  }

  private static func with(_ description: JSONValue, reason: String) -> JSONValue {
    guard case .object(var members) = description else { return description }
    members["reason"] = .string(reason)
    return .object(members)
  }
}
