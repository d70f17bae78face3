import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Errors raised by the storage layer. Every message is one sentence that names the file
/// or directory involved, so it can be shown to the user as is.
public enum StorageError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The file exists but its contents are damaged or not what this kind of file should hold.
  case corrupt(path: String, reason: String)
  /// A system call failed; `operation` is a verb such as "open", "write" or "fsync".
  case io(path: String, operation: String, errno: Int32)
  /// Another process holds the writer lock of the store directory at `path`.
  case locked(path: String, pid: Int32?)
  /// The file was written by a newer Vectorscope with a format this build cannot read.
  case unsupportedVersion(path: String, found: UInt32, supported: UInt32)
  /// A write-ahead log record is larger than the format allows.
  case recordTooLarge(path: String, size: Int, limit: Int)

  /// The file or directory the error is about.
  public var path: String {
    switch self {
    case .corrupt(let path, _), .io(let path, _, _), .locked(let path, _),
      .unsupportedVersion(let path, _, _), .recordTooLarge(let path, _, _):
      return path
    }
  }

  /// A user-facing, single-sentence explanation that includes the path.
  public var description: String {
    switch self {
    case .corrupt(let path, let reason):
      return "corrupt file \(path): \(reason)"
    case .io(let path, let operation, let code):
      return "could not \(operation) \(path): \(String(cString: strerror(code))) (errno \(code))"
    case .locked(let path, let pid):
      let owner = pid.map { "another vscope process (pid \($0))" } ?? "another vscope process"
      return
        "the store at \(path) is open for writing by \(owner); close it or open this store read-only"
    case .unsupportedVersion(let path, let found, let supported):
      return
        "\(path) uses format version \(found), but this vscope only reads up to version \(supported); upgrade vscope to open it"
    case .recordTooLarge(let path, let size, let limit):
      return "cannot append a \(size)-byte record to \(path): records are limited to \(limit) bytes"
    }
  }
}

extension StorageError: LocalizedError {
  /// Same as `description`, so `localizedDescription` shows the real message too.
  public var errorDescription: String? { description }
}
