import Foundation
import XCTest

@testable import Storage

final class StoreLockTests: StorageTestCase {
  func testSecondAcquisitionFailsUntilReleased() throws {
    let first = try StoreLock.acquireWriter(directory: directory)
    XCTAssertEqual(try String(contentsOfFile: path("LOCK"), encoding: .utf8), "\(getpid())\n")
    assertStorageError(try StoreLock.acquireWriter(directory: directory)) { error in
      XCTAssertEqual(error, .locked(path: directory, pid: getpid()))
      XCTAssertTrue(error.description.contains("pid \(getpid())"), error.description)
      XCTAssertTrue(
        error.description.contains("the store at \(directory) is open for writing"),
        error.description)
    }
    first.release()
    first.release()
    let second = try StoreLock.acquireWriter(directory: directory)
    second.release()
  }

  func testDeinitReleases() throws {
    do {
      let lock = try StoreLock.acquireWriter(directory: directory)
      withExtendedLifetime(lock) {}
    }
    XCTAssertNoThrow(try StoreLock.acquireWriter(directory: directory))
  }

  func testMissingDirectoryIsAnIOError() {
    let missing = path("missing")
    assertStorageError(try StoreLock.acquireWriter(directory: missing)) { error in
      XCTAssertEqual(error, .io(path: missing + "/LOCK", operation: "open", errno: ENOENT))
    }
  }

  func testMessageWithoutPID() {
    XCTAssertEqual(
      StorageError.locked(path: "/data", pid: nil).description,
      "the store at /data is open for writing by another vscope process; close it or open this store read-only"
    )
  }
}
