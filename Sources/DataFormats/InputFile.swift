#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file read forward through one growable buffer, about a megabyte at a time.
///
/// Parsers look at `buffer[start..<end]`; they advance `start` past what they consumed and
/// call `fill()` when a record runs past `end`. `fill()` moves the unconsumed bytes to the
/// front of the buffer, so positions must be recomputed from `start` after it.
final class InputFile {
  let path: String
  let size: Int64
  private let fd: Int32
  private(set) var buffer: UnsafeMutablePointer<UInt8>
  private(set) var capacity: Int
  /// The first byte not yet consumed.
  var start = 0
  /// One past the last byte read.
  private(set) var end = 0
  /// Whether `read` has reported the end of the file.
  private(set) var atEOF = false
  /// The file offset of `buffer[0]`.
  private(set) var bufferOffset: Int64 = 0

  static let chunkSize = 1 << 20

  init(path: String, chunkSize: Int = InputFile.chunkSize) throws(ImportError) {
    self.path = path
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      throw ImportError(file: path, message: "cannot open the file: \(Self.systemError())", isIOError: true)
    }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      let message = Self.systemError()
      close(fd)
      throw ImportError(file: path, message: "cannot read the file: \(message)", isIOError: true)
    }
    if (info.st_mode & S_IFMT) == S_IFDIR {
      close(fd)
      throw ImportError(file: path, message: "is a directory, not a file", isIOError: true)
    }
    self.fd = fd
    self.size = (info.st_mode & S_IFMT) == S_IFREG ? Int64(info.st_size) : 0
    self.capacity = max(16, chunkSize)
    self.buffer = .allocate(capacity: capacity + 1)
    buffer[0] = 0
  }

  deinit {
    close(fd)
    buffer.deallocate()
  }

  /// The file offset of the first unconsumed byte.
  var offset: Int64 { bufferOffset + Int64(start) }
  /// Bytes available after `start`.
  var available: Int { end - start }

  /// Reads more of the file after the unconsumed bytes; returns false at the end of the file.
  @discardableResult
  func fill() throws(ImportError) -> Bool {
    if atEOF { return false }
    if start > 0 {
      let remaining = end - start
      if remaining > 0 { (buffer).update(from: buffer + start, count: remaining) }
      bufferOffset += Int64(start)
      end = remaining
      start = 0
    }
    if end == capacity {
      let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2 + 1)
      larger.update(from: buffer, count: end)
      buffer.deallocate()
      buffer = larger
      capacity *= 2
    }
    while true {
      let count = read(fd, buffer + end, capacity - end)
      if count < 0 {
        if errno == EINTR { continue }
        throw ImportError(file: path, message: "cannot read the file: \(Self.systemError())", isIOError: true)
      }
      if count == 0 {
        atEOF = true
        buffer[end] = 0
        return false
      }
      end += count
      buffer[end] = 0
      return true
    }
  }

  /// Makes at least `count` bytes available after `start` unless the file ends first; returns whether it could.
  func require(_ count: Int) throws(ImportError) -> Bool {
    while end - start < count {
      if try !fill() { return end - start >= count }
    }
    return true
  }

  /// The index of the first `byte` in `buffer[from..<end]`, or nil.
  func find(_ byte: UInt8, from: Int) -> Int? {
    guard from < end else { return nil }
    guard let found = memchr(buffer + from, Int32(byte), end - from) else { return nil }
    return buffer.distance(to: found.assumingMemoryBound(to: UInt8.self))
  }

  static func systemError() -> String {
    String(cString: strerror(errno))
  }
}
