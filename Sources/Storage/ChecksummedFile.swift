import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Identifies one on-disk file format: its 8-byte magic, the newest format version this
/// build writes and reads, and a human name used in error messages.
public struct FileKind: Sendable, Hashable, CustomStringConvertible {
  /// Exactly 8 ASCII characters at the start of the file.
  public let magic: String
  /// Current format version: written by this build, and the newest it can read.
  public let version: UInt32
  /// Short human name, e.g. "manifest", used as "not a vectorscope manifest file".
  public let name: String

  /// Declares a file kind. `magic` must be exactly 8 ASCII bytes and `version` at least 1.
  public init(magic: String, version: UInt32, name: String) {
    precondition(
      magic.utf8.count == 8 && magic.utf8.allSatisfy { $0 < 0x80 }, "magic must be 8 ASCII bytes")
    precondition(version >= 1, "format versions start at 1")
    self.magic = magic
    self.version = version
    self.name = name
  }

  var magicBytes: [UInt8] { Array(magic.utf8) }

  /// The human name of the kind.
  public var description: String { name }

  /// The store manifest (list of live segments, checkpoint state).
  public static let manifest = FileKind(magic: "VSCMANIF", version: 1, name: "manifest")
  /// An immutable vector segment.
  public static let segment = FileKind(magic: "VSCSEGMT", version: 1, name: "segment")
  /// A deletion list (tombstones) for a segment.
  public static let deletions = FileKind(magic: "VSCDELET", version: 1, name: "deletion list")
  /// A persisted search index.
  public static let index = FileKind(magic: "VSCINDEX", version: 1, name: "index")
  /// The write-ahead log (`WriteAheadLog` uses only the magic and version, as its header).
  public static let writeAheadLog = FileKind(magic: "VSCWALOG", version: 1, name: "write-ahead log")
}

/// A whole file holding one checksummed payload, replaced atomically on every write.
///
/// Layout (integers little-endian):
/// `magic[8] | version: UInt32 | payloadLength: UInt64 | payload | crc32c: UInt32`,
/// where the CRC-32C covers every byte before it.
///
/// Files are never modified in place, only replaced by rename, which is why large files can
/// be read through a memory mapping: the mapped inode never changes underneath.
public enum ChecksummedFile {
  static let headerSize = 20
  static let trailerSize = 4
  /// Files at least this large are memory-mapped instead of copied into memory.
  static let mapThreshold = 1 << 20

  /// Atomically replaces `path` with a file of `kind` holding `payload` (see `writeAtomically`).
  public static func write(_ payload: some DataProtocol, kind: FileKind, to path: String) throws {
    var header = kind.magicBytes
    header.appendLittleEndian(kind.version)
    header.appendLittleEndian(UInt64(payload.count))
    let crc = CRC32C.checksum(payload, seed: CRC32C.checksum(header))
    var trailer: [UInt8] = []
    trailer.appendLittleEndian(crc)
    try replaceAtomically(path) { fd, temp in
      try POSIX.writeAll(fd, header, path: temp)
      try POSIX.writeAll(fd, payload, path: temp)
      try POSIX.writeAll(fd, trailer, path: temp)
    }
  }

  /// Reads and fully verifies a file of `kind`, returning its payload. Older format versions
  /// are accepted; use `readVersioned` when the payload layout depends on the version.
  public static func read(kind: FileKind, from path: String) throws -> Data {
    try readVersioned(kind: kind, from: path).payload
  }

