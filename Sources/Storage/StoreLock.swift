import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Exclusive writer lock on a store directory, shared by all processes on the machine.
///
/// Implemented with `flock(LOCK_EX | LOCK_NB)` on `DIRECTORY/LOCK`. The kernel drops the lock
/// when the holder exits or crashes, so a stale lock file never blocks anyone. flock locks
/// belong to the open file description, so a second acquisition in the same process fails too.
/// The holder's pid is written into the file only to make the "locked" error helpful.
public final class StoreLock: @unchecked Sendable {
  /// Name of the lock file inside the store directory.
  public static let fileName = "LOCK"

  /// The locked store directory.
  public let directory: String
  private let lock = NSLock()
  private var fd: Int32

  private init(directory: String, fd: Int32) {
    self.directory = directory
    self.fd = fd
  }

  deinit {
    release()
  }

  /// Takes the writer lock of `directory` without waiting. Throws `StorageError.locked`
  /// (with the holder's pid when known) if another process, or another `StoreLock` in this
  /// process, holds it.
  public static func acquireWriter(directory: String) throws -> StoreLock {
    let path = directory + "/" + fileName
    let fd = try POSIX.openFile(path, O_RDWR | O_CREAT)
    do {
      while flock(fd, LOCK_EX | LOCK_NB) != 0 {
        let code = errno
        if code == EINTR { continue }
        if code == EWOULDBLOCK { throw StorageError.locked(path: directory, pid: holderPID(fd)) }
        throw StorageError.io(path: path, operation: "lock", errno: code)
      }
      let pid = Array("\(getpid())\n".utf8)
      try POSIX.setSize(fd, to: 0, path: path)
      try pid.withUnsafeBytes { try POSIX.pwriteAll(fd, $0, at: 0, path: path) }
      try POSIX.syncFile(fd, path: path)
    } catch {
      POSIX.closeQuietly(fd)  // closing also drops the lock if we got it
      throw error
    }
    return StoreLock(directory: directory, fd: fd)
  }

  /// Releases the lock; calling it again, or letting the object deinit, is harmless.
  public func release() {
    lock.lock()
    defer { lock.unlock() }
    guard fd >= 0 else { return }
    _ = flock(fd, LOCK_UN)
    POSIX.closeQuietly(fd)
    fd = -1
  }

  /// Best-effort read of the pid the current holder wrote (nil if empty or mid-update).
  private static func holderPID(_ fd: Int32) -> Int32? {
    var buffer = [UInt8](repeating: 0, count: 32)
    guard
      let count = try? buffer.withUnsafeMutableBytes({
        try POSIX.preadFully(fd, into: $0, at: 0, path: "")
      })
    else { return nil }
    let text = String(decoding: buffer[..<count], as: UTF8.self)
    return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
  }
}
