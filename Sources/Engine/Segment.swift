import Model

/// How a schema's fields map onto a segment's columns.
struct ColumnLayout: Sendable {
  let schema: CollectionSchema
  let primary: FieldSchema
  /// `FloatVector` fields, each stored as one contiguous row-major float array.
  let vectorFields: [FieldSchema]
  /// Every other non-primary field, stored as one `Value` per row.
  let scalarFields: [FieldSchema]

  init(schema: CollectionSchema) throws(VectorError) {
    guard let primary = schema.primaryField else { throw .invalidArgument("the schema has no primary key field") }
    self.schema = schema
    self.primary = primary
    vectorFields = schema.fields.filter { $0.type == .floatVector }
    scalarFields = schema.fields.filter { !$0.isPrimary && $0.type != .floatVector }
  }

  var hasDynamicField: Bool { schema.enableDynamicField }
  func vectorColumn(_ name: String) -> Int? { vectorFields.firstIndex(where: { $0.name == name }) }
  func scalarColumn(_ name: String) -> Int? { scalarFields.firstIndex(where: { $0.name == name }) }
}

/// One entity after validation: every column filled, dynamic keys gathered into `$meta`.
struct NormalizedRow {
  var primaryKey: PrimaryKey
  var vectors: [[Float]]
  var scalars: [Value]
  /// `.json(.object)` of the dynamic keys, or `.null` when there are none.
  var dynamic: Value
}

/// Rows of one partition, stored by column: sealed segments are immutable files on disk,
/// the growing segment collects rows from the write-ahead log until the next flush.
///
/// Vectors of a field sit in one contiguous row-major array so that a scan streams through memory.
final class Segment {
  let id: Int
  let partition: String
  private(set) var primaryKeys: [PrimaryKey] = []
  private(set) var vectors: [ContiguousArray<Float>]
  /// Euclidean norms per vector field, kept for COSINE.
  private(set) var norms: [ContiguousArray<Float>]
  private(set) var scalars: [[Value]]
  private(set) var dynamic: [Value] = []
  private(set) var deleted: [Bool] = []
  private(set) var deletedCount = 0
  /// Whether deletions changed since the segment's deletion file was written.
  var deletionsDirty = false
  /// Whether this segment exists as a file.
  var isSealed = false
  let dims: [Int]

  init(id: Int, partition: String, layout: ColumnLayout) {
    self.id = id
    self.partition = partition
    dims = layout.vectorFields.map { $0.dim ?? 0 }
    vectors = Array(repeating: [], count: layout.vectorFields.count)
    norms = Array(repeating: [], count: layout.vectorFields.count)
    scalars = Array(repeating: [], count: layout.scalarFields.count)
  }

  var count: Int { primaryKeys.count }
  var liveCount: Int { primaryKeys.count - deletedCount }

  /// Rows in ascending primary-key order, for queries with a limit (which return the smallest
  /// keys): sorted on first use, and again after rows were appended.
  private var keyOrder: (count: Int, rows: [Int32])?

  func rowsInKeyOrder() -> [Int32] {
    if let keyOrder, keyOrder.count == count { return keyOrder.rows }
    let keys = primaryKeys
    let rows = (0..<Int32(count)).sorted { keys[Int($0)] < keys[Int($1)] }
    keyOrder = (count, rows)
    return rows
  }

  func append(_ row: NormalizedRow) {
    primaryKeys.append(row.primaryKey)
    for (column, vector) in row.vectors.enumerated() {
      vectors[column].append(contentsOf: vector)
      norms[column].append(vector.withUnsafeBufferPointer { Distance.norm($0.baseAddress!, count: $0.count) })
    }
    for (column, value) in row.scalars.enumerated() { scalars[column].append(value) }
    dynamic.append(row.dynamic)
    deleted.append(false)
  }

  /// Marks a row deleted; returns false when it already was.
  @discardableResult
  func markDeleted(_ row: Int) -> Bool {
    guard !deleted[row] else { return false }
    deleted[row] = true
    deletedCount += 1
    deletionsDirty = true
    return true
  }

  func vector(column: Int, row: Int) -> [Float] {
    let dim = dims[column]
    return Array(vectors[column][row * dim..<(row + 1) * dim])
  }

  /// The stored value of a named field for one row (`$meta` gives the dynamic object).
  func value(field: String, row: Int, layout: ColumnLayout) -> Value {
    if field == layout.primary.name { return primaryKeys[row].value }
    if let column = layout.scalarColumn(field) { return scalars[column][row] }
    if let column = layout.vectorColumn(field) { return .floatVector(vector(column: column, row: row)) }
    if field == CollectionSchema.dynamicFieldName { return dynamic[row] }
    return .null
  }