  /// Like `read`, but also returns the format version the file was written with.
  ///
  /// Checks, in order: magic (wrong → `.corrupt` "not a vectorscope NAME file"), version
  /// (newer than `kind.version` → `.unsupportedVersion`), declared length against the file
  /// size (→ `.corrupt` truncated / trailing bytes), then the checksum (→ `.corrupt`
  /// "checksum mismatch"). Files of 1 MiB or more are memory-mapped and the returned `Data`
  /// references the mapping without copying.
  public static func readVersioned(kind: FileKind, from path: String) throws -> (
    version: UInt32, payload: Data
  ) {
    let fd = try POSIX.openFile(path, O_RDONLY)
    defer { POSIX.closeQuietly(fd) }
    let size = try POSIX.fileSize(fd, path: path)

    if size < mapThreshold {
      let bytes = try POSIX.readAll(fd, path: path)
      let version = try bytes.withUnsafeBytes { try verify($0, kind: kind, path: path) }
      return (version, Data(bytes[headerSize..<(bytes.count - trailerSize)]))
    }

    guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0),
      base != UnsafeMutableRawPointer(bitPattern: -1)  // MAP_FAILED
    else { throw StorageError.io(path: path, operation: "map", errno: errno) }
    do {
      let version = try verify(
        UnsafeRawBufferPointer(start: base, count: size), kind: kind, path: path)
      // The deallocator must be @Sendable, so it captures the address as an integer.
      let address = UInt(bitPattern: base)
      let payload = Data(
        bytesNoCopy: base + headerSize, count: size - headerSize - trailerSize,
        deallocator: .custom { _, _ in munmap(UnsafeMutableRawPointer(bitPattern: address), size) })
      return (version, payload)
    } catch {
      munmap(base, size)
      throw error
    }
  }

  /// Validates a complete file image and returns its format version.
  static func verify(_ file: UnsafeRawBufferPointer, kind: FileKind, path: String) throws -> UInt32 {
    let magic = kind.magicBytes
    if file.count < magic.count {
      // A prefix of the right magic is a cut-off file; anything else is a foreign file.
      let reason =
        file.elementsEqual(magic.prefix(file.count))
        ? "the file is truncated to \(file.count) bytes" : "not a vectorscope \(kind.name) file"
      throw StorageError.corrupt(path: path, reason: reason)
    }
    guard file.prefix(magic.count).elementsEqual(magic) else {
      throw StorageError.corrupt(path: path, reason: "not a vectorscope \(kind.name) file")
    }
    guard file.count >= headerSize + trailerSize else {
      throw StorageError.corrupt(
        path: path, reason: "the file is truncated to \(file.count) bytes, shorter than its header")
    }
    let version = file.littleEndian(at: 8, as: UInt32.self)
    guard version != 0 else {
      throw StorageError.corrupt(path: path, reason: "invalid format version 0")
    }
    guard version <= kind.version else {
      throw StorageError.unsupportedVersion(path: path, found: version, supported: kind.version)
    }
    let declared = file.littleEndian(at: 12, as: UInt64.self)
    let present = UInt64(file.count - headerSize - trailerSize)
    guard declared <= present else {
      throw StorageError.corrupt(
        path: path,
        reason: "the file is truncated: it declares \(declared) payload bytes but holds \(present)")
    }
    guard declared == present else {
      throw StorageError.corrupt(
        path: path,
        reason: "the payload is followed by unexpected data (\(present - declared) bytes)")
    }
    let stored = file.littleEndian(at: file.count - trailerSize, as: UInt32.self)
    let computed = CRC32C.checksum(
      UnsafeRawBufferPointer(rebasing: file[..<(file.count - trailerSize)]))
    guard stored == computed else {
      throw StorageError.corrupt(
        path: path,
        reason:
          "checksum mismatch (stored \(hex(stored)), computed \(hex(computed))); the file is damaged"
      )
    }
    return version
  }

  /// Atomically replaces `path` with exactly `data` (no header): the bytes go to a unique
  /// temporary file in the same directory, which is fsynced, renamed over `path`, and then
  /// the directory is fsynced so the rename itself survives a crash. Readers see either the
  /// old file or the complete new one, never a mix.
  public static func writeAtomically(_ data: some DataProtocol, to path: String) throws {
    try replaceAtomically(path) { fd, temp in try POSIX.writeAll(fd, data, path: temp) }
  }

  /// Flushes a directory's entries (creations, renames, deletions) to stable storage.
  /// File systems that cannot sync directories (EINVAL) are tolerated: nothing more can be done.
  public static func fsyncDirectory(_ path: String) throws {
    let fd = try POSIX.openFile(path, O_RDONLY | O_DIRECTORY)
    defer { POSIX.closeQuietly(fd) }
    do {
      try POSIX.syncFile(fd, path: path)
    } catch StorageError.io(_, _, let code) where code == EINVAL {
    }
  }

  /// Shared temp-file + fsync + rename + directory-fsync sequence. `body` writes the content
  /// through the descriptor; the temp file is removed if anything fails before the rename.
  static func replaceAtomically(
    _ path: String, _ body: (_ fd: Int32, _ tempPath: String) throws -> Void
  ) throws {
    let directory = POSIX.parentDirectory(of: path)
    let name = path.split(separator: "/").last.map(String.init) ?? path
    let temp =
      "\(directory)/.\(name).tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
    let fd = try POSIX.openFile(temp, O_WRONLY | O_CREAT | O_EXCL)
    var renamed = false
    defer { if !renamed { unlink(temp) } }
    do {
      try body(fd, temp)
      try POSIX.syncFile(fd, path: temp)
    } catch {
      POSIX.closeQuietly(fd)
      throw error
    }
    POSIX.closeQuietly(fd)  // already synced: a close error cannot lose data
    try POSIX.retry(path, "replace") { rename(temp, path) }
    renamed = true
    try fsyncDirectory(directory)
  }

  static func hex(_ value: UInt32) -> String {
    "0x" + String(value, radix: 16, uppercase: true)
  }
}
