import Model

/// A collection's durable description: schema, partitions, sealed segments, indexes, load state,
/// and the write-ahead-log position that the segments already hold.
///
/// Written atomically as a checksummed JSON document; replacing it is the commit point of a flush.
struct Manifest: Sendable {
  struct SegmentEntry: Sendable, Hashable {
    var id: Int
    var partition: String
    var rows: Int
    var deleted: Int
  }

  var schema: CollectionSchema
  var partitions: [String]
  var segments: [SegmentEntry]
  /// Every log record with a sequence number up to this one is in the segments.
  var checkpoint: UInt64
  var nextSegmentID: Int
  var nextAutoID: Int64
  var loaded: Bool
  var indexes: [IndexSpec]
  /// Build progress per index name: which sealed segments have an index file of which generation.
  var indexBuilds: [String: IndexBuild]
  /// The generation the next index definition gets; files carry it, so a rebuilt index never
  /// reads a file of an earlier definition.
  var nextIndexGeneration: Int
  var createdAt: Int64

  /// How far an index's build has come; the files are `seg-N.idxG` and, for IVF, `ivf-G.quantizer`.
  struct IndexBuild: Sendable, Hashable {
    var generation: Int
    /// Sealed segments whose index file is written.
    var indexedSegments: [Int] = []
    /// Whether the IVF quantizer (centroids, codebooks) is trained and written.
    var trained = false
    /// Why the build failed; empty while it has not.
    var failReason = ""
  }

  init(schema: CollectionSchema, createdAt: Int64) {
    self.schema = schema
    partitions = [PartitionInfo.defaultName]
    segments = []
    checkpoint = 0
    nextSegmentID = 1
    // Milvus's generated ids are large timestamp-derived numbers; start from the clock the same way.
    nextAutoID = createdAt << 16
    loaded = true
    indexes = []
    indexBuilds = [:]
    nextIndexGeneration = 1
    self.createdAt = createdAt
  }

  /// Live entities in flushed segments.
  var flushedEntityCount: Int { segments.reduce(0) { $0 + $1.rows - $1.deleted } }

  var json: JSONValue {
    .object([
      "schema": schema.describeJSON(),
      "partitions": .array(partitions.map(JSONValue.string)),
      "segments": .array(
        segments.map {
          .object([
            "id": .int(Int64($0.id)), "partition": .string($0.partition), "rows": .int(Int64($0.rows)),
            "deleted": .int(Int64($0.deleted)),
          ])
        }),
      "checkpoint": .int(Int64(bitPattern: checkpoint)),
      "next_segment_id": .int(Int64(nextSegmentID)),
      "next_auto_id": .int(nextAutoID),
      "loaded": .bool(loaded),
      "indexes": .array(indexes.map(Manifest.indexJSON)),
      "index_builds": .object(
        indexBuilds.mapValues {
          .object([
            "generation": .int(Int64($0.generation)),
            "indexed_segments": .array($0.indexedSegments.map { .int(Int64($0)) }),
            "trained": .bool($0.trained), "fail_reason": .string($0.failReason),
          ])
        }),
      "next_index_generation": .int(Int64(nextIndexGeneration)),
      "created_at": .int(createdAt),
    ])
  }

  static func indexJSON(_ spec: IndexSpec) -> JSONValue {
    .object([
      "field_name": .string(spec.fieldName), "index_name": .string(spec.indexName),
      "index_type": .string(spec.indexType), "metric_type": .string(spec.metric.rawValue),
      "params": .object(spec.params),
    ])
  }

  /// Reads a manifest; `reason` in the thrown error says which key is wrong.
  init(json: JSONValue) throws(VectorError) {
    func fail(_ key: String) -> VectorError { .corrupt("the manifest's \"\(key)\" is missing or malformed") }
    guard let schemaJSON = json["schema"] else { throw fail("schema") }
    schema = try CollectionSchema(describeJSON: schemaJSON)
    guard case .array(let partitionValues)? = json["partitions"] else { throw fail("partitions") }
    partitions = partitionValues.compactMap { if case .string(let name) = $0 { name } else { nil } }
    guard case .array(let segmentValues)? = json["segments"] else { throw fail("segments") }
    var segments: [SegmentEntry] = []
    for value in segmentValues {
      guard case .int(let id)? = value["id"], case .string(let partition)? = value["partition"],
        case .int(let rows)? = value["rows"], case .int(let deleted)? = value["deleted"]
      else { throw fail("segments") }
      segments.append(SegmentEntry(id: Int(id), partition: partition, rows: Int(rows), deleted: Int(deleted)))
    }
    self.segments = segments
    guard case .int(let checkpoint)? = json["checkpoint"] else { throw fail("checkpoint") }
    self.checkpoint = UInt64(bitPattern: checkpoint)
    guard case .int(let nextSegmentID)? = json["next_segment_id"] else { throw fail("next_segment_id") }
    self.nextSegmentID = Int(nextSegmentID)
    guard case .int(let nextAutoID)? = json["next_auto_id"] else { throw fail("next_auto_id") }
    self.nextAutoID = nextAutoID
    guard case .bool(let loaded)? = json["loaded"] else { throw fail("loaded") }
    self.loaded = loaded
    guard case .array(let indexValues)? = json["indexes"] else { throw fail("indexes") }
    var indexes: [IndexSpec] = []
    for value in indexValues {
      guard case .string(let field)? = value["field_name"], case .string(let name)? = value["index_name"],
        case .string(let type)? = value["index_type"], case .string(let metricName)? = value["metric_type"],
        let metric = Metric(name: metricName), case .object(let params)? = value["params"]
      else { throw fail("indexes") }
      indexes.append(IndexSpec(fieldName: field, indexName: name, indexType: type, metric: metric, params: params))
    }
    self.indexes = indexes
    // Manifests written before ANN indexes have no build records.
    var builds: [String: IndexBuild] = [:]
    if case .object(let members)? = json["index_builds"] {
      for (name, value) in members {
        guard case .int(let generation)? = value["generation"], case .array(let segments)? = value["indexed_segments"],
          case .bool(let trained)? = value["trained"], case .string(let reason)? = value["fail_reason"]
        else { throw fail("index_builds") }
        let ids = segments.compactMap { if case .int(let id) = $0 { Int(id) } else { nil } }
        builds[name] = IndexBuild(
          generation: Int(generation), indexedSegments: ids, trained: trained, failReason: reason)
      }
    }
    indexBuilds = builds
    if case .int(let next)? = json["next_index_generation"] {
      nextIndexGeneration = Int(next)
    } else {
      nextIndexGeneration = (builds.values.map(\.generation).max() ?? 0) + 1
    }
    guard case .int(let createdAt)? = json["created_at"] else { throw fail("created_at") }
    self.createdAt = createdAt
  }
}
