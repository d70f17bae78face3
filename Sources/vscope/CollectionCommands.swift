import ArgumentParser
import Foundation
import Model

struct Collections: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List collections with entity counts, load state and index.")

  @OptionGroup var backend: BackendOptions
  @OptionGroup var output: OutputOptions

  func run() async throws {
    try await withBackend(backend, writable: false) { store in
      let collections = try await store.listCollections()
      var indexes: [String: [IndexStatus]] = [:]
      for collection in collections { indexes[collection.name] = try await store.describeIndexes(collection.name) }
      if output.json {
        Console.printJSON(
          .array(
            collections.map { info in
              .object([
                "name": .string(info.name), "entities": .int(Int64(info.entityCount)),
                "load_state": .string(info.loadState.rawValue), "description": .string(info.description),
                "indexes": .array(
                  (indexes[info.name] ?? []).map {
                    .object([
                      "field_name": .string($0.spec.fieldName), "index_type": .string($0.spec.indexType),
                      "metric_type": .string($0.spec.metric.rawValue), "state": .string($0.state.rawValue),
                    ])
                  }),
              ])
            }))
        return
      }
      if collections.isEmpty {
        let address = try await store.serverInfo().address
        Console.info("no collections in database \(await store.currentDatabase()) (\(address))")
        return
      }
      var table = TextTable(["NAME", "ENTITIES", "LOAD STATE", "INDEX"], rightAligned: [1])
      for info in collections {
        let index = (indexes[info.name] ?? []).map { "\($0.spec.indexType)/\($0.spec.metric.rawValue)" }
        table.add([
          info.name, String(info.entityCount), info.loadState.rawValue,
          index.isEmpty ? "—" : index.joined(separator: ", "),
        ])
      }
      print(table.render())
    }
  }
}

struct Describe: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show a collection's schema (as pymilvus's describe_collection()), partitions and indexes.")

  @OptionGroup var backend: BackendOptions
  @OptionGroup var output: OutputOptions
  @Argument(help: "The collection.") var name: String

  func run() async throws {
    try await withBackend(backend, writable: false) { store in
      let schema = try await store.describeCollection(name)
      let partitions = try await store.listPartitions(name)
      let indexes = try await store.describeIndexes(name)
      if output.json {
        Console.printJSON(schema.describeJSON(extra: ["num_partitions": .int(Int64(partitions.count))]))
        return
      }
      print("collection \(schema.name)" + (schema.description.isEmpty ? "" : " — \(schema.description)"))
      var table = TextTable(["FIELD", "TYPE", "FLAGS"])
      for field in schema.fields {
        var flags: [String] = []
        if field.isPrimary { flags.append(field.autoID ? "primary key, auto_id" : "primary key") }
        if field.isPartitionKey { flags.append("partition key") }
        if field.nullable { flags.append("nullable") }
        if let value = field.defaultValue { flags.append("default \(Format.cell(value))") }
        if !field.description.isEmpty { flags.append(field.description) }
        table.add([field.name, field.typeLabel, flags.joined(separator: ", ")])
      }
      if schema.enableDynamicField { table.add([CollectionSchema.dynamicFieldName, "JSON", "dynamic field"]) }
      print(table.render())
      print("")
      print("partitions: " + partitions.map { "\($0.name) (\($0.entityCount))" }.joined(separator: ", "))
      if indexes.isEmpty {
        print("indexes: none (searches scan every row exactly)")
      } else {
        for index in indexes {
          let params = index.spec.params.isEmpty ? "" : " " + JSONValue.object(index.spec.params).jsonText
          print(
            "index \(index.spec.indexName) on \(index.spec.fieldName): \(index.spec.indexType) \(index.spec.metric.rawValue)\(params), \(index.state.rawValue), \(index.indexedRows)/\(index.totalRows) rows"
          )
        }
      }
    }
  }
}

