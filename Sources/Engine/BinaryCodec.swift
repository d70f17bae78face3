import Foundation
import Model

/// Little-endian binary encoding of values, used by the write-ahead log and segment files.
struct BinaryWriter {
  private(set) var bytes: [UInt8] = []

  init(capacity: Int = 256) {
    bytes.reserveCapacity(capacity)
  }

  mutating func write(_ value: UInt8) { bytes.append(value) }

  mutating func write<T: FixedWidthInteger>(_ value: T) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  mutating func write(_ value: Double) { write(value.bitPattern) }

  mutating func write(_ string: String) {
    var copy = string
    copy.withUTF8 { utf8 in
      write(UInt32(utf8.count))
      bytes.append(contentsOf: utf8)
    }
  }

  mutating func write(floats: UnsafeBufferPointer<Float>) {
    // Float32 is stored in the machine's order; every platform Swift runs on here is little-endian.
    bytes.append(contentsOf: UnsafeRawBufferPointer(floats))
  }

  mutating func write(_ value: Value) {
    switch value {
    case .null: write(UInt8(0))
    case .bool(let flag):
      write(UInt8(1))
      write(UInt8(flag ? 1 : 0))
    case .int(let number):
      write(UInt8(2))
      write(number)
    case .double(let number):
      write(UInt8(3))
      write(number)
    case .string(let text):
      write(UInt8(4))
      write(text)
    case .json(let json):
      write(UInt8(5))
      write(json)
    case .array(let elements):
      write(UInt8(6))
      write(UInt32(elements.count))
      for element in elements { write(element) }
    case .floatVector(let vector):
      write(UInt8(7))
      write(UInt32(vector.count))
      vector.withUnsafeBufferPointer { write(floats: $0) }
    }
  }

  mutating func write(_ json: JSONValue) {
    switch json {
    case .null: write(UInt8(0))
    case .bool(let flag):
      write(UInt8(1))
      write(UInt8(flag ? 1 : 0))
    case .int(let number):
      write(UInt8(2))
      write(number)
    case .double(let number):
      write(UInt8(3))
      write(number)
    case .string(let text):
      write(UInt8(4))
      write(text)
    case .array(let elements):
      write(UInt8(5))
      write(UInt32(elements.count))
      for element in elements { write(element) }
    case .object(let members):
      write(UInt8(6))
      write(UInt32(members.count))
      for key in members.keys.sorted() {
        write(key)
        write(members[key]!)
      }
    }
  }

  mutating func write(_ key: PrimaryKey) {
    write(key.value)
  }
}

/// Reads what `BinaryWriter` wrote; every read is bounds-checked and throws on malformed input.
struct BinaryReader {
  struct Malformed: Error {
    var offset: Int
    var reason: String
  }

  let bytes: UnsafeRawBufferPointer
  var offset = 0
  private var depth = 0

  init(_ bytes: UnsafeRawBufferPointer) {
    self.bytes = bytes
  }

  var isAtEnd: Bool { offset >= bytes.count }

  mutating func need(_ count: Int) throws(Malformed) {
    guard count >= 0, bytes.count - offset >= count else {
      throw Malformed(offset: offset, reason: "unexpected end of data")
    }
  }

  mutating func readByte() throws(Malformed) -> UInt8 {
    try need(1)
    defer { offset += 1 }
    return bytes[offset]
  }

  mutating func read<T: FixedWidthInteger>(_: T.Type) throws(Malformed) -> T {
    try need(MemoryLayout<T>.size)
    defer { offset += MemoryLayout<T>.size }
    return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
  }

  mutating func readDouble() throws(Malformed) -> Double {
    Double(bitPattern: try read(UInt64.self))
  }

  mutating func readCount() throws(Malformed) -> Int {
    let count = Int(try read(UInt32.self))
    // A count can never exceed the bytes left: this stops absurd allocations on corrupt input.
    guard count <= bytes.count - offset else { throw Malformed(offset: offset, reason: "count \(count) too large") }
    return count
  }

  mutating func readString() throws(Malformed) -> String {
    let count = try readCount()
    try need(count)
    defer { offset += count }
    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]), as: UTF8.self)
  }

  mutating func readFloats(count: Int, into array: inout ContiguousArray<Float>) throws(Malformed) {
    let byteCount = count * MemoryLayout<Float>.size
    try need(byteCount)
    let start = offset
    array.reserveCapacity(array.count + count)
    let source = UnsafeRawBufferPointer(rebasing: bytes[start..<start + byteCount])
    // Copy through memcpy-like bulk append; the source may be unaligned.
    let oldCount = array.count
    array.append(contentsOf: repeatElement(0, count: count))
    array.withUnsafeMutableBytes { destination in
      UnsafeMutableRawBufferPointer(rebasing: destination[oldCount * 4..<(oldCount + count) * 4]).copyMemory(
        from: source)
    }
    offset += byteCount
  }

  mutating func readValue() throws(Malformed) -> Value {
    let tag = try readByte()
    switch tag {
    case 0: return .null
    case 1: return .bool(try readByte() != 0)
    case 2: return .int(try read(Int64.self))
    case 3: return .double(try readDouble())
    case 4: return .string(try readString())
    case 5: return .json(try readJSON())
    case 6:
      let count = try readCount()
      var elements: [Value] = []
      elements.reserveCapacity(count)
      for _ in 0..<count { elements.append(try readValue()) }
      return .array(elements)
    case 7:
      let count = try readCount()
      var vector = ContiguousArray<Float>()
      try readFloats(count: count, into: &vector)
      return .floatVector(Array(vector))
    default:
      throw Malformed(offset: offset - 1, reason: "unknown value tag \(tag)")
    }
  }

  mutating func readJSON() throws(Malformed) -> JSONValue {
    depth += 1
    defer { depth -= 1 }
    guard depth < 1000 else { throw Malformed(offset: offset, reason: "nesting too deep") }
    let tag = try readByte()
    switch tag {
    case 0: return .null
    case 1: return .bool(try readByte() != 0)
    case 2: return .int(try read(Int64.self))
    case 3: return .double(try readDouble())
    case 4: return .string(try readString())
    case 5:
      let count = try readCount()
      var elements: [JSONValue] = []
      elements.reserveCapacity(count)
      for _ in 0..<count { elements.append(try readJSON()) }
      return .array(elements)
    case 6:
      let count = try readCount()
      var members: [String: JSONValue] = [:]
      members.reserveCapacity(count)
      for _ in 0..<count {
        let key = try readString()
        members[key] = try readJSON()
      }
      return .object(members)
    default:
      throw Malformed(offset: offset - 1, reason: "unknown JSON tag \(tag)")
    }
  }

  mutating func readPrimaryKey() throws(Malformed) -> PrimaryKey {
    switch try readValue() {
    case .int(let number): return .int(number)
    case .string(let text): return .string(text)
    default: throw Malformed(offset: offset, reason: "a primary key must be an integer or a string")
    }
  }
}

extension BinaryReader {
  /// Runs `body` over the bytes of `data`, keeping the typed error that `withUnsafeBytes` would lose.
  static func decode<T>(
    _ data: Data, _ body: (UnsafeRawBufferPointer) throws(Malformed) -> T
  ) throws(Malformed) -> T {
    let result: Result<T, Malformed> = data.withUnsafeBytes { raw in
      do throws(Malformed) {
        return .success(try body(raw))
      } catch {
        return .failure(error)
      }
    }
    return try result.get()
  }
}
