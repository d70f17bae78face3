import Foundation
import Model
import XCTest

@testable import Engine

/// A fresh temporary directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) -> String {
  let path = NSTemporaryDirectory() + "vscope-engine-\(UUID().uuidString)"
  try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
  return path
}

/// A deterministic generator (SplitMix64), so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// A schema with a vector and a few scalar kinds, dynamic field on.
func sampleSchema(name: String = "docs", dim: Int = 8, autoID: Bool = false) -> CollectionSchema {
  CollectionSchema(
    name: name,
    fields: [
      FieldSchema(name: "id", type: .int64, isPrimary: true, autoID: autoID),
      FieldSchema(name: "vector", type: .floatVector, dim: dim),
      FieldSchema(name: "genre", type: .varChar, maxLength: 32),
      FieldSchema(name: "year", type: .int32),
      FieldSchema(name: "score", type: .double, nullable: true),
      FieldSchema(name: "tags", type: .array, maxLength: 16, elementType: .varChar, maxCapacity: 8),
    ],
    enableDynamicField: true)
}

let genres = ["jazz", "soul", "rock", "pop", "folk"]

func sampleRows(count: Int, dim: Int = 8, startID: Int64 = 0, seed: UInt64 = 1) -> [Row] {
  var generator = SeededGenerator(seed: seed)
  return (0..<count).map { index in
    var row: Row = [
      "id": .int(startID + Int64(index)),
      "vector": .floatVector((0..<dim).map { _ in Float.random(in: -1...1, using: &generator) }),
      "genre": .string(genres[Int.random(in: 0..<genres.count, using: &generator)]),
      "year": .int(Int64.random(in: 1950...2024, using: &generator)),
      "score": Bool.random(using: &generator) ? .null : .double(Double.random(in: 0...10, using: &generator)),
      "tags": .array([.string(genres[index % genres.count])]),
    ]
    if index % 3 == 0 { row["mood"] = .string(index % 2 == 0 ? "calm" : "wild") }
    return row
  }
}