struct Create: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Create a collection from a schema file, or the quick way with --dim.",
    discussion: """
      --schema FILE reads the JSON that `vscope describe NAME --json` prints, which is the shape of
      pymilvus's describe_collection() dict. --dim N makes what MilvusClient.create_collection does:
      an INT64 primary key `id`, a FLOAT_VECTOR `vector`, the dynamic field on, an index, loaded.
      """)

  @OptionGroup var backend: BackendOptions
  @Argument(help: "The new collection's name.") var name: String
  @Option(help: "A schema file (JSON).") var schema: String?
  @Option(help: "Dimension of the vector field (quick setup).") var dim: Int?
  @Option(help: "Metric of the quick-setup index: L2, IP or COSINE.") var metric: String = "COSINE"
  @Option(name: .customLong("id-type"), help: "Primary key type for quick setup: int64 or varchar.")
  var idType: String = "int64"
  @Flag(name: .customLong("auto-id"), help: "Generate primary keys (quick setup).") var autoID = false
  @Option(name: .customLong("primary-field"), help: "Primary key field name (quick setup).")
  var primaryField = "id"
  @Option(name: .customLong("vector-field"), help: "Vector field name (quick setup).")
  var vectorField = "vector"
  @Option(help: "A description.") var description: String?

  func validate() throws {
    if (schema == nil) == (dim == nil) { throw ValidationError("give either --schema FILE or --dim N") }
  }

  func run() async throws {
    var collectionSchema: CollectionSchema
    var indexMetric: Metric?
    if let schema {
      let text: String
      do {
        text = try String(contentsOfFile: schema, encoding: .utf8)
      } catch {
        throw UserError("cannot read schema file \(schema): \(error.localizedDescription)")
      }
      let json: JSONValue
      do {
        json = try JSONValue.parse(text)
      } catch {
        throw UserError("\(schema): invalid JSON: \(error)")
      }
      do {
        collectionSchema = try CollectionSchema(describeJSON: json, name: name)
      } catch {
        throw UserError("\(schema): \(error)")
      }
    } else {
      guard let metricValue = Metric(name: metric) else {
        throw UserError("unknown metric \(metric); use L2, IP or COSINE")
      }
      indexMetric = metricValue
      let primary: FieldSchema
      switch idType.lowercased() {
      case "int64": primary = FieldSchema(name: primaryField, type: .int64, isPrimary: true, autoID: autoID)
      case "varchar", "string":
        if autoID { throw UserError("auto_id needs an int64 primary key") }
        primary = FieldSchema(name: primaryField, type: .varChar, isPrimary: true, maxLength: 65535)
      default: throw UserError("--id-type must be int64 or varchar")
      }
      collectionSchema = CollectionSchema(
        name: name, fields: [primary, FieldSchema(name: vectorField, type: .floatVector, dim: dim)],
        enableDynamicField: true)
    }
    if let description { collectionSchema.description = description }
    let finalSchema = collectionSchema
    let metricToIndex = indexMetric
    try await withBackend(backend, writable: true) { store in
      try await store.createCollection(finalSchema)
      if let metricToIndex, let field = finalSchema.vectorFields.first {
        try await store.createIndex(
          finalSchema.name, spec: IndexSpec(fieldName: field.name, indexType: "FLAT", metric: metricToIndex))
      }
      Console.info("created collection \(finalSchema.name)")
    }
  }
}

struct Drop: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Drop a collection and all its data.")

  @OptionGroup var backend: BackendOptions
  @Argument(help: "The collection.") var name: String
  @Flag(name: .shortAndLong, help: "Do not ask for confirmation.") var yes = false

  func run() async throws {
    if !yes {
      guard isatty(0) != 0 else {
        throw UserError("refusing to drop \(name) without confirmation: add --yes (stdin is not a terminal)")
      }
      FileHandle.standardError.write(Data("This deletes every entity of \(name). Type its name to confirm: ".utf8))
      guard readLine()?.trimmingCharacters(in: .whitespaces) == name else {
        throw UserError("not dropped: the name did not match")
      }
    }
    try await withBackend(backend, writable: true) { store in
      try await store.dropCollection(name)
      Console.info("dropped collection \(name)")
    }
  }
}

