import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An append-only log of checksummed records; a record is durable once `append` returns.
///
/// Layout (integers little-endian): header `"VSCWALOG" | version: UInt32`, then records
/// `length: UInt32 | crc32c(length bytes + payload): UInt32 | payload`.
///
/// Recovery policy when opening:
/// - A record whose frame header or payload runs past the end of the file is a *torn tail*:
///   an append interrupted by a crash, which therefore was never acknowledged. A tail made
///   only of zero bytes (a file extended by the file system but never written) is torn too.
///   Writable opens truncate the file back to the last complete record and report how many
///   bytes were dropped; read-only opens just ignore the tail.
/// - A *complete* record whose checksum does not match is corruption and throws
///   `StorageError.corrupt` ("record N at offset X fails its checksum", N counting from 1).
///   It is never dropped silently: it may be an acknowledged write.
/// - A record claiming to run past the end of the file, but followed by intact records, has a
///   damaged length field rather than a torn write, and is reported as corruption as well.
///   (Limit of the format: if the *last* record's length field is damaged so that it points
///   past the end of the file, nothing distinguishes it from a torn write, and it is dropped.)
///
/// Thread safety: all methods are serialized by an internal lock. Only one process may write
/// a log at a time; take the store's `StoreLock` before opening it writable.
public final class WriteAheadLog: @unchecked Sendable {
  /// Largest payload a record may hold. Larger declared lengths are treated as corruption.
  public static let maxRecordSize = 1 << 30
  static let headerSize = 12
  static let frameHeaderSize = 8

  /// The log file.
  public let path: String
  /// Bytes of torn tail removed when this log was opened (0 after a clean shutdown).
  public let truncatedBytes: Int

  private let lock = NSLock()
  private var fd: Int32
  private var size: Int
  /// Set when the file's durable state became unknown (failed fsync or failed rollback);
  /// from then on every write rethrows it, because continuing could acknowledge lost data.
  private var failure: StorageError?

  private init(path: String, fd: Int32, size: Int, truncatedBytes: Int) {
    self.path = path
    self.fd = fd
    self.size = size
    self.truncatedBytes = truncatedBytes
  }

  deinit {
    if fd >= 0 { POSIX.closeQuietly(fd) }
  }

  /// Opens the log at `path` and returns every intact record's payload in append order.
  ///
  /// Writable (`readOnly == false`): creates the file (header written atomically and fsynced,
  /// directory fsynced) if it does not exist, truncates a torn tail (see the type's policy)
  /// and returns the log ready for appends. Read-only: never modifies anything; `log` is nil
  /// and a missing file yields no records. `tornTailBytes` is the size of the torn tail
  /// (truncated when writable, ignored when read-only).
  public static func open(path: String, readOnly: Bool = false) throws -> (
    log: WriteAheadLog?, records: [Data], tornTailBytes: Int
  ) {
    if readOnly {
      let fd: Int32
      do {
        fd = try POSIX.openFile(path, O_RDONLY)
      } catch StorageError.io(_, _, let code) where code == ENOENT {
        return (nil, [], 0)
      }
      defer { POSIX.closeQuietly(fd) }
      let bytes = try POSIX.readAll(fd, path: path)
      let scan = try bytes.withUnsafeBytes { try Self.scan($0, path: path) }
      return (nil, scan.records, bytes.count - scan.validEnd)
    }

    let fd: Int32
    do {
      fd = try POSIX.openFile(path, O_RDWR)
    } catch StorageError.io(_, _, let code) where code == ENOENT {
      // Created through rename so a crash can never leave a half-written header behind.
      var header = FileKind.writeAheadLog.magicBytes
      header.appendLittleEndian(FileKind.writeAheadLog.version)
      try ChecksummedFile.writeAtomically(header, to: path)
      fd = try POSIX.openFile(path, O_RDWR)
    }
    do {
      let bytes = try POSIX.readAll(fd, path: path)
      let scan = try bytes.withUnsafeBytes { try Self.scan($0, path: path) }
      let torn = bytes.count - scan.validEnd
      if torn > 0 {
        try POSIX.setSize(fd, to: scan.validEnd, path: path)
        try POSIX.syncFile(fd, path: path)
      }
      let log = WriteAheadLog(path: path, fd: fd, size: scan.validEnd, truncatedBytes: torn)
      return (log, scan.records, torn)
    } catch {
      POSIX.closeQuietly(fd)
      throw error
    }
  }

  /// Appends one record and returns once it is on stable storage (write + fdatasync).
  public func append(_ payload: some DataProtocol) throws {
    try appendBatch([payload])
  }

  /// Appends several records with a single write and a single fdatasync. After a crash any
  /// prefix of the batch may survive; once this returns, all of it is durable.
  ///
  /// If the write or sync fails (e.g. ENOSPC), the file is truncated back to its previous
  /// size before the error is thrown, so no half record is left behind. After a failed sync
  /// the log refuses further writes: the kernel may have discarded the unsynced data.
  public func appendBatch<D: DataProtocol>(_ payloads: [D]) throws {
    // Build the frames outside the lock; only the I/O needs to be serialized.
    var frames: [UInt8] = []
    frames.reserveCapacity(payloads.reduce(0) { $0 + Self.frameHeaderSize + $1.count })
    for payload in payloads {
      guard payload.count <= Self.maxRecordSize else {
        throw StorageError.recordTooLarge(
          path: path, size: payload.count, limit: Self.maxRecordSize)
      }
      let length = UInt32(payload.count)
      let crc = CRC32C.checksum(
        payload, seed: withUnsafeBytes(of: length.littleEndian) { CRC32C.checksum($0) })
      frames.appendLittleEndian(length)
      frames.appendLittleEndian(crc)
      for region in payload.regions {
        region.withUnsafeBytes { frames.append(contentsOf: $0) }
      }
    }
    guard !frames.isEmpty else { return }

    lock.lock()
    defer { lock.unlock() }
    try checkWritable()
    let previousSize = size
    do {
      try frames.withUnsafeBytes { try POSIX.pwriteAll(fd, $0, at: previousSize, path: path) }
    } catch {
      rollBack(to: previousSize)
      throw error
    }
    do {
      try POSIX.syncData(fd, path: path)
    } catch {
      rollBack(to: previousSize)
      failure = error as? StorageError
      throw error
    }
    size = previousSize + frames.count
  }

