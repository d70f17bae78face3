import ArgumentParser
import DataFormats
import Foundation
import Model
import TUI

/// Parsing of the small languages on the command line: vectors, ids, `k=v` parameters.
enum Arguments {
  /// `[0.1, 0.2]` → one vector; `[[…], […]]` → several.
  static func vectors(_ text: String, source: String = "--vector") throws -> [[Float]] {
    let json: JSONValue
    do {
      json = try JSONValue.parse(text)
    } catch {
      throw UserError("\(source) is not a JSON array of numbers: \(error)")
    }
    func vector(_ value: JSONValue) throws -> [Float] {
      guard case .array(let elements) = value, !elements.isEmpty else {
        throw UserError("\(source) must hold a non-empty JSON array of numbers, like [0.1, 0.2]")
      }
      return try elements.map {
        guard let number = $0.numberValue else { throw UserError("\(source) holds a non-number: \($0.jsonText)") }
        return Float(number)
      }
    }
    if case .array(let elements) = json, case .array? = elements.first {
      return try elements.map(vector)
    }
    return [try vector(json)]
  }

  /// Query vectors from a file: `.fvecs` (int32 dim, then float32s, per row) or JSON.
  static func vectors(file path: String) throws -> [[Float]] {
    guard let data = FileManager.default.contents(atPath: path) else { throw UserError("cannot read \(path)") }
    guard path.hasSuffix(".fvecs") else { return try vectors(String(decoding: data, as: UTF8.self), source: path) }
    var result: [[Float]] = []
    var offset = 0
    let bytes = [UInt8](data)
    func int32(at position: Int) -> Int {
      Int(
        Int32(
          bitPattern: UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8 | UInt32(bytes[position + 2]) << 16
            | UInt32(bytes[position + 3]) << 24))
    }
    while offset < bytes.count {
      guard offset + 4 <= bytes.count else { throw UserError("\(path): truncated row \(result.count + 1)") }
      let dim = int32(at: offset)
      guard dim > 0, offset + 4 + dim * 4 <= bytes.count else {
        throw UserError("\(path): row \(result.count + 1) is truncated or has dimension \(dim)")
      }
      result.append((0..<dim).map { Float(bitPattern: UInt32(truncatingIfNeeded: int32(at: offset + 4 + $0 * 4))) })
      offset += 4 + dim * 4
    }
    guard !result.isEmpty else { throw UserError("\(path) holds no vectors") }
    return result
  }

  /// `ef=64,nprobe=8` → `["ef": 64, "nprobe": 8]`; values are JSON where they parse, strings otherwise.
  static func parameters(_ text: String) throws -> [String: JSONValue] {
    var result: [String: JSONValue] = [:]
    for item in text.split(separator: ",") {
      let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      guard parts.count == 2, !parts[0].isEmpty else {
        throw UserError("parameter '\(item)' should look like name=value, e.g. ef=64")
      }
      result[parts[0]] = (try? JSONValue.parse(parts[1])) ?? .string(parts[1])
    }
    return result
  }

  /// A primary key typed by the schema's primary field.
  static func primaryKey(_ text: String, schema: CollectionSchema) throws -> PrimaryKey {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if schema.primaryField?.type == .int64 {
      guard let number = Int64(trimmed) else { throw UserError("'\(text)' is not an Int64 primary key") }
      return .int(number)
    }
    return .string(trimmed)
  }

  static func onlyVectorField(_ schema: CollectionSchema) throws -> String {
    let fields = schema.vectorFields
    guard fields.count == 1 else {
      throw UserError(
        "collection \(schema.name) has several vector fields (\(fields.map(\.name).joined(separator: ", "))); choose one with --field"
      )
    }
    return fields[0].name
  }