struct Rename: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Rename a collection.")

  @OptionGroup var backend: BackendOptions
  @Argument(help: "The collection.") var name: String
  @Argument(help: "Its new name.") var newName: String

  func run() async throws {
    try await withBackend(backend, writable: true) { store in
      try await store.renameCollection(name, to: newName)
      Console.info("renamed collection \(name) to \(newName)")
    }
  }
}

struct Load: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Load a collection for search and query.")

  @OptionGroup var backend: BackendOptions
  @Argument(help: "The collection.") var name: String

  func run() async throws {
    try await withBackend(backend, writable: true) { store in
      try await store.loadCollection(name) { percent in Console.progress("loading \(percent)%") }
      Console.endProgress()
      Console.info("loaded collection \(name)")
    }
  }
}

struct Release: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Release a loaded collection from memory.")

  @OptionGroup var backend: BackendOptions
  @Argument(help: "The collection.") var name: String

  func run() async throws {
    try await withBackend(backend, writable: true) { store in
      try await store.releaseCollection(name)
      Console.info("released collection \(name)")
    }
  }
}

struct Partitions: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List, create or drop partitions.",
    discussion: "vscope partitions NAME | vscope partitions NAME --create P | vscope partitions NAME --drop P")

  @OptionGroup var backend: BackendOptions
  @OptionGroup var output: OutputOptions
  @Argument(help: "The collection.") var name: String
  @Option(help: "Create this partition.") var create: String?
  @Option(help: "Drop this partition and its entities.") var drop: String?

  func run() async throws {
    try await withBackend(backend, writable: create != nil || drop != nil) { store in
      if let create {
        try await store.createPartition(name, partition: create)
        Console.info("created partition \(create)")
      }
      if let drop {
        try await store.dropPartition(name, partition: drop)
        Console.info("dropped partition \(drop)")
      }
      let partitions = try await store.listPartitions(name)
      if output.json {
        Console.printJSON(
          .array(partitions.map { .object(["name": .string($0.name), "entities": .int(Int64($0.entityCount))]) }))
      } else {
        var table = TextTable(["PARTITION", "ENTITIES"], rightAligned: [1])
        for partition in partitions { table.add([partition.name, String(partition.entityCount)]) }
        print(table.render())
      }
    }
  }
}

struct Databases: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "List, create or drop databases.")

  @OptionGroup var backend: BackendOptions
  @OptionGroup var output: OutputOptions
  @Option(help: "Create this database.") var create: String?
  @Option(help: "Drop this (empty) database.") var drop: String?

  func run() async throws {
    try await withBackend(backend, writable: create != nil || drop != nil) { store in
      if let create { try await store.createDatabase(create) }
      if let drop { try await store.dropDatabase(drop) }
      let names = try await store.listDatabases()
      if output.json {
        Console.printJSON(.array(names.map(JSONValue.string)))
      } else {
        names.forEach { print($0) }
      }
    }
  }
}

