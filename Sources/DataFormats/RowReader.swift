import Model

/// One kind of file, read forward in batches.
protocol RowSource: AnyObject {
  func next(maxRows: Int) throws(ImportError) -> [Row]?
  var bytesRead: Int64 { get }
  var totalBytes: Int64 { get }
}

/// Reads an import file as batches of rows for a collection, streaming (about a megabyte at a
/// time), checking every value with `FieldSchema.coerce`.
///
/// Rows follow pymilvus's `insert` with dicts: every field must be given except an auto-id
/// primary key (which must not be), nullable fields (missing → null) and fields with a default
/// value (missing → the default); the returned rows hold every field. Keys not in the schema are
/// kept as dynamic keys when the collection's dynamic field is enabled (and rejected otherwise);
/// a `$meta` object's keys become dynamic keys.
///
/// A bad row throws before any batch holding it, or a later row, is returned; after an error
/// every call throws it again. `RowReader` holds its open file in a shared reference: use one
/// copy at a time.
///
/// ```swift
/// var reader = try RowReader(path: "rows.jsonl", format: nil, schema: schema)
/// while let batch = try reader.nextBatch(maxRows: 1000) { ... }
/// ```
public struct RowReader {
  /// The file as given.
  public let path: String
  /// The format read (given, or detected from the extension or the first bytes).
  public let format: ImportFormat
  /// The collection schema rows are checked against.
  public let schema: CollectionSchema
  private let source: any RowSource
  /// Rows returned so far.
  public private(set) var rowsRead = 0

  /// Opens `path` for reading rows of `schema`.
  ///
  /// - Parameters:
  ///   - format: The file's format; nil detects it from the extension (`.jsonl`, `.ndjson`,
  ///     `.json`, `.csv`, `.fvecs`, `.npy`), or else from the first bytes.
  ///   - vectorField: For `.fvecs` and `.npy`, the FloatVector field the vectors fill; nil
  ///     means the schema's only vector field. Ignored by the other formats.
  /// - Throws: `ImportError` when the file cannot be opened, its format is unknown, its header
  ///   (CSV, `.npy`) does not fit the schema, or a vector-only format cannot fill the schema.
  public init(path: String, format: ImportFormat?, schema: CollectionSchema, vectorField: String? = nil)
    throws(ImportError)
  {
    let input = try InputFile(path: path)
    let detected: ImportFormat
    if let format {
      detected = format
    } else if let byExtension = ImportFormat(path: path) {
      detected = byExtension
    } else {
      _ = try input.require(64)
      guard let sniffed = ImportFormat.sniff(UnsafeBufferPointer(start: input.buffer, count: input.available)) else {
        throw ImportError(
          file: path,
          message:
            "cannot tell the file's format from its name; name it .jsonl, .json, .csv, .fvecs or .npy, or give the format"
        )
      }
      detected = sniffed
    }
    self.path = path
    self.format = detected
    self.schema = schema
    let shape = RowShape(schema: schema)
    switch detected {
    case .jsonLines:
      source = try JSONSource(input: input, shape: shape, allowRowsWrapper: path.lowercased().hasSuffix(".json"))
    case .csv:
      source = try CSVSource(input: input, shape: shape)
    case .fvecs, .npy:
      source = try VectorFileSource(input: input, format: detected, shape: shape, vectorField: vectorField)
    }
  }

  /// The next batch of at most `maxRows` rows (at least one row is read even if `maxRows` < 1),
  /// or nil at the end of the file.
  public mutating func nextBatch(maxRows: Int) throws(ImportError) -> [Row]? {
    guard let rows = try source.next(maxRows: max(1, maxRows)) else { return nil }
    rowsRead += rows.count
    return rows
  }

  /// Every remaining row (for small files and tests).
  public mutating func readAll(batchSize: Int = 4096) throws(ImportError) -> [Row] {
    var rows: [Row] = []
    while let batch = try nextBatch(maxRows: batchSize) { rows.append(contentsOf: batch) }
    return rows
  }

  /// How far reading has got, in bytes of the file (for progress).
  public var bytesRead: Int64 { source.bytesRead }
  /// The file's size in bytes (0 when it is not a regular file).
  public var totalBytes: Int64 { source.totalBytes }
}
