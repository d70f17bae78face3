/// The file formats `RowReader` reads.
public enum ImportFormat: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  /// One JSON object per line (`.jsonl`, `.ndjson`); a `.json` file may instead hold one JSON array
  /// of objects (or Milvus bulk-insert's `{"rows": [...]}`), which is detected from its first byte.
  case jsonLines = "jsonl"
  /// RFC 4180 CSV with a header row naming the fields (`.csv`).
  case csv
  /// Vectors only: each row is a little-endian `Int32` dimension followed by that many `Float32`s.
  case fvecs
  /// Vectors only: a NumPy `.npy` file holding a 2-D, C-order `float32` (`<f4`) array.
  case npy

  public var description: String { rawValue }

  /// Whether rows of this format carry only a vector (so the collection needs an auto-id primary key).
  public var isVectorOnly: Bool { self == .fvecs || self == .npy }

  /// Reads a format name as a user types it: `jsonl`, `ndjson`, `json`, `csv`, `fvecs`, `npy` (any case, leading dot allowed).
  public init?(name: String) {
    var lowered = name.lowercased()
    if lowered.hasPrefix(".") { lowered.removeFirst() }
    switch lowered {
    case "jsonl", "ndjson", "json", "jsonlines", "json-lines": self = .jsonLines
    case "csv": self = .csv
    case "fvecs": self = .fvecs
    case "npy": self = .npy
    default: return nil
    }
  }

  /// The format a file's extension names (`rows.jsonl` → `.jsonLines`), or nil for an unknown extension.
  public init?(path: String) {
    let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(path)
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
    self.init(name: String(name[name.index(after: dot)...]))
  }

  /// Guesses the format from the first bytes of a file whose extension says nothing.
  static func sniff(_ prefix: UnsafeBufferPointer<UInt8>) -> ImportFormat? {
    if prefix.count >= 6, prefix[0] == 0x93, Array(prefix[1..<6]) == Array("NUMPY".utf8) { return .npy }
    var index = 0
    if prefix.count >= 3, prefix[0] == 0xEF, prefix[1] == 0xBB, prefix[2] == 0xBF { index = 3 }
    while index < prefix.count, [0x20, 0x09, 0x0A, 0x0D].contains(prefix[index]) { index += 1 }
    guard index < prefix.count else { return nil }
    return prefix[index] == 0x7B || prefix[index] == 0x5B ? .jsonLines : nil
  }
}