struct IndexCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "index",
    abstract: "Describe, create or drop a collection's vector index.",
    discussion: """
      vscope index NAME                                  describe
      vscope index NAME --create HNSW --metric L2 --params M=16,efConstruction=200 [--field vector]
      vscope index NAME --drop INDEX_NAME                (release the collection first, as in Milvus)

      Types and parameters (Milvus's): FLAT; HNSW (M 2–2048, efConstruction; search ef);
      IVF_FLAT and IVF_SQ8 (nlist 1–65536, default 128; search nprobe); IVF_PQ (nlist, m dividing
      the dimension, nbits 1–8, default 8); AUTOINDEX (HNSW with M=18, efConstruction=240).
      --create waits for the build, as pymilvus does, showing progress on stderr; with --no-wait
      it returns at once and the build goes on while the store stays open (the explorer), or
      resumes the next time a writer opens the collection.
      """)

  @OptionGroup var backend: BackendOptions
  @OptionGroup var output: OutputOptions
  @Argument(help: "The collection.") var name: String
  @Option(help: "Build an index of this type: FLAT, HNSW, IVF_FLAT, IVF_SQ8, IVF_PQ or AUTOINDEX.")
  var create: String?
  @Flag(help: "Return once the index is defined instead of waiting for its build.") var noWait = false
  @Option(help: "Metric for --create: L2, IP or COSINE.") var metric = "COSINE"
  @Option(help: "Vector field for --create (default: the only one).") var field: String?
  @Option(help: "Build parameters, e.g. M=16,efConstruction=200.") var params: String?
  @Option(help: "Drop the index with this name.") var drop: String?

  func run() async throws {
    try await withBackend(backend, writable: create != nil || drop != nil) { store in
      if let create {
        guard let metricValue = Metric(name: metric) else { throw UserError("unknown metric \(metric)") }
        let schema = try await store.describeCollection(name)
        let fieldName = try field ?? Arguments.onlyVectorField(schema)
        let spec = IndexSpec(
          fieldName: fieldName, indexType: create.uppercased(), metric: metricValue,
          params: try Arguments.parameters(params ?? ""))
        try await store.createIndex(name, spec: spec)
        Console.info("created index \(spec.indexName) on \(name).\(fieldName)")
        if !noWait { try await waitForBuild(store, indexName: spec.indexName) }
      }
      if let drop {
        try await store.dropIndex(name, indexName: drop)
        Console.info("dropped index \(drop)")
      }
      let indexes = try await store.describeIndexes(name)
      if output.json {
        Console.printJSON(
          .array(
            indexes.map {
              .object([
                "field_name": .string($0.spec.fieldName), "index_name": .string($0.spec.indexName),
                "index_type": .string($0.spec.indexType), "metric_type": .string($0.spec.metric.rawValue),
                "params": .object($0.spec.params), "state": .string($0.state.rawValue),
                "indexed_rows": .int(Int64($0.indexedRows)), "total_rows": .int(Int64($0.totalRows)),
                "pending_index_rows": .int(Int64($0.pendingIndexRows)),
                "index_state_fail_reason": .string($0.failReason),
                "memory_bytes": $0.memoryBytes.map { .int(Int64($0)) } ?? .null,
              ])
            }))
      } else if indexes.isEmpty {
        print("no index on \(name): searches scan every row exactly")
      } else {
        var table = TextTable(["INDEX", "FIELD", "TYPE", "METRIC", "PARAMS", "STATE", "ROWS", "MEMORY"])
        for index in indexes {
          table.add([
            index.spec.indexName, index.spec.fieldName, index.spec.indexType, index.spec.metric.rawValue,
            JSONValue.object(index.spec.params).jsonText, index.state.rawValue,
            "\(index.indexedRows)/\(index.totalRows)", index.memoryBytes.map(Quantity.bytes) ?? "—",
          ])
          if !index.failReason.isEmpty { Console.info("index \(index.spec.indexName) failed: \(index.failReason)") }
        }
        print(table.render())
      }
    }
  }

  /// Waits for the build with progress on stderr, as pymilvus's `create_index` waits.
  private func waitForBuild(_ store: any VectorBackend, indexName: String) async throws {
    let started = ContinuousClock.now
    let built: IndexStatus?
    do {
      built = try await waitForIndexBuild(store, collection: name, indexName: indexName) { status in
        Console.progress("building \(indexName)", done: status.indexedRows, of: status.totalRows, "rows")
      }
      Console.endProgress()
    } catch {
      Console.endProgress()
      throw error
    }
    if let built {
      Console.info(
        "index \(indexName) built: \(built.indexedRows)/\(built.totalRows) rows in \(Format.elapsed(since: started))")
    }
  }
}

/// Polls an index until its build finishes (a failed build throws); `progress` hears each status
/// while it builds. Returns the finished status, or nil when the index is gone.
func waitForIndexBuild(
  _ store: any VectorBackend, collection: String, indexName: String, progress: (IndexStatus) -> Void
) async throws -> IndexStatus? {
  while true {
    guard let status = try await store.describeIndexes(collection).first(where: { $0.spec.indexName == indexName })
    else { return nil }
    switch status.state {
    case .finished, .none:  // `None`: a server that does not track builds
      return status
    case .failed:
      throw UserError("index \(indexName) failed: \(status.failReason)")
    default:
      progress(status)
      try await Task.sleep(for: .milliseconds(200))
    }
  }
}
