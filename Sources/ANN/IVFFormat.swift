// The IVF file formats (all integers and floats little-endian):
//
// Quantizer: "VSIVFQ01" | kind u8 (0 flat, 1 sq8, 2 pq) | metric u8 | 2 zero bytes | dim u32 | nlist u32 |
//   m u32 | nbits u32 (both 0 unless PQ) | centroids f32 × nlist·dim | SQ8: minimum f32 × dim, step f32 × dim |
//   PQ: code books f32 × m·2^nbits·(dim/m) | checksum u64 of all the bytes before it.
// Index: "VSIVFX01" | quantizer length u64 | quantizer bytes (as above, so an index file stands alone) |
//   rows u64 | list sizes u32 × nlist | row numbers i32 × rows, list by list | codes: rows × codeSize bytes
//   (IVF_FLAT: the vectors' f32s) | checksum u64 of all the bytes before it.
// The quantizer's derived tables (packed centroids, norms, PQ's precomputed L2 terms) are rebuilt on decode.

private let quantizerMagic: [UInt8] = Array("VSIVFQ01".utf8)
private let indexMagic: [UInt8] = Array("VSIVFX01".utf8)
private let maximumDim = 1 << 16
private let maximumLists = 1 << 24

/// A 64-bit checksum of `bytes`: every step is a bijection of the state, so any one changed word
/// changes the result.
func ivfChecksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
  var state: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(bytes.count)
  var offset = 0
  @inline(__always) func mix(_ word: UInt64) {
    state = (state ^ word) &* 0x9E37_79B9_7F4A_7C15
    state = (state << 31) | (state >> 33)
  }
  while offset + 8 <= bytes.count {
    mix(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
    offset += 8
  }
  var tail: UInt64 = 0
  for index in offset..<bytes.count { tail |= UInt64(bytes[index]) << UInt64(8 * (index - offset)) }
  mix(tail)
  state ^= state >> 29
  state = state &* 0xBF58_476D_1CE4_E5B9
  return state ^ (state >> 32)
}

struct ByteWriter {
  var bytes: [UInt8] = []

  mutating func append(_ value: UInt8) { bytes.append(value) }
  mutating func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
  mutating func append(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
  mutating func append<T: BitwiseCopyable>(contentsOf values: ContiguousArray<T>) {
    values.withUnsafeBytes { bytes.append(contentsOf: $0) }
  }
  mutating func appendChecksum() {
    let sum = bytes.withUnsafeBytes { ivfChecksum($0) }
    append(sum)
  }
}

struct ByteReader {
  let bytes: UnsafeRawBufferPointer
  var offset = 0

  init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  var remaining: Int { bytes.count - offset }

  mutating func raw(_ count: Int, _ what: String) throws(IndexFormatError) -> UnsafeRawBufferPointer {
    guard count >= 0, count <= remaining else { throw IndexFormatError("truncated \(what)") }
    defer { offset += count }
    return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
  }

  mutating func u8(_ what: String) throws(IndexFormatError) -> UInt8 { try raw(1, what)[0] }
  mutating func u32(_ what: String) throws(IndexFormatError) -> Int {
    Int(UInt32(littleEndian: try raw(4, what).loadUnaligned(as: UInt32.self)))
  }
  mutating func u64(_ what: String) throws(IndexFormatError) -> UInt64 {
    UInt64(littleEndian: try raw(8, what).loadUnaligned(as: UInt64.self))
  }

