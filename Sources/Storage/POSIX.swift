import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Thin wrappers over the system calls the storage layer needs. They retry on EINTR, loop
/// over short reads/writes and turn failures into `StorageError.io` naming the path.
package enum POSIX {
  /// Runs a call that reports failure as -1/errno, retrying while it is interrupted.
  @discardableResult
  static func retry<T: BinaryInteger>(_ path: String, _ operation: String, _ call: () -> T) throws
    -> T
  {
    while true {
      let result = call()
      if result != -1 { return result }
      if errno != EINTR { throw StorageError.io(path: path, operation: operation, errno: errno) }
    }
  }

  static func openFile(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws -> Int32 {
    try retry(path, "open") { open(path, flags | O_CLOEXEC, mode) }
  }

  /// Closes a descriptor whose data has already been synced; errors there can't lose data
  /// we still care about, and EINTR must not be retried on Linux (the fd is already gone).
  static func closeQuietly(_ fd: Int32) {
    _ = close(fd)
  }

  static func fileSize(_ fd: Int32, path: String) throws -> Int {
    var info = stat()
    try retry(path, "stat") { fstat(fd, &info) }
    return Int(info.st_size)
  }

  /// Writes every byte of `bytes` at `offset`, looping over short writes.
  static func pwriteAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String)
    throws
  {
    var done = 0
    while done < bytes.count {
      let n = try retry(path, "write") {
        pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
      }
      done += n
    }
  }

  /// Writes every byte at the current file position, looping over short writes.
  static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
    var done = 0
    while done < bytes.count {
      done += try retry(path, "write") { write(fd, bytes.baseAddress! + done, bytes.count - done) }
    }
  }

  /// Writes every region of `data` at the current file position.
  static func writeAll(_ fd: Int32, _ data: some DataProtocol, path: String) throws {
    for region in data.regions {
      try region.withUnsafeBytes { try writeAll(fd, $0, path: path) }
    }
  }

  /// Reads into `buffer` from `offset` until it is full or the file ends; returns the count.
  static func preadFully(
    _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String
  )
    throws -> Int
  {
    var done = 0
    while done < buffer.count {
      let n = try retry(path, "read") {
        pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
      }
      if n == 0 { break }
      done += n
    }
    return done
  }

  /// Reads the whole file into memory with pread. Used where the file may change under us
  /// (a WAL another process appends to), where a mapping could SIGBUS on truncation.
  static func readAll(_ fd: Int32, path: String) throws -> [UInt8] {
    let size = try fileSize(fd, path: path)
    return try [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
      // If the file shrank meanwhile, keep what exists; growth after fstat is ignored.
      initialized = try preadFully(
        fd, into: UnsafeMutableRawBufferPointer(buffer), at: 0, path: path)
    }
  }

  /// fsync: flushes data and all metadata (size, times) to stable storage.
  static func syncFile(_ fd: Int32, path: String) throws {
    try retry(path, "fsync") { fsync(fd) }
  }

  /// fdatasync: flushes data plus the metadata needed to read it back (including the size).
  static func syncData(_ fd: Int32, path: String) throws {
    try retry(path, "fsync") { fdatasync(fd) }
  }

  static func setSize(_ fd: Int32, to size: Int, path: String) throws {
    try retry(path, "truncate") { ftruncate(fd, off_t(size)) }
  }

  /// Directory holding `path` ("." for a bare name), for fsyncing after a rename.
  static func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }
}

extension [UInt8] {
  /// Appends `value` in little-endian byte order, the byte order of all on-disk integers.
  mutating func appendLittleEndian(_ value: some FixedWidthInteger) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }
}

extension UnsafeRawBufferPointer {
  /// Loads a little-endian integer at any (unaligned) byte offset.
  func littleEndian<T: FixedWidthInteger>(at offset: Int, as type: T.Type) -> T {
    T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
  }
}
