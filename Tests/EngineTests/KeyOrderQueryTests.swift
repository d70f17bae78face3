import Foundation
import Model
import XCTest

@testable import Engine

/// Queries with a limit return the matches with the smallest primary keys, in key order (as
/// Milvus does, and as keyset paging needs), whatever the segments, deletions and upserts, and
/// whatever lower bound on the key the filter has; checked against a model of the rows.
final class KeyOrderQueryTests: XCTestCase {
  /// One live row of the model: what the filters below read.
  struct Live {
    var genre: String
    var year: Int64
  }

  /// A condition as filter text and as the same predicate on the model.
  struct Condition {
    var text: String
    var matches: (Int64, Live) -> Bool
  }

  func testLimitQueriesAgreeWithTheModelAtEveryBound() async throws {
    let store = try EmbeddedBackend(directory: temporaryDirectory(self), flushRowThreshold: 700)
    try await store.createCollection(sampleSchema(name: "docs", dim: 4))
    var generator = SeededGenerator(seed: 99)
    // Even keys 0…11,998 in a random order, so that every segment holds keys from all over.
    let keys = (0..<6000).map { Int64($0 * 2) }.shuffled(using: &generator)
    var model: [Int64: Live] = [:]
    for start in stride(from: 0, to: keys.count, by: 500) {
      let rows: [Row] = keys[start..<start + 500].map { key in
        let live = Live(
          genre: genres[Int.random(in: 0..<genres.count, using: &generator)],
          year: Int64.random(in: 1950...2024, using: &generator))
        model[key] = live
        return [
          "id": .int(key), "vector": .floatVector([1, 2, 3, Float(key)]), "genre": .string(live.genre),
          "year": .int(live.year), "score": .null, "tags": .array([]),
        ]
      }
      _ = try await store.insert("docs", rows: rows, partition: nil)
    }
    // Deletions in sealed segments, and upserts that move rows to the growing one.
    let deleted = Array(keys.shuffled(using: &generator).prefix(900))
    _ = try await store.delete("docs", ids: deleted.map { .int($0) }, partition: nil)
    for key in deleted { model[key] = nil }
    let moved = Array(model.keys.sorted().shuffled(using: &generator).prefix(300))
    _ = try await store.upsert(
      "docs",
      rows: moved.map { key in
        model[key]?.genre = "pop"
        return [
          "id": .int(key), "vector": .floatVector([0, 0, 0, 0]), "genre": .string("pop"),
          "year": .int(model[key]!.year), "score": .null, "tags": .array([]),
        ]
      }, partition: nil)
    try await store.loadCollection("docs", progress: nil)

    let others: [Condition] = [
      Condition(text: "", matches: { _, _ in true }),
      Condition(text: #"genre == "pop""#, matches: { $1.genre == "pop" }),
      Condition(text: "year > 2000", matches: { $1.year > 2000 }),
      // A bound inside `or` bounds nothing: the whole range must still be read.
      Condition(text: #"(id > 11000 or genre == "jazz")"#, matches: { $0 > 11000 || $1.genre == "jazz" }),
    ]
    for round in 0..<400 {
      let bound = Int64.random(in: -10...12_010, using: &generator)
      let upper = bound + Int64.random(in: 0...3000, using: &generator)
      let bounds: [Condition] = [
        Condition(text: "id > \(bound)", matches: { key, _ in key > bound }),
        Condition(text: "id >= \(bound)", matches: { key, _ in key >= bound }),
        Condition(text: "\(bound) < id", matches: { key, _ in key > bound }),
        Condition(text: "\(bound) <= id < \(upper)", matches: { key, _ in key >= bound && key < upper }),
        Condition(text: "id > \(bound) and id > \(bound - 7)", matches: { key, _ in key > bound }),
      ]
      let other = others[round % others.count]
      let keyBound = round % 6 == 5 ? nil : bounds[Int.random(in: 0..<bounds.count, using: &generator)]
      let parts = [other.text, keyBound?.text ?? ""].filter { !$0.isEmpty }
      let filter = parts.map { "(\($0))" }.joined(separator: " and ")
      let limit = Int.random(in: 1...60, using: &generator)
      let offset = Int.random(in: 0...15, using: &generator)
      let rows = try await store.query(
        QueryRequest(collection: "docs", filter: filter, outputFields: ["id"], limit: limit, offset: offset))
      let found = rows.compactMap { row -> Int64? in
        if case .int(let key)? = row["id"] { return key }
        return nil
      }
      let expected = model.filter { key, live in
        other.matches(key, live) && (keyBound?.matches(key, live) ?? true)
      }.keys.sorted().dropFirst(offset).prefix(limit)
      XCTAssertEqual(found, Array(expected), "\(filter) limit \(limit) offset \(offset)")
    }
    await store.close()
  }

  func testVarCharKeysAreBoundedAndOrderedLikeTheFilterComparesThem() async throws {
    let store = try EmbeddedBackend(directory: temporaryDirectory(self), flushRowThreshold: 50)
    try await store.createCollection(
      CollectionSchema(
        name: "words",
        fields: [
          FieldSchema(name: "word", type: .varChar, isPrimary: true, maxLength: 32),
          FieldSchema(name: "vector", type: .floatVector, dim: 2),
        ]))
    var generator = SeededGenerator(seed: 7)
    let letters = Array("abcxyzÅéü日本")
    var words = Set<String>()
    while words.count < 400 {
      words.insert(
        String((0..<Int.random(in: 1...4, using: &generator)).map { _ in letters.randomElement(using: &generator)! }))
    }
    let all = Array(words).shuffled(using: &generator)
    for start in stride(from: 0, to: all.count, by: 40) {
      _ = try await store.insert(
        "words", rows: all[start..<start + 40].map { ["word": .string($0), "vector": .floatVector([1, 0])] },
        partition: nil)
    }
    try await store.loadCollection("words", progress: nil)
    for bound in ["", "a", "b", "x", "zz", "Å", "é", "日", "本本本本"] {
      let filter = bound.isEmpty ? "" : "word > \(FilterPrinter.stringText(bound))"
      let rows = try await store.query(
        QueryRequest(collection: "words", filter: filter, outputFields: ["word"], limit: 25))
      let found = rows.compactMap { row -> String? in
        if case .string(let word)? = row["word"] { return word }
        return nil
      }
      let expected = all.filter { bound.isEmpty || $0 > bound }.sorted().prefix(25)
      XCTAssertEqual(found, Array(expected), filter)
    }
    await store.close()
  }
}