  /// `count` elements of `T`, checking the byte count against what is left before allocating.
  mutating func array<T: BitwiseCopyable>(
    _ type: T.Type, count: Int, _ what: String
  ) throws(IndexFormatError) -> ContiguousArray<T> {
    let size = MemoryLayout<T>.size
    guard count >= 0, count <= remaining / size else { throw IndexFormatError("truncated \(what)") }
    let source = try raw(count * size, what)
    return ContiguousArray(unsafeUninitializedCapacity: count) { buffer, initialized in
      if count > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source) }
      initialized = count
    }
  }

  mutating func finiteFloats(count: Int, _ what: String) throws(IndexFormatError) -> ContiguousArray<Float> {
    let values = try array(Float.self, count: count, what)
    guard values.allSatisfy(\.isFinite) else { throw IndexFormatError("\(what) are not finite") }
    return values
  }

  /// Checks the trailing checksum of everything before it, and that nothing follows it.
  static func verifyChecksum(_ bytes: UnsafeRawBufferPointer, _ what: String) throws(IndexFormatError) {
    guard bytes.count >= 8 else { throw IndexFormatError("\(what) is too short") }
    let body = UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 8)])
    let stored = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self))
    guard ivfChecksum(body) == stored else { throw IndexFormatError("\(what) checksum mismatch") }
  }
}

extension IVFQuantizer {
  /// The quantizer's bytes (see the format at the top of IVFFormat.swift).
  public func encode() -> [UInt8] {
    var writer = ByteWriter()
    writer.bytes.append(contentsOf: quantizerMagic)
    switch kind {
    case .flat: writer.append(UInt8(0))
    case .sq8: writer.append(UInt8(1))
    case .pq: writer.append(UInt8(2))
    }
    writer.append(metric.rawValue)
    writer.append(UInt8(0))
    writer.append(UInt8(0))
    writer.append(UInt32(dim))
    writer.append(UInt32(nlist))
    writer.append(UInt32(pqM))
    writer.append(UInt32(pqBits))
    writer.append(contentsOf: centroids)
    writer.append(contentsOf: sqMinimum)
    writer.append(contentsOf: sqStep)
    writer.append(contentsOf: pqCodebooks)
    writer.appendChecksum()
    return writer.bytes
  }

  /// A quantizer from `encode()`'s bytes; throws on anything malformed.
  public static func decode(_ bytes: UnsafeRawBufferPointer) throws(IndexFormatError) -> IVFQuantizer {
    try ByteReader.verifyChecksum(bytes, "IVF quantizer")
    var reader = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 8)]))
    guard Array(try reader.raw(8, "magic")) == quantizerMagic else { throw IndexFormatError("not an IVF quantizer") }
    let kindCode = try reader.u8("kind")
    guard let metric = IndexMetric(rawValue: try reader.u8("metric")) else { throw IndexFormatError("unknown metric") }
    guard try reader.u8("padding") == 0, try reader.u8("padding") == 0 else { throw IndexFormatError("bad padding") }
    let dim = try reader.u32("dim")
    let nlist = try reader.u32("nlist")
    let m = try reader.u32("m")
    let nbits = try reader.u32("nbits")
    guard (1...maximumDim).contains(dim) else { throw IndexFormatError("dimension \(dim) out of range") }
    guard (1...maximumLists).contains(nlist) else { throw IndexFormatError("nlist \(nlist) out of range") }
    let centroids = try reader.finiteFloats(count: nlist * dim, "centroids")
    let quantizer: IVFQuantizer
    switch kindCode {
    case 0:
      guard m == 0, nbits == 0 else { throw IndexFormatError("IVF_FLAT with PQ parameters") }
      quantizer = IVFQuantizer(kind: .flat, metric: metric, dim: dim, centroids: centroids)
    case 1:
      guard m == 0, nbits == 0 else { throw IndexFormatError("IVF_SQ8 with PQ parameters") }
      let minimum = try reader.finiteFloats(count: dim, "SQ8 minima")
      let step = try reader.finiteFloats(count: dim, "SQ8 steps")
      guard step.allSatisfy({ $0 >= 0 }) else { throw IndexFormatError("negative SQ8 step") }
      quantizer = IVFQuantizer(
        kind: .sq8, metric: metric, dim: dim, centroids: centroids, sqMinimum: minimum, sqStep: step)
    case 2:
      guard m > 0, dim % m == 0 else { throw IndexFormatError("PQ m \(m) does not divide dimension \(dim)") }
      guard (1...8).contains(nbits) else { throw IndexFormatError("PQ nbits \(nbits) out of range") }
      let books = try reader.finiteFloats(count: (1 << nbits) * dim, "PQ code books")
      quantizer = IVFQuantizer(
        kind: .pq(m: m, nbits: nbits), metric: metric, dim: dim, centroids: centroids, pqCodebooks: books)
    default:
      throw IndexFormatError("unknown IVF kind \(kindCode)")
    }
    guard reader.remaining == 0 else { throw IndexFormatError("trailing bytes after the IVF quantizer") }
    return quantizer
  }
}

