import Foundation
import XCTest

@testable import Storage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Tests that need a second process: the `storage-crash-child` executable of this package.
final class ProcessTests: StorageTestCase {
  /// Finds the child executable. SwiftPM builds every product of the package into one
  /// directory (`.build/<triple>/debug`) before running tests. On Linux the test runner is
  /// `<that dir>/StoragePackageTests.xctest`, a plain executable, so `Bundle.main.bundleURL`
  /// is the directory itself; on macOS the runner is `.../debug/StoragePackageTests.xctest/
  /// Contents/MacOS/…`, so we also walk up from the test bundle. argv[0] and /proc/self/exe
  /// are fallbacks for other runners, and STORAGE_CRASH_CHILD overrides everything.
  static func childExecutable() -> URL? {
    let name = "storage-crash-child"
    if let override = ProcessInfo.processInfo.environment["STORAGE_CRASH_CHILD"] {
      return URL(fileURLWithPath: override)
    }
    var starts = [Bundle(for: ProcessTests.self).bundleURL, Bundle.main.bundleURL]
    starts.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
    starts.append(
      URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent())
    for start in starts {
      var directory = start.standardizedFileURL
      for _ in 0..<4 {  // the directory itself and a few parents (macOS bundle layout)
        let candidate = directory.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory = directory.deletingLastPathComponent()
      }
    }
    return nil
  }

  private func launchChild(_ arguments: [String]) throws -> (
    process: Process, stdout: Pipe, stderr: Pipe
  ) {
    let executable = try XCTUnwrap(
      Self.childExecutable(),
      "storage-crash-child not found next to the test runner; run `swift build` first")
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    let (stdout, stderr) = (Pipe(), Pipe())
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    // Watchdog: a wedged child must not hang the test run. It checks isRunning (the child is
    // not reaped yet, so its pid cannot have been reused) to never signal a stranger.
    DispatchQueue.global().asyncAfter(deadline: .now() + 20) {
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
    return (process, stdout, stderr)
  }

  /// Complete lines only: a line without its newline was not fully acknowledged.
  private func lines(_ data: Data) -> [String] {
    var text = String(decoding: data, as: UTF8.self)
    if let lastNewline = text.lastIndex(of: "\n") {
      text = String(text[...lastNewline])
    } else {
      text = ""
    }
    return text.split(separator: "\n").map(String.init)
  }

  /// Kills an appending child at random moments; every acknowledged record must survive,
  /// recovery must keep records intact and in order, and the log must accept appends again.
  func testAcknowledgedAppendsSurviveSIGKILL() throws {
    let wal = path("wal")
    var recovered: [Data] = []
    var acknowledgedTotal = 0
    var tornTails = 0
    for round in 0..<20 {
      let child = try launchChild(["wal", wal])
      usleep(UInt32.random(in: 40_000...160_000))
      kill(child.process.processIdentifier, SIGKILL)
      child.process.waitUntilExit()
      let errors = String(
        decoding: child.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      XCTAssertEqual(
        child.process.terminationReason, .uncaughtSignal, "child failed on its own: \(errors)")
      let acknowledged = lines(child.stdout.fileHandleForReading.readDataToEndOfFile()).map {
        Int($0) ?? -1
      }
      // The child resumes numbering after the records it recovered, which are ours.
      XCTAssertEqual(
        acknowledged, Array(recovered.count..<(recovered.count + acknowledged.count)),
        "round \(round)")
      acknowledgedTotal += acknowledged.count

      let before = try? readBytes(wal)
      let readOnly = try WriteAheadLog.open(path: wal, readOnly: true)
      XCTAssertEqual(try? readBytes(wal), before, "read-only open modified the log")

      let opened = try WriteAheadLog.open(path: wal)
      let records = opened.records
      XCTAssertEqual(readOnly.records.count, records.count)
      XCTAssertEqual(readOnly.tornTailBytes, opened.tornTailBytes)
      if opened.tornTailBytes > 0 { tornTails += 1 }
      XCTAssertGreaterThanOrEqual(
        records.count, recovered.count + acknowledged.count, "lost an acknowledged record")
      XCTAssertEqual(Array(records.prefix(recovered.count)), recovered, "earlier records changed")
      for seq in recovered.count..<records.count where records[seq] != Data(crashPayload(seq)) {
        XCTFail("record \(seq) has wrong content")
        break
      }
      XCTAssertEqual(opened.log?.byteSize, try fileSize(wal))
      opened.log?.close()
      recovered = records
    }
    XCTAssertGreaterThan(
      acknowledgedTotal, 0, "the child never got to append; the test proved nothing")
    print(
      "crash test: \(acknowledgedTotal) acknowledged records, \(recovered.count) recovered, \(tornTails) torn tails"
    )
  }

  /// A write that fails half way (EFBIG here, like ENOSPC) must be rolled back: no half
  /// record on disk, nothing to recover as torn, and the log stays usable.
  func testFailedWriteIsRolledBack() throws {
    let wal = path("wal")
    let child = try launchChild(["fill", wal, "100000"])
    child.process.waitUntilExit()
    let errors = String(
      decoding: child.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    XCTAssertEqual(child.process.terminationStatus, 0, errors)
    let output = lines(child.stdout.fileHandleForReading.readDataToEndOfFile())
    let acknowledged = output.compactMap { Int($0) }
    XCTAssertEqual(acknowledged, Array(0..<15), "record 15 (300 kB) exceeds the 100 kB limit")
    let failure = try XCTUnwrap(output.first { $0.hasPrefix("error: ") })
    XCTAssertTrue(
      failure.contains("could not write \(wal)") && failure.contains("File too large"), failure)
    XCTAssertEqual(output.last, "recovered")

    let expected = acknowledged.map { crashPayload($0) } + [[0xAB, 0xCD]]
    XCTAssertEqual(
      try fileSize(wal), 12 + expected.reduce(0) { $0 + 8 + $1.count }, "half record left behind")
    let opened = try WriteAheadLog.open(path: wal)
    XCTAssertEqual(opened.tornTailBytes, 0)
    XCTAssertEqual(opened.records.map { Array($0) }, expected)
  }

  /// The lock is exclusive across processes and the kernel releases it when the holder dies.
  func testLockHeldByAnotherProcessIsReleasedWhenItDies() throws {
    let child = try launchChild(["lock", directory])
    let ready = lines(child.stdout.fileHandleForReading.availableData)
    XCTAssertEqual(ready, ["locked"])
    let pid = child.process.processIdentifier
    assertStorageError(try StoreLock.acquireWriter(directory: directory)) { error in
      XCTAssertEqual(error, .locked(path: directory, pid: pid))
      XCTAssertEqual(
        error.description,
        "the store at \(directory) is open for writing by another vscope process (pid \(pid)); close it or open this store read-only"
      )
    }
    kill(pid, SIGKILL)
    child.process.waitUntilExit()
    let lock = try StoreLock.acquireWriter(directory: directory)
    XCTAssertEqual(try String(contentsOfFile: path("LOCK"), encoding: .utf8), "\(getpid())\n")
    lock.release()
  }
}