  /// Drops every record, leaving just the header, and fsyncs. Call it only after the
  /// checkpoint that covers these records is durable. A crash before this completes leaves
  /// the old records in place, so replaying records already in a checkpoint must be harmless.
  public func reset() throws {
    lock.lock()
    defer { lock.unlock() }
    try checkWritable()
    do {
      try POSIX.setSize(fd, to: Self.headerSize, path: path)
      try POSIX.syncFile(fd, path: path)
    } catch {
      failure = error as? StorageError
      throw error
    }
    size = Self.headerSize
  }

  /// Current size of the log file in bytes, header included.
  public var byteSize: Int {
    lock.lock()
    defer { lock.unlock() }
    return size
  }

  /// Closes the file. Further writes throw; closing twice is harmless.
  public func close() {
    lock.lock()
    defer { lock.unlock() }
    if fd >= 0 { POSIX.closeQuietly(fd) }
    fd = -1
  }

  private func checkWritable() throws {
    guard fd >= 0 else {
      throw StorageError.io(path: path, operation: "write to closed log", errno: EBADF)
    }
    if let failure { throw failure }
  }

  /// Removes a partially written batch. If even that fails the file may hold a half record,
  /// so the log is poisoned; reopening will classify the leftover as a torn tail.
  private func rollBack(to previousSize: Int) {
    do {
      try POSIX.setSize(fd, to: previousSize, path: path)
    } catch {
      failure = failure ?? (error as? StorageError)
    }
  }

  /// Parses a complete log image: returns the intact records and where they end.
  static func scan(_ file: UnsafeRawBufferPointer, path: String) throws -> (
    records: [Data], validEnd: Int
  ) {
    let kind = FileKind.writeAheadLog
    guard file.count >= headerSize, file.prefix(8).elementsEqual(kind.magicBytes) else {
      let reason =
        file.count < headerSize && file.elementsEqual(kind.magicBytes.prefix(file.count))
        ? "the write-ahead log header is truncated" : "not a vectorscope write-ahead log file"
      throw StorageError.corrupt(path: path, reason: reason)
    }
    let version = file.littleEndian(at: 8, as: UInt32.self)
    guard version != 0 else {
      throw StorageError.corrupt(path: path, reason: "invalid format version 0")
    }
    guard version <= kind.version else {
      throw StorageError.unsupportedVersion(path: path, found: version, supported: kind.version)
    }

    var records: [Data] = []
    var offset = headerSize
    while offset < file.count {
      let available = file.count - offset - frameHeaderSize
      if available < 0 { break }  // torn frame header
      let length = Int(file.littleEndian(at: offset, as: UInt32.self))
      guard length <= maxRecordSize else {
        throw StorageError.corrupt(
          path: path,
          reason:
            "record \(records.count + 1) at offset \(offset) declares an impossible length of \(length) bytes"
        )
      }
      if length > available {
        // Torn, unless intact records follow: then the length field itself is damaged.
        if containsIntactRecord(file, from: offset + 1) {
          throw StorageError.corrupt(
            path: path,
            reason:
              "record \(records.count + 1) at offset \(offset) claims to run past the end of the file, yet intact records follow it"
          )
        }
        break
      }
      let payload = UnsafeRawBufferPointer(
        rebasing: file[(offset + frameHeaderSize)..<(offset + frameHeaderSize + length)])
      guard checksum(file, at: offset, payload: payload) else {
        if file[offset...].allSatisfy({ $0 == 0 }) { break }  // zero-filled tail
        throw StorageError.corrupt(
          path: path, reason: "record \(records.count + 1) at offset \(offset) fails its checksum")
      }
      records.append(Data(payload))
      offset += frameHeaderSize + length
    }
    return (records, offset)
  }

  /// Whether the frame at `offset` with the given payload carries a matching CRC.
  private static func checksum(
    _ file: UnsafeRawBufferPointer, at offset: Int, payload: UnsafeRawBufferPointer
  )
    -> Bool
  {
    let lengthBytes = UnsafeRawBufferPointer(rebasing: file[offset..<(offset + 4)])
    let crc = CRC32C.checksum(payload, seed: CRC32C.checksum(lengthBytes))
    return crc == file.littleEndian(at: offset + 4, as: UInt32.self)
  }

  /// Looks for any complete frame with a valid checksum starting at or after `start`.
  /// Only runs when a torn tail is suspected, i.e. rarely, so a byte-wise scan is fine.
  private static func containsIntactRecord(_ file: UnsafeRawBufferPointer, from start: Int) -> Bool {
    var offset = start
    while offset + frameHeaderSize <= file.count {
      let length = Int(file.littleEndian(at: offset, as: UInt32.self))
      let end = offset + frameHeaderSize + length
      if length <= maxRecordSize, end <= file.count,
        checksum(
          file, at: offset,
          payload: UnsafeRawBufferPointer(rebasing: file[(offset + frameHeaderSize)..<end]))
      {
        return true
      }
      offset += 1
    }
    return false
  }
}
