import Foundation
import XCTest

@testable import Storage

/// Base class giving every test a fresh, private directory that is removed afterwards.
class StorageTestCase: XCTestCase {
  private(set) var directory = ""

  override func setUpWithError() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "storage-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    directory = url.path
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: directory)
  }

  func path(_ name: String) -> String { directory + "/" + name }
}

func readBytes(_ path: String) throws -> [UInt8] {
  Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

func writeBytes(_ bytes: [UInt8], to path: String) throws {
  try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func fileSize(_ path: String) throws -> Int {
  (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? -1
}

/// Random bytes from the kernel: a per-byte Swift loop is too slow for MiB in debug builds.
func randomBytes(_ count: Int) -> [UInt8] {
  guard count > 0, let urandom = FileHandle(forReadingAtPath: "/dev/urandom") else { return [] }
  defer { try? urandom.close() }
  return Array(urandom.readData(ofLength: count))
}

/// Asserts that `body` throws a `StorageError` and hands it to `check`.
func assertStorageError<T>(
  _ body: @autoclosure () throws -> T, _ message: String = "", file: StaticString = #filePath,
  line: UInt = #line,
  _ check: (StorageError) -> Void = { _ in }
) {
  do {
    _ = try body()
    XCTFail("expected a StorageError, got success. \(message)", file: file, line: line)
  } catch let error as StorageError {
    check(error)
  } catch {
    XCTFail("expected a StorageError, got \(error). \(message)", file: file, line: line)
  }
}

/// Must match `crashPayload` in Sources/storage-crash-child/main.swift.
func crashPayload(_ seq: Int) -> [UInt8] {
  let count = seq % 16 == 15 ? 300_000 : (seq &* 2_654_435_761) % 3000
  return (0..<count).map { UInt8(truncatingIfNeeded: seq &* 131 &+ $0 &* 7) }
}
