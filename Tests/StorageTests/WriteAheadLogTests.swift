import Foundation
import XCTest

@testable import Storage

final class WriteAheadLogTests: StorageTestCase {
  private var walPath: String { path("wal") }

  /// Creates a log holding `payloads` (appended one by one) and returns the file size after
  /// each record, i.e. `ends[i]` is where record i ends (`ends[-1]` would be the header).
  @discardableResult
  private func makeLog(_ payloads: [[UInt8]]) throws -> [Int] {
    let log = try XCTUnwrap(WriteAheadLog.open(path: walPath).log)
    defer { log.close() }
    return try payloads.map { payload in
      try log.append(payload)
      return log.byteSize
    }
  }

  private func records(readOnly: Bool = false) throws -> [[UInt8]] {
    let opened = try WriteAheadLog.open(path: walPath, readOnly: readOnly)
    opened.log?.close()
    return opened.records.map { Array($0) }
  }

  private let sample: [[UInt8]] = (0..<6).map { i in
    Array("record number \(i) ".utf8) + randomBytes(i * 13)
  }

  func testCreatesFileWithHeaderAndReopensRecords() throws {
    let opened = try WriteAheadLog.open(path: walPath)
    let log = try XCTUnwrap(opened.log)
    XCTAssertEqual(opened.records, [])
    XCTAssertEqual(try readBytes(walPath), Array("VSCWALOG".utf8) + [1, 0, 0, 0])
    XCTAssertEqual(log.byteSize, 12)

    let payloads = sample + [[]] + [randomBytes(100_000)]
    for payload in payloads { try log.append(payload) }
    try log.appendBatch([Data("batch a".utf8), Data(), Data("batch c".utf8)])
    XCTAssertEqual(log.byteSize, try fileSize(walPath))
    XCTAssertEqual(
      log.byteSize,
      12 + (payloads + [[], [], []]).count * 8 + payloads.reduce(0) { $0 + $1.count } + 14)
    log.close()

    let reopened = try WriteAheadLog.open(path: walPath)
    XCTAssertEqual(
      reopened.records.map { Array($0) },
      payloads + [Array("batch a".utf8), [], Array("batch c".utf8)])
    XCTAssertEqual(reopened.tornTailBytes, 0)
    XCTAssertEqual(reopened.log?.truncatedBytes, 0)
  }

  func testTornLastRecordIsTruncatedAtEveryCutPoint() throws {
    let ends = try makeLog(sample)
    let full = try readBytes(walPath)
    let lastStart = ends[ends.count - 2]
    for cut in lastStart..<full.count {
      try writeBytes(Array(full[..<cut]), to: walPath)
      let opened = try WriteAheadLog.open(path: walPath)
      let log = try XCTUnwrap(opened.log)
      XCTAssertEqual(opened.records.map { Array($0) }, Array(sample.dropLast()), "cut at \(cut)")
      XCTAssertEqual(opened.tornTailBytes, cut - lastStart)
      XCTAssertEqual(log.truncatedBytes, cut - lastStart)
      XCTAssertEqual(try fileSize(walPath), lastStart, "file truncated to the last complete record")
      XCTAssertEqual(log.byteSize, lastStart)
      try log.append(Array("after \(cut)".utf8))
      log.close()
      XCTAssertEqual(try records(), Array(sample.dropLast()) + [Array("after \(cut)".utf8)])
    }
  }

  func testTornBatchKeepsItsCompletePrefix() throws {
    let log = try XCTUnwrap(WriteAheadLog.open(path: walPath).log)
    try log.append([1])
    let before = log.byteSize
    try log.appendBatch([[2, 2], [3, 3, 3], [4, 4, 4, 4]])
    log.close()
    let full = try readBytes(walPath)
    // Cut inside the third record of the batch: its first two records survive.
    let thirdStart = before + (8 + 2) + (8 + 3)
    try writeBytes(Array(full[..<(thirdStart + 9)]), to: walPath)
    let opened = try WriteAheadLog.open(path: walPath)
    XCTAssertEqual(opened.records.map { Array($0) }, [[1], [2, 2], [3, 3, 3]])
    XCTAssertEqual(opened.tornTailBytes, 9)
  }

  func testZeroFilledTailIsTorn() throws {
    try makeLog(sample)
    let full = try readBytes(walPath)
    for zeros in [1, 4, 7, 8, 9, 100, 5000] {
      try writeBytes(full + [UInt8](repeating: 0, count: zeros), to: walPath)
      let readOnly = try WriteAheadLog.open(path: walPath, readOnly: true)
      XCTAssertEqual(readOnly.records.map { Array($0) }, sample)
      XCTAssertEqual(readOnly.tornTailBytes, zeros)
      let opened = try WriteAheadLog.open(path: walPath)
      XCTAssertEqual(opened.records.map { Array($0) }, sample, "\(zeros) zero bytes")
      XCTAssertEqual(opened.tornTailBytes, zeros)
      XCTAssertEqual(try readBytes(walPath), full)
      opened.log?.close()
    }
  }