extension IVFIndex {
  /// The index's bytes, quantizer included (see the format at the top of IVFFormat.swift).
  public func encode() -> [UInt8] {
    var writer = ByteWriter()
    writer.bytes.append(contentsOf: indexMagic)
    let quantizerBytes = quantizer.encode()
    writer.append(UInt64(quantizerBytes.count))
    writer.bytes.append(contentsOf: quantizerBytes)
    writer.append(UInt64(count))
    for size in listSizes { writer.append(UInt32(size)) }
    writer.append(contentsOf: rowIds)
    writer.append(contentsOf: codes)
    writer.append(contentsOf: vectors)
    writer.appendChecksum()
    return writer.bytes
  }

  /// An index from `encode()`'s bytes; throws `IndexFormatError` on anything malformed.
  public static func decode(_ bytes: UnsafeRawBufferPointer) throws(IndexFormatError) -> IVFIndex {
    try ByteReader.verifyChecksum(bytes, "IVF index")
    var reader = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 8)]))
    guard Array(try reader.raw(8, "magic")) == indexMagic else { throw IndexFormatError("not an IVF index") }
    let quantizerLength = try reader.u64("quantizer length")
    guard quantizerLength <= UInt64(reader.remaining) else { throw IndexFormatError("truncated quantizer") }
    let quantizer = try IVFQuantizer.decode(try reader.raw(Int(quantizerLength), "quantizer"))
    let rows = try reader.u64("row count")
    guard rows < UInt64(Int32.max) else { throw IndexFormatError("row count \(rows) out of range") }
    let count = Int(rows)
    let sizes = try reader.array(UInt32.self, count: quantizer.nlist, "list sizes")
    var offsets = ContiguousArray<Int>(repeating: 0, count: quantizer.nlist + 1)
    for list in 0..<quantizer.nlist {
      offsets[list + 1] = offsets[list] + Int(sizes[list])
      guard offsets[list + 1] <= count else { throw IndexFormatError("list sizes exceed the row count") }
    }
    guard offsets[quantizer.nlist] == count else { throw IndexFormatError("list sizes do not add up to the rows") }
    let rowIds = try reader.array(Int32.self, count: count, "row numbers")
    var seen = RowBitset(count: count, allSet: false)
    for row in rowIds {
      guard row >= 0, Int(row) < count, !seen.contains(Int(row)) else {
        throw IndexFormatError("row numbers are not a permutation of the rows")
      }
      seen.insert(Int(row))
    }
    let index: IVFIndex
    if quantizer.kind == .flat {
      let vectors = try reader.array(Float.self, count: count * quantizer.dim, "vectors")
      index = IVFIndex(quantizer: quantizer, listOffsets: offsets, rowIds: rowIds, codes: [], vectors: vectors)
    } else {
      let codes = try reader.array(UInt8.self, count: count * quantizer.codeSize, "codes")
      if case .pq = quantizer.kind, quantizer.pqBits < 8 {
        let limit = UInt8(quantizer.pqCentroids)
        guard codes.allSatisfy({ $0 < limit }) else { throw IndexFormatError("PQ code out of range") }
      }
      index = IVFIndex(quantizer: quantizer, listOffsets: offsets, rowIds: rowIds, codes: codes, vectors: [])
    }
    guard reader.remaining == 0 else { throw IndexFormatError("trailing bytes after the IVF index") }
    return index
  }
}