  static func fieldList(_ text: String?) -> [String] {
    (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }
}

struct Import: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Import entities from JSON lines, CSV, .fvecs or .npy.",
    discussion: """
      The whole file is checked first; a bad row is reported with its line number and nothing is written.
      JSON lines: one object per line with the schema's fields (extra keys go to the dynamic field).
      CSV: a header naming fields; vectors, arrays and JSON as JSON text in their cells.
      .fvecs / .npy (float32, 2-D): vectors only, for collections with an auto_id primary key.
      """)

  @OptionGroup var backend: BackendOptions
  @Argument(help: "The collection.") var name: String
  @Argument(help: "The file to import.") var file: String
  @Option(help: "jsonl, csv, fvecs or npy (default: from the file's extension).") var format: String?
  @Option(help: "The partition to write into.") var partition: String?
  @Option(name: .customLong("vector-field"), help: "Vector field for .fvecs/.npy (default: the only one).")
  var vectorField: String?
  @Option(name: .customLong("batch-size"), help: "Entities per write.") var batchSize = 2000
  @Flag(help: "Replace entities whose primary key exists (upsert) instead of refusing them.") var upsert = false

  func run() async throws {
    let importFormat: ImportFormat?
    if let format {
      guard let parsed = ImportFormat(name: format) else {
        throw UserError("unknown format \(format); use jsonl, csv, fvecs or npy")
      }
      importFormat = parsed
    } else {
      importFormat = nil
    }
    guard batchSize > 0 else { throw UserError("--batch-size must be positive") }
    try await withBackend(backend, writable: true) { store in
      let schema = try await store.describeCollection(name)
      // Pass 1: read and check every row, so that a bad row writes nothing.
      var checker = try openReader(format: importFormat, schema: schema)
      var total = 0
      var seenKeys = Set<PrimaryKey>()
      while let batch = try checker.nextBatch(maxRows: batchSize) {
        if let primary = schema.primaryField, !primary.autoID {
          for (offset, row) in batch.enumerated() {
            guard let value = row[primary.name], let key = Self.key(value) else { continue }
            guard seenKeys.insert(key).inserted else {
              throw UserError("\(file): row \(total + offset + 1): primary key \(key) appears twice in the file")
            }
          }
        }
        total += batch.count
        Console.progress("checking \(file): \(total) rows, \(percent(checker))%")
      }
      Console.endProgress()
      // Pass 2: write in batches; if the store refuses one (e.g. an existing primary key), undo the
      // batches already written so the import is all or nothing.
      var reader = try openReader(format: importFormat, schema: schema)
      var written: [PrimaryKey] = []
      var done = 0
      do {
        while let batch = try reader.nextBatch(maxRows: batchSize) {
          let result =
            upsert
            ? try await store.upsert(name, rows: batch, partition: partition)
            : try await store.insert(name, rows: batch, partition: partition)
          if !upsert { written.append(contentsOf: result.ids) }
          done += batch.count
          Console.progress("importing \(file)", done: done, of: total, "rows")
        }
      } catch {
        Console.endProgress()
        let reason = (error as? VectorError)?.description ?? "\(error)"
        if upsert {
          // An upsert replaces entities: it cannot be undone, so say exactly what was written.
          throw UserError("\(file): import stopped after \(done) of \(total) rows were upserted: \(reason)")
        }
        if !written.isEmpty {
          do {
            _ = try await store.delete(name, ids: written, partition: partition)
          } catch {
            throw UserError(
              "\(file): import failed (\(reason)) and undoing the \(written.count) rows already written failed too: \(error)"
            )
          }
        }
        if let vectorError = error as? VectorError, !vectorError.isUserError { throw error }
        throw UserError("\(file): nothing imported: \(reason)")
      }
      Console.endProgress()
      Console.info("imported \(done) entities into \(name)")
    }
  }

  private static func key(_ value: Value) -> PrimaryKey? {
    switch value {
    case .int(let number): return .int(number)
    case .string(let text): return .string(text)
    default: return nil
    }
  }

  private func percent(_ reader: RowReader) -> Int {
    reader.totalBytes > 0 ? Int(reader.bytesRead * 100 / reader.totalBytes) : 100
  }

  private func openReader(format: ImportFormat?, schema: CollectionSchema) throws -> RowReader {
    do {
      return try RowReader(path: file, format: format, schema: schema, vectorField: vectorField)
    } catch {
      throw UserError(error.description)
    }
  }
}

struct Insert: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Insert (or upsert) entities given as JSON on the command line.",
    discussion:
      #"vscope insert docs '{"id": 1, "vector": [0.1, 0.2], "genre": "jazz"}'  (an object or an array of objects)"#)

  @OptionGroup var backend: BackendOptions
  @OptionGroup var output: OutputOptions
  @Argument(help: "The collection.") var name: String
  @Argument(help: "A JSON object or array of objects.") var entities: String
  @Option(help: "The partition to write into.") var partition: String?
  @Flag(help: "Replace entities whose primary key exists.") var upsert = false

  func run() async throws {
    let json: JSONValue
    do {
      json = try JSONValue.parse(entities)
    } catch {
      throw UserError("the entities are not valid JSON: \(error)")
    }
    let objects: [JSONValue]
    switch json {
    case .object: objects = [json]
    case .array(let elements): objects = elements
    default: throw UserError("give a JSON object or an array of objects")
    }
    let rows: [Row] = try objects.map {
      guard case .object(let members) = $0 else { throw UserError("every entity must be a JSON object") }
      return members.mapValues(Value.init(json:))
    }
    try await withBackend(backend, writable: true) { store in
      let result =
        upsert
        ? try await store.upsert(name, rows: rows, partition: partition)
        : try await store.insert(name, rows: rows, partition: partition)
      if output.json {
        Console.printJSON(
          .object([
            "insert_count": .int(Int64(result.insertCount)), "upsert_count": .int(Int64(result.upsertCount)),
            "ids": .array(result.ids.map(Format.json)),
          ]))
      } else {
        Console.info(
          "\(upsert ? "upserted" : "inserted") \(result.ids.count) entities: \(result.ids.map(\.description).joined(separator: ", "))"
        )
      }
    }
  }
}