  func testDamagedMiddleRecordIsCorruptionAtEveryByte() throws {
    let ends = try makeLog(sample)
    let full = try readBytes(walPath)
    let (start, end) = (ends[1], ends[2])  // record 3 (1-based), a middle record
    for position in start..<end {
      var damaged = full
      damaged[position] ^= 0x5A
      try writeBytes(damaged, to: walPath)
      for readOnly in [true, false] {
        assertStorageError(
          try WriteAheadLog.open(path: walPath, readOnly: readOnly), "byte \(position)"
        ) { error in
          guard case .corrupt(let p, let reason) = error else { return XCTFail("\(error)") }
          XCTAssertEqual(p, walPath)
          XCTAssertTrue(reason.contains("record 3 at offset \(start)"), reason)
          XCTAssertTrue(error.description.contains(walPath))
        }
      }
      XCTAssertEqual(try readBytes(walPath), damaged, "a failed open must not modify the file")
    }
    var damaged = full
    damaged[start + 8] ^= 1
    try writeBytes(damaged, to: walPath)
    assertStorageError(try WriteAheadLog.open(path: walPath)) { error in
      XCTAssertEqual(
        error, .corrupt(path: walPath, reason: "record 3 at offset \(start) fails its checksum"))
    }
  }

  func testDamagedLastCompleteRecordIsCorruptionNotTornTail() throws {
    let ends = try makeLog(sample)
    let full = try readBytes(walPath)
    let start = ends[ends.count - 2]
    // The checksum field and every payload byte (a damaged *length* that points past the
    // end of the file is indistinguishable from a torn write; see WriteAheadLog's doc comment).
    for position in (start + 4)..<full.count {
      var damaged = full
      damaged[position] ^= 0x01
      try writeBytes(damaged, to: walPath)
      assertStorageError(try WriteAheadLog.open(path: walPath), "byte \(position)") { error in
        XCTAssertEqual(
          error,
          .corrupt(
            path: walPath, reason: "record \(sample.count) at offset \(start) fails its checksum"))
      }
      XCTAssertEqual(try fileSize(walPath), full.count, "must not be truncated")
    }
    // Shrinking the length field makes the record complete but wrong: corruption as well.
    var damaged = full
    damaged[start] ^= 0x01
    try writeBytes(damaged, to: walPath)
    assertStorageError(try WriteAheadLog.open(path: walPath)) { error in
      guard case .corrupt = error else { return XCTFail("\(error)") }
    }
  }

  func testResetKeepsOnlyTheHeader() throws {
    let log = try XCTUnwrap(WriteAheadLog.open(path: walPath).log)
    for payload in sample { try log.append(payload) }
    try log.reset()
    XCTAssertEqual(log.byteSize, 12)
    XCTAssertEqual(try fileSize(walPath), 12)
    XCTAssertEqual(try records(readOnly: true), [])
    try log.append([42])
    log.close()
    XCTAssertEqual(try records(), [[42]])
  }

  func testReadOnlyOpenNeverModifiesOrCreates() throws {
    let missing = try WriteAheadLog.open(path: walPath, readOnly: true)
    XCTAssertNil(missing.log)
    XCTAssertEqual(missing.records, [])
    XCTAssertFalse(FileManager.default.fileExists(atPath: walPath))

    let ends = try makeLog(sample)
    let torn = Array(try readBytes(walPath).dropLast(3))
    try writeBytes(torn, to: walPath)
    let opened = try WriteAheadLog.open(path: walPath, readOnly: true)
    XCTAssertNil(opened.log)
    XCTAssertEqual(opened.records.map { Array($0) }, Array(sample.dropLast()))
    XCTAssertEqual(opened.tornTailBytes, torn.count - ends[ends.count - 2])
    XCTAssertEqual(try readBytes(walPath), torn)
  }

  func testBadHeaderAndNewerVersion() throws {
    try writeBytes(Array("NOTAWAL!".utf8) + [1, 0, 0, 0], to: walPath)
    assertStorageError(try WriteAheadLog.open(path: walPath)) { error in
      XCTAssertEqual(
        error, .corrupt(path: walPath, reason: "not a vectorscope write-ahead log file"))
    }
    try writeBytes(Array("VSCWA".utf8), to: walPath)
    assertStorageError(try WriteAheadLog.open(path: walPath)) { error in
      XCTAssertEqual(
        error, .corrupt(path: walPath, reason: "the write-ahead log header is truncated"))
    }
    try writeBytes(Array("VSCWALOG".utf8) + [2, 0, 0, 0], to: walPath)
    assertStorageError(try WriteAheadLog.open(path: walPath, readOnly: true)) { error in
      XCTAssertEqual(error, .unsupportedVersion(path: walPath, found: 2, supported: 1))
    }
  }

  func testAppendAfterCloseThrows() throws {
    let log = try XCTUnwrap(WriteAheadLog.open(path: walPath).log)
    log.close()
    log.close()
    assertStorageError(try log.append([1])) { error in
      XCTAssertEqual(error.path, walPath)
    }
  }

  func testConcurrentAppendsAreAllKept() throws {
    let log = try XCTUnwrap(WriteAheadLog.open(path: walPath).log)
    DispatchQueue.concurrentPerform(iterations: 4) { worker in
      for i in 0..<20 {
        do { try log.append(Array("\(worker)-\(i)".utf8)) } catch { XCTFail("\(error)") }
      }
    }
    log.close()
    let found = Set(try records().map { String(decoding: $0, as: UTF8.self) })
    XCTAssertEqual(found, Set((0..<4).flatMap { w in (0..<20).map { "\(w)-\($0)" } }))
  }
}