  // MARK: - Files

  /// The segment's columns as bytes: field names and types first, so a reader can check them.
  func encode(layout: ColumnLayout) -> [UInt8] {
    var writer = BinaryWriter(capacity: 64 + count * (16 + dims.reduce(0, +) * 4))
    writer.write(partition)
    writer.write(UInt32(count))
    writer.write(UInt32(layout.schema.fields.count))
    for field in layout.schema.fields {
      writer.write(field.name)
      writer.write(field.type.rawValue)
    }
    for key in primaryKeys { writer.write(key) }
    for column in vectors.indices {
      writer.write(UInt32(dims[column]))
      vectors[column].withUnsafeBufferPointer { writer.write(floats: $0) }
    }
    for column in scalars { for value in column { writer.write(value) } }
    writer.write(UInt8(layout.hasDynamicField ? 1 : 0))
    if layout.hasDynamicField { for value in dynamic { writer.write(value) } }
    return writer.bytes
  }

  /// Reads a segment written by `encode`; throws a reason when the bytes do not fit the schema.
  static func decode(
    _ bytes: UnsafeRawBufferPointer, id: Int, layout: ColumnLayout
  ) throws(BinaryReader.Malformed) -> Segment {
    var reader = BinaryReader(bytes)
    let partition = try reader.readString()
    let segment = Segment(id: id, partition: partition, layout: layout)
    let count = try reader.readCount()
    let fieldCount = Int(try reader.read(UInt32.self))
    guard fieldCount == layout.schema.fields.count else {
      throw .init(
        offset: reader.offset, reason: "segment has \(fieldCount) fields, schema has \(layout.schema.fields.count)")
    }
    for field in layout.schema.fields {
      let name = try reader.readString()
      let type = try reader.readString()
      guard name == field.name, type == field.type.rawValue else {
        throw .init(offset: reader.offset, reason: "segment field \(name) (\(type)) does not match the schema")
      }
    }
    segment.primaryKeys.reserveCapacity(count)
    for _ in 0..<count { segment.primaryKeys.append(try reader.readPrimaryKey()) }
    for column in segment.vectors.indices {
      let dim = Int(try reader.read(UInt32.self))
      guard dim == segment.dims[column] else {
        throw .init(offset: reader.offset, reason: "vector dimension \(dim) does not match the schema")
      }
      try reader.readFloats(count: dim * count, into: &segment.vectors[column])
      var norms = ContiguousArray<Float>(repeating: 0, count: count)
      segment.vectors[column].withUnsafeBufferPointer { base in
        for row in 0..<count { norms[row] = Distance.norm(base.baseAddress! + row * dim, count: dim) }
      }
      segment.norms[column] = norms
    }
    for column in segment.scalars.indices {
      segment.scalars[column].reserveCapacity(count)
      for _ in 0..<count { segment.scalars[column].append(try reader.readValue()) }
    }
    let hasDynamic = try reader.readByte() != 0
    if hasDynamic {
      segment.dynamic.reserveCapacity(count)
      for _ in 0..<count { segment.dynamic.append(try reader.readValue()) }
    } else {
      segment.dynamic = Array(repeating: .null, count: count)
    }
    guard reader.isAtEnd else { throw .init(offset: reader.offset, reason: "trailing bytes after the last column") }
    segment.deleted = Array(repeating: false, count: count)
    segment.isSealed = true
    return segment
  }

  /// The deleted row offsets, for the segment's deletion file.
  func encodeDeletions() -> [UInt8] {
    var writer = BinaryWriter(capacity: 8 + deletedCount * 4)
    writer.write(UInt32(count))
    writer.write(UInt32(deletedCount))
    for (row, isDeleted) in deleted.enumerated() where isDeleted { writer.write(UInt32(row)) }
    return writer.bytes
  }

  func applyDeletions(_ bytes: UnsafeRawBufferPointer) throws(BinaryReader.Malformed) {
    var reader = BinaryReader(bytes)
    let rows = Int(try reader.read(UInt32.self))
    guard rows == count else { throw .init(offset: 0, reason: "deletions are for \(rows) rows, segment has \(count)") }
    let deletions = Int(try reader.read(UInt32.self))
    for _ in 0..<deletions {
      let row = Int(try reader.read(UInt32.self))
      guard row < count else { throw .init(offset: reader.offset, reason: "deleted row \(row) out of range") }
      markDeleted(row)
    }
    deletionsDirty = false
  }
}