struct Delete: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Delete entities by primary key or by filter.")

  @OptionGroup var backend: BackendOptions
  @OptionGroup var output: OutputOptions
  @Argument(help: "The collection.") var name: String
  @Option(help: "Comma-separated primary keys.") var ids: String?
  @Option(help: "A filter expression; every match is deleted.") var filter: String?
  @Option(help: "Only in this partition.") var partition: String?

  func validate() throws {
    if (ids == nil) == (filter == nil) { throw ValidationError("give either --ids or --filter") }
  }

  func run() async throws {
    try await withBackend(backend, writable: true) { store in
      let result: MutationResult
      if let ids {
        let schema = try await store.describeCollection(name)
        let keys = try ids.split(separator: ",").map { try Arguments.primaryKey(String($0), schema: schema) }
        result = try await store.delete(name, ids: keys, partition: partition)
      } else {
        result = try await store.delete(name, filter: filter ?? "", partition: partition)
      }
      if output.json {
        Console.printJSON(.object(["delete_count": .int(Int64(result.deleteCount))]))
      } else {
        Console.info("deleted \(result.deleteCount) entities")
      }
    }
  }
}

struct Query: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Query entities with a filter expression.")

  @OptionGroup var backend: BackendOptions
  @OptionGroup var output: OutputOptions
  @Argument(help: "The collection.") var name: String
  @Option(help: #"A Milvus filter, e.g. 'genre in ["jazz","soul"] and year > 1990'."#) var filter = ""
  @Option(help: "Comma-separated output fields; * for all; count(*) to count.") var fields: String?
  @Option(help: "At most this many entities.") var limit = 10
  @Option(help: "Skip this many matches first.") var offset = 0
  @Option(help: "Comma-separated partitions.") var partitions: String?

  func run() async throws {
    try await withBackend(backend, writable: false) { store in
      let request = QueryRequest(
        collection: name, filter: filter, outputFields: Arguments.fieldList(fields), limit: limit, offset: offset,
        partitions: Arguments.fieldList(partitions))
      let rows = try await store.query(request)
      if output.json {
        Console.printJSON(.array(rows.map(Format.json)))
        return
      }
      let schema = try await store.describeCollection(name)
      print(Self.table(rows, schema: schema).render())
    }
  }

  /// Rows as a table: schema fields in schema order, then dynamic keys in name order.
  static func table(_ rows: [Row], schema: CollectionSchema, leading: [String] = [], leadingCells: [[String]] = [])
    -> TextTable
  {
    let names = Set(rows.flatMap(\.keys))
    var columns = schema.fields.map(\.name).filter(names.contains)
    columns += names.subtracting(columns).sorted()
    var table = TextTable(leading + columns.map { $0.uppercased() })
    for (index, row) in rows.enumerated() {
      table.add((index < leadingCells.count ? leadingCells[index] : []) + columns.map { Format.cell(row[$0]) })
    }
    return table
  }
}

struct Count: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Count entities (count(*)), optionally matching a filter.")

  @OptionGroup var backend: BackendOptions
  @OptionGroup var output: OutputOptions
  @Argument(help: "The collection.") var name: String
  @Option(help: "A filter expression.") var filter = ""

  func run() async throws {
    try await withBackend(backend, writable: false) { store in
      let count = try await store.count(name, filter: filter, partitions: [])
      if output.json {
        Console.printJSON(.object(["count(*)": .int(Int64(count))]))
      } else {
        print(count)
      }
    }
  }
}

