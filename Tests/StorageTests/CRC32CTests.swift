import Foundation
import XCTest

@testable import Storage

final class CRC32CTests: XCTestCase {
  /// Bit-at-a-time reference implementation to check the sliced tables against.
  private func reference(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
    var crc = ~seed
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    }
    return ~crc
  }

  func testKnownVectors() {
    XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
    XCTAssertEqual(CRC32C.checksum(Data("123456789".utf8)), 0xE306_9283)
    XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
    // RFC 3720 (iSCSI) appendix B.4 vectors.
    XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
    XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
    XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
    XCTAssertEqual(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }), 0x113F_DB5C)
  }

  func testMatchesReferenceForAllLengthsAndAlignments() {
    let bytes = randomBytes(300)
    for start in 0..<9 {
      for end in stride(from: start, through: bytes.count, by: 7) {
        let slice = Array(bytes[start..<end])
        XCTAssertEqual(CRC32C.checksum(slice), reference(slice), "bytes \(start)..<\(end)")
        // Unaligned buffer start, via the raw-pointer entry point.
        let raw = bytes.withUnsafeBytes {
          CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<end]))
        }
        XCTAssertEqual(raw, reference(slice))
      }
    }
  }

  func testSeedChainingEqualsOneShot() {
    let bytes = randomBytes(10_000)
    let whole = CRC32C.checksum(bytes)
    for split in [0, 1, 7, 8, 9, 63, 4096, 9_999, 10_000] {
      let first = CRC32C.checksum(bytes[..<split])
      XCTAssertEqual(CRC32C.checksum(bytes[split...], seed: first), whole, "split at \(split)")
    }
    // Many small pieces.
    var running: UInt32 = 0
    var offset = 0
    while offset < bytes.count {
      let end = min(bytes.count, offset + Int.random(in: 0...37))
      running = CRC32C.checksum(bytes[offset..<end], seed: running)
      offset = end
    }
    XCTAssertEqual(running, whole)
    XCTAssertEqual(reference(Array(bytes[5000...]), seed: CRC32C.checksum(bytes[..<5000])), whole)
  }

  func testDetectsSingleBitChanges() {
    var bytes = randomBytes(1000)
    let original = CRC32C.checksum(bytes)
    for index in [0, 499, 999] {
      bytes[index] ^= 0x10
      XCTAssertNotEqual(CRC32C.checksum(bytes), original)
      bytes[index] ^= 0x10
    }
  }
}
