import Foundation

/// CRC-32C (Castagnoli polynomial 0x1EDC6F41, reflected 0x82F63B78), the checksum used by
/// every Vectorscope file format. Table-driven slicing-by-8: eight bytes per step.
public enum CRC32C {
  /// Eight 256-entry tables, stored flat. Table `k` gives the CRC contribution of a byte
  /// that still has `k` more bytes to travel through the register, which is what lets
  /// one step fold eight input bytes at once.
  private static let tables: [UInt32] = {
    var t = [UInt32](repeating: 0, count: 8 * 256)
    for i in 0..<256 {
      var c = UInt32(i)
      for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
      t[i] = c
    }
    for k in 1..<8 {
      for i in 0..<256 {
        let previous = t[(k - 1) * 256 + i]
        t[k * 256 + i] = (previous >> 8) ^ t[Int(previous & 0xFF)]
      }
    }
    return t
  }()

  /// Returns the CRC-32C of `bytes`. Pass a previous result as `seed` to continue a running
  /// checksum: `checksum(b, seed: checksum(a)) == checksum(a + b)`.
  public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
    guard var p = bytes.baseAddress, !bytes.isEmpty else { return seed }
    var remaining = bytes.count
    var crc = ~seed
    tables.withUnsafeBufferPointer { buffer in
      // Raw pointer arithmetic: no bounds checks in the hot loop, even in debug builds.
      let t = buffer.baseAddress!
      while remaining >= 8 {
        let word = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)) ^ UInt64(crc)
        let low: UInt32 =
          t[7 * 256 + Int(word & 0xFF)] ^ t[6 * 256 + Int((word >> 8) & 0xFF)]
          ^ t[5 * 256 + Int((word >> 16) & 0xFF)] ^ t[4 * 256 + Int((word >> 24) & 0xFF)]
        let high: UInt32 =
          t[3 * 256 + Int((word >> 32) & 0xFF)] ^ t[2 * 256 + Int((word >> 40) & 0xFF)]
          ^ t[1 * 256 + Int((word >> 48) & 0xFF)] ^ t[Int(word >> 56)]
        crc = low ^ high
        p += 8
        remaining -= 8
      }
      while remaining > 0 {
        crc = t[Int((crc ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (crc >> 8)
        p += 1
        remaining -= 1
      }
    }
    return ~crc
  }

  /// Returns the CRC-32C of any byte container (`Data`, `[UInt8]`, slices, …), walking its
  /// contiguous regions without copying. `seed` works as in `checksum(_:seed:)`.
  public static func checksum(_ data: some DataProtocol, seed: UInt32 = 0) -> UInt32 {
    var crc = seed
    for region in data.regions {
      let previous = crc
      crc = region.withUnsafeBytes { checksum($0, seed: previous) }
    }
    return crc
  }
}