struct Search: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Similarity search by a vector, by text or by an existing entity (more like this).",
    discussion: """
      Distances are as Milvus reports them: L2 is the squared distance (smaller is closer),
      IP and COSINE are similarities (larger is closer).
      --text runs the embedding command (--embed-cmd, or embed_cmd in $XDG_CONFIG_HOME/vscope/config.toml)
      with /bin/sh -c: it gets the text on stdin and prints a JSON array of numbers on stdout.
      """)

  @OptionGroup var backend: BackendOptions
  @OptionGroup var output: OutputOptions
  @Argument(help: "The collection.") var name: String
  @Option(help: "A query vector as a JSON array, or an array of them.") var vector: String?
  @Option(name: .customLong("vector-file"), help: "Query vectors from a file: a JSON array of arrays, or .fvecs.")
  var vectorFile: String?
  @Option(help: "Search with the vector of the entity with this primary key.") var like: String?
  @Option(help: "Search with the vector the embedding command makes of this text.") var text: String?
  @OptionGroup var embed: EmbedCommandOption
  @Option(name: .customLong("top-k"), help: "Neighbours per query.") var topK = 10
  @Option(help: "A filter expression applied before ranking.") var filter = ""
  @Option(help: "Search parameters, e.g. ef=64 or nprobe=16.") var params: String?
  @Option(help: "Metric: L2, IP or COSINE (default: the index's).") var metric: String?
  @Option(help: "The vector field (default: the only one).") var field: String?
  @Option(help: "Comma-separated output fields; * for all.") var fields: String?
  @Option(help: "Comma-separated partitions.") var partitions: String?
  @Option(help: "Skip this many neighbours first.") var offset = 0
  @Option(
    name: .customLong("repeat"),
    help: "Run the search this many times and print latency figures to stderr (for measuring).")
  var repetitions: Int = 1
  @Flag(
    help: """
      Also run the same search exactly (no index) and print recall@k and the exact neighbours the \
      index missed; with --json each query becomes {"hits": […], "recall": {…}}.
      """)
  var recall = false
  @Option(
    name: .customLong("recall-limit"),
    help: "The most entities --recall's exact search may scan (default \(ExactSearchLimits.defaultMaxRows)).")
  var recallLimit: Int?

  func validate() throws {
    if repetitions < 1 { throw ValidationError("--repeat must be at least 1") }
    if let recallLimit, recallLimit < 1 { throw ValidationError("--recall-limit must be at least 1") }
    if recallLimit != nil, !recall { throw ValidationError("--recall-limit goes with --recall") }
    if [vector != nil, vectorFile != nil, like != nil, text != nil].filter({ $0 }).count != 1 {
      throw ValidationError("give one of --vector '[…]', --vector-file FILE, --like ID or --text TEXT")
    }
    if embed.command != nil, text == nil { throw ValidationError("--embed-cmd goes with --text") }
  }

  func run() async throws {
    let metricValue = try metric.map { name in
      guard let parsed = Metric(name: name) else { throw UserError("unknown metric \(name); use L2, IP or COSINE") }
      return parsed
    }
    let parameters = try Arguments.parameters(params ?? "")
    let embedder = try text.map { _ in try Self.embedder(embed.command) }
    try await withBackend(backend, writable: false) { store in
      let schema = try await store.describeCollection(name)
      let fieldName = try field ?? Arguments.onlyVectorField(schema)
      var queries: [[Float]]
      if let text, let embedder {
        guard let fieldSchema = schema.field(named: fieldName), fieldSchema.type == .floatVector else {
          throw UserError("\(name) has no vector field named \(fieldName)")
        }
        do {
          queries = [try await embedder.embed(text, field: fieldName, dim: fieldSchema.dim ?? 0)]
        } catch {
          throw UserError((error as? EmbeddingError)?.message ?? "\(error)")
        }
      } else if let vector {
        queries = try Arguments.vectors(vector)
      } else if let vectorFile {
        queries = try Arguments.vectors(file: vectorFile)
      } else {
        let key = try Arguments.primaryKey(like ?? "", schema: schema)
        let rows = try await store.get(name, ids: [key], outputFields: [fieldName])
        guard case .floatVector(let found)? = rows.first?[fieldName] else {
          throw UserError("no entity with primary key \(key) in \(name)")
        }
        queries = [found]
      }
      let request = SearchRequest(
        collection: name, vectors: queries, vectorField: fieldName, metric: metricValue, topK: topK,
        params: parameters, filter: filter, outputFields: Arguments.fieldList(fields),
        partitions: Arguments.fieldList(partitions), offset: offset)
      var results = try await store.search(request)
      if repetitions > 1 {
        // The first call above warmed the connection and caches; time the rest one by one.
        var latencies: [Double] = []
        let clock = ContinuousClock()
        for _ in 1..<repetitions {
          let elapsed = try await clock.measure { results = try await store.search(request) }
          latencies.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
        }
        latencies.sort()
        let mean = latencies.reduce(0, +) / Double(latencies.count)
        Console.info(
          String(
            format: "%d searches of %d vectors: mean %.3f ms, p50 %.3f ms, p99 %.3f ms", latencies.count,
            queries.count, mean, latencies[latencies.count / 2],
            latencies[min(latencies.count - 1, latencies.count * 99 / 100)]))
      }
      var reports: [RecallReport]?
      if recall {
        let limits = ExactSearchLimits(maxRows: recallLimit ?? ExactSearchLimits.defaultMaxRows)
        reports = try await Recall.measure(request, ann: results, on: store, limits: limits) { scanned, total in
          Console.progress("exact search", done: scanned, of: total, "entities")
        }
        Console.endProgress()
      }
      if output.json {
        let lists: [JSONValue] = results.map { hits in
          .array(
            hits.map {
              .object([
                "id": Format.json($0.id), "distance": Format.json($0.distance), "entity": Format.json($0.fields),
              ])
            })
        }
        guard let reports else { return Console.printJSON(.array(lists)) }
        Console.printJSON(
          .array(zip(lists, reports).map { .object(["hits": $0, "recall": Self.json($1)]) }))
        return
      }
      for (index, hits) in results.enumerated() {
        if results.count > 1 { print("query \(index + 1):") }
        let rows = hits.map(\.fields)
        let leading = hits.enumerated().map {
          [String($0.offset + 1 + offset), $0.element.id.description, Format.distance($0.element.distance)]
        }
        print(Query.table(rows, schema: schema, leading: ["RANK", "ID", "DISTANCE"], leadingCells: leading).render())
        if let report = reports?[index] {
          print(report.summary)
          if !report.missed.isEmpty {
            let missed = report.missed.map { "\($0.id) (\(Format.distance($0.distance)))" }
            print("missed: " + missed.joined(separator: ", "))
          }
        }
      }
    }
  }

  /// `--recall --json`'s object: recall, k, found, the missed neighbours and the ANN-only ids.
  static func json(_ report: RecallReport) -> JSONValue {
    .object([
      "recall": .double(report.recall), "k": .int(Int64(report.k)), "found": .int(Int64(report.found)),
      "missed": .array(
        report.missed.map { .object(["id": Format.json($0.id), "distance": Format.json($0.distance)]) }),
      "ann_only": .array(report.annOnly.map(Format.json)),
    ])
  }

  /// The embedding command: `--embed-cmd`, else `embed_cmd` in the config file.
  static func embedder(_ flag: String?) throws -> EmbeddingCommand {
    if let flag { return EmbeddingCommand(flag) }
    let environment = ProcessInfo.processInfo.environment
    let config: ExplorerConfig
    do {
      config = try ExplorerConfig.load(environment: environment)
    } catch {
      throw UserError("\(error)")
    }
    guard let command = config.embedCommand else {
      let file = ExplorerConfig.path(environment: environment) ?? "$XDG_CONFIG_HOME/vscope/config.toml"
      throw UserError("--text needs an embedding command: give --embed-cmd 'CMD' or set embed_cmd in \(file)")
    }
    return EmbeddingCommand(command)
  }
}

