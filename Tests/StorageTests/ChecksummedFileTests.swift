import Foundation
import XCTest

@testable import Storage

final class ChecksummedFileTests: StorageTestCase {
  func testRoundTripSmallEmptyAndMapped() throws {
    let file = path("manifest")
    for payload in [[], Array("hello".utf8), randomBytes(70_000), randomBytes(3 << 20)] {
      try ChecksummedFile.write(payload, kind: .manifest, to: file)
      XCTAssertEqual(try fileSize(file), payload.count + 24)
      let read = try ChecksummedFile.readVersioned(kind: .manifest, from: file)
      XCTAssertEqual(read.version, FileKind.manifest.version)
      XCTAssertEqual(read.payload.count, payload.count)
      XCTAssertEqual(read.payload, Data(payload))
      XCTAssertEqual(read.payload.startIndex, 0)
    }
    // Data input works too, and the header has the documented layout.
    try ChecksummedFile.write(Data([1, 2, 3]), kind: .segment, to: file)
    let bytes = try readBytes(file)
    XCTAssertEqual(Array(bytes[0..<8]), Array("VSCSEGMT".utf8))
    XCTAssertEqual(Array(bytes[8..<20]), [1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0])
    XCTAssertEqual(Array(bytes[20..<23]), [1, 2, 3])
    let crc = CRC32C.checksum(bytes[..<23])
    XCTAssertEqual(
      Array(bytes[23...]),
      [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)])
  }

  func testEverySingleByteFlipIsDetectedAndNamesThePath() throws {
    // Small files are read with read(2), large ones through mmap: check both paths.
    for payloadSize in [100, 2 << 20] {
      let file = path("segment-\(payloadSize)")
      let payload = randomBytes(payloadSize)
      try ChecksummedFile.write(payload, kind: .segment, to: file)
      let original = try readBytes(file)
      let n = original.count
      let positions: [(Int, String)] = [
        (0, "magic"), (7, "magic"), (8, "version"), (11, "version"), (12, "length"), (19, "length"),
        (20, "payload"), (20 + payloadSize / 2, "payload"), (n - 5, "payload"), (n - 4, "crc"),
        (n - 1, "crc"),
      ]
      for (position, field) in positions {
        var damaged = original
        damaged[position] ^= 0xFF
        try writeBytes(damaged, to: file)
        assertStorageError(
          try ChecksummedFile.read(kind: .segment, from: file), "\(field) @\(position)"
        ) { error in
          XCTAssertTrue(error.description.contains(file), error.description)
          switch (field, error) {
          case ("magic", .corrupt(_, let reason)):
            XCTAssertEqual(reason, "not a vectorscope segment file")
          case ("version", .unsupportedVersion(_, _, let supported)):
            XCTAssertEqual(supported, 1)
          case ("length", .corrupt(_, let reason)):
            XCTAssertTrue(
              reason.contains("truncated") || reason.contains("unexpected data"), reason)
          case ("payload", .corrupt(_, let reason)), ("crc", .corrupt(_, let reason)):
            XCTAssertTrue(reason.contains("checksum mismatch"), reason)
          default:
            XCTFail("unexpected error for \(field) @\(position): \(error)")
          }
        }
      }
    }
  }

  func testTruncatedOrExtendedFilesAreCorrupt() throws {
    let file = path("index")
    try ChecksummedFile.write(randomBytes(1000), kind: .index, to: file)
    let original = try readBytes(file)
    for cut in [
      0, 3, 8, 12, 19, 20, 21, original.count / 2, original.count - 4, original.count - 1,
    ] {
      try writeBytes(Array(original[..<cut]), to: file)
      assertStorageError(try ChecksummedFile.read(kind: .index, from: file), "cut at \(cut)") {
        error in
        guard case .corrupt(let p, let reason) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(p, file)
        XCTAssertTrue(reason.contains("truncated"), reason)
        XCTAssertTrue(error.description.hasPrefix("corrupt file \(file): "), error.description)
      }
    }
    try writeBytes(original + [0], to: file)
    assertStorageError(try ChecksummedFile.read(kind: .index, from: file)) { error in
      XCTAssertEqual(
        error, .corrupt(path: file, reason: "the payload is followed by unexpected data (1 bytes)"))
    }
  }

  func testWrongKindAndVersions() throws {
    let file = path("deletions")
    try ChecksummedFile.write([1, 2, 3], kind: .deletions, to: file)
    assertStorageError(try ChecksummedFile.read(kind: .manifest, from: file)) { error in
      XCTAssertEqual(error, .corrupt(path: file, reason: "not a vectorscope manifest file"))
    }
    // A newer writer of the same kind (same magic, version 2) produces a well-formed file
    // that this build must refuse with a clear message rather than misparse.
    let newer = FileKind(magic: "VSCDELET", version: 2, name: "deletion list")
    try ChecksummedFile.write([1, 2, 3], kind: newer, to: file)
    assertStorageError(try ChecksummedFile.read(kind: .deletions, from: file)) { error in
      XCTAssertEqual(error, .unsupportedVersion(path: file, found: 2, supported: 1))
      XCTAssertTrue(
        error.description.contains(file) && error.description.contains("version 2"),
        error.description)
    }
    // ...while the newer build still reads old files and learns their version.
    try ChecksummedFile.write([4, 5], kind: .deletions, to: file)
    let old = try ChecksummedFile.readVersioned(kind: newer, from: file)
    XCTAssertEqual(old.version, 1)
    XCTAssertEqual(old.payload, Data([4, 5]))
  }

  func testMissingFileIsAnIOErrorNamingThePath() {
    let file = path("nope")
    assertStorageError(try ChecksummedFile.read(kind: .manifest, from: file)) { error in
      XCTAssertEqual(error, .io(path: file, operation: "open", errno: ENOENT))
      XCTAssertEqual(
        error.description, "could not open \(file): No such file or directory (errno 2)")
    }
  }

  func testAtomicWritesReplaceContentAndLeaveNoTemporaryFiles() throws {
    let file = path("manifest")
    for round in 0..<5 {
      try ChecksummedFile.write(Array("round \(round)".utf8), kind: .manifest, to: file)
      try ChecksummedFile.writeAtomically(Array("raw \(round)".utf8), to: path("raw"))
    }
    XCTAssertEqual(try ChecksummedFile.read(kind: .manifest, from: file), Data("round 4".utf8))
    XCTAssertEqual(try readBytes(path("raw")), Array("raw 4".utf8))
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: directory).sorted(), ["manifest", "raw"])

    // A failing rename (target is a directory) must clean up its temporary file too.
    try FileManager.default.createDirectory(
      atPath: path("occupied"), withIntermediateDirectories: false)
    assertStorageError(try ChecksummedFile.writeAtomically([1], to: path("occupied"))) { error in
      XCTAssertEqual(error.path, path("occupied"))
    }
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: directory).sorted(),
      ["manifest", "occupied", "raw"])

    // Writing into a missing directory fails with the temp path's directory in the message.
    assertStorageError(
      try ChecksummedFile.write([1], kind: .manifest, to: path("missing/manifest"))
    ) { error in
      XCTAssertTrue(error.description.contains(path("missing/")), error.description)
    }
  }

  func testFsyncDirectory() throws {
    XCTAssertNoThrow(try ChecksummedFile.fsyncDirectory(directory))
    assertStorageError(try ChecksummedFile.fsyncDirectory(path("missing"))) { error in
      XCTAssertEqual(error, .io(path: path("missing"), operation: "open", errno: ENOENT))
    }
  }
}
