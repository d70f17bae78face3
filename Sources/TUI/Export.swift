import Model

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `:export FILE`: a collection's rows as JSON lines (one object per row, keys sorted, dynamic
/// keys at the top level as pymilvus prints them), read in primary-key order with `EntityPager`.
enum RowExport {
  /// Rows per `query` call.
  static let pageSize = 1_000

  /// One row as a line of JSON, without the newline.
  static func line(_ row: Row) -> String {
    var object: [String: JSONValue] = [:]
    for (key, value) in row {
      if key == CollectionSchema.dynamicFieldName, case .json(.object(let dynamic)) = value {
        for (name, element) in dynamic where row[name] == nil { object[name] = element }
      } else {
        object[key] = value.jsonValue
      }
    }
    return JSONValue.object(object).jsonText
  }

  /// Writes every row of `collection` to `path` (replacing it); reports "N of M rows" after
  /// each page and returns the rows written.
  static func run(
    collection: String, path: String, on backend: any VectorBackend, progress: (@Sendable (String) -> Void)?
  ) async throws -> Int {
    let total = try await backend.count(collection, filter: "", partitions: [])
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw VectorError.io("cannot write \(path): \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    var written = 0
    progress?(Format.progress(done: 0, of: total, "rows"))
    // Keyset pages (`pk > last`) in primary-key order: offset paging stops at Milvus's 16,384 cap.
    var pager = try await EntityPager(
      backend: backend, collection: collection, outputFields: ["*"], pageSize: pageSize)
    while let rows = try await pager.next() {
      var text = ""
      for row in rows { text += line(row) + "\n" }
      try writeAll(text, to: descriptor, path: path)
      written += rows.count
      progress?(Format.progress(done: written, of: max(total, written), "rows"))
    }
    return written
  }

  private static func writeAll(_ text: String, to descriptor: Int32, path: String) throws {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let count = bytes.withUnsafeMutableBytes { buffer in
        write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
      }
      if count < 0 {
        if errno == EINTR { continue }
        throw VectorError.io("cannot write \(path): \(String(cString: strerror(errno)))")
      }
      offset += count
    }
  }
}