struct Export: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Export entities as JSON lines (one object per line), every field by default.")

  @OptionGroup var backend: BackendOptions
  @Argument(help: "The collection.") var name: String
  @Option(help: "Only entities matching this filter.") var filter = ""
  @Option(help: "Comma-separated fields (default: all).") var fields: String?
  @Option(name: .shortAndLong, help: "Write to this file instead of stdout.") var output: String?

  func run() async throws {
    try await withBackend(backend, writable: false) { store in
      let schema = try await store.describeCollection(name)
      let handle: FileHandle
      if let output {
        guard FileManager.default.createFile(atPath: output, contents: nil) else {
          throw UserError("cannot create \(output)")
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
      } else {
        handle = FileHandle.standardOutput
      }
      var writer = JSONLinesWriter(fileHandle: handle, schema: schema)
      let total = try await store.count(name, filter: filter, partitions: [])
      let outputFields = fields.map { Arguments.fieldList($0) } ?? ["*"]
      // Keyset pages (`pk > last`) in primary-key order: offset paging stops at Milvus's 16,384 cap.
      var pager = try await EntityPager(
        backend: store, collection: name, filter: filter, outputFields: outputFields, pageSize: 4096)
      var offset = 0
      while let rows = try await pager.next() {
        try writer.write(rows)
        offset += rows.count
        if output != nil { Console.progress("exporting \(name)", done: offset, of: max(total, offset), "rows") }
      }
      try writer.flush()
      if output != nil {
        Console.endProgress()
        Console.info("exported \(offset) entities to \(output!)")
      }
    }
  }
}
