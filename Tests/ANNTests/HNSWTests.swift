import Dispatch
import Synchronization
import XCTest

@testable import ANN

/// Seeded clustered rows and queries drawn from the same clusters, with an index over the rows.
struct HNSWFixture: Sendable {
  let rows: VectorRows
  let queries: ContiguousArray<Float>
  let metric: IndexMetric
  let index: HNSWIndex
  /// Exact top 10 of every query, unfiltered.
  let exactTop10: [[Int32]]

  var dim: Int { rows.dim }
  var queryCount: Int { queries.count / dim }

  init(count: Int, dim: Int, queries queryCount: Int, metric: IndexMetric, threads: Int = 1) {
    var all = clusteredVectors(count: count + queryCount, dim: dim, clusters: 6, seed: 7)
    if metric == .innerProduct { all = VectorRows(all, dim: dim).normalized().storage }
    rows = VectorRows(ContiguousArray(all[0..<(count * dim)]), dim: dim)
    queries = ContiguousArray(all[(count * dim)...])
    self.metric = metric
    index = try! HNSWIndex.build(vectors: rows, metric: metric, M: 16, efConstruction: 100, threads: threads)
    exactTop10 = exactNeighbours(base: rows.storage, queries: queries, dim: dim, k: 10, metric: metric)
  }

  func search(
    _ index: HNSWIndex? = nil, k: Int = 10, ef: Int, allowed: RowBitset? = nil, query: Int
  ) -> [IndexHit] {
    queries.withUnsafeBufferPointer { buffer in
      (index ?? self.index).search(
        buffer.baseAddress! + query * dim, k: k, params: IndexSearchParams(ef: ef), allowed: allowed)
    }
  }

  func rows(_ index: HNSWIndex? = nil, k: Int = 10, ef: Int, allowed: RowBitset? = nil) -> [[Int32]] {
    (0..<queryCount).map { search(index, k: k, ef: ef, allowed: allowed, query: $0).map(\.row) }
  }

  func truth(allowed: RowBitset? = nil) -> [[Int32]] {
    guard let allowed else { return exactTop10 }
    return exactNeighbours(base: rows.storage, queries: queries, dim: dim, k: 10, metric: metric, allowed: allowed)
  }

  /// Brute force with the index's own kernel, so scores (and so ties) match bit for bit.
  func exactHits(k: Int, allowed: RowBitset? = nil, query: Int) -> [IndexHit] {
    queries.withUnsafeBufferPointer { queryBuffer in
      rows.withBase { base in
        var hits: [IndexHit] = []
        for row in 0..<rows.count where allowed?.contains(row) ?? true {
          let score = metric.score(queryBuffer.baseAddress! + query * dim, base + row * dim, dim: dim)
          hits.append(IndexHit(row: Int32(row), score: score))
        }
        hits.sort { $0.score != $1.score ? $0.score < $1.score : $0.row < $1.row }
        return Array(hits.prefix(k))
      }
    }
  }
}

/// Built once per test run (debug builds are slow): 6000 rows x 32 dims in 6 clusters, 200 queries,
/// M=16, efConstruction=100.
let l2Fixture = HNSWFixture(count: 6000, dim: 32, queries: 200, metric: .l2)
let ipFixture = HNSWFixture(count: 6000, dim: 32, queries: 200, metric: .innerProduct)

/// Every `stride`-th row or so, chosen by a seeded generator.
func sampledBitset(count: Int, keepOneIn stride: UInt64, seed: UInt64) -> RowBitset {
  var generator = SeededGenerator(seed: seed)
  var bitset = RowBitset(count: count, allSet: false)
  for row in 0..<count where generator.next() % stride == 0 { bitset.insert(row) }
  return bitset
}

final class HNSWTests: XCTestCase {
  func testRecallL2() {
    // Measured 0.9985 at ef=64, 0.984 at ef=32, 0.812 at ef=10.
    let measured = recall(found: l2Fixture.rows(ef: 64), truth: l2Fixture.truth(), k: 10)
    XCTAssertGreaterThanOrEqual(measured, 0.97, "recall@10 at ef=64: \(measured)")
    let low = recall(found: l2Fixture.rows(ef: 32), truth: l2Fixture.truth(), k: 10)
    XCTAssertGreaterThanOrEqual(low, 0.95, "recall@10 at ef=32: \(low)")
    let lowest = recall(found: l2Fixture.rows(ef: 10), truth: l2Fixture.truth(), k: 10)
    XCTAssertLessThan(lowest, low, "recall grows with ef")
    XCTAssertEqual(l2Fixture.index.typeName, "HNSW")
    XCTAssertEqual(l2Fixture.index.count, 6000)
  }

  func testRecallInnerProduct() {
    // Measured 0.9985 at ef=64, 0.988 at ef=32, 0.835 at ef=10 on normalised data.
    let measured = recall(found: ipFixture.rows(ef: 64), truth: ipFixture.truth(), k: 10)
    XCTAssertGreaterThanOrEqual(measured, 0.97, "recall@10 at ef=64: \(measured)")
    let low = recall(found: ipFixture.rows(ef: 32), truth: ipFixture.truth(), k: 10)
    XCTAssertGreaterThanOrEqual(low, 0.95, "recall@10 at ef=32: \(low)")
    let lowest = recall(found: ipFixture.rows(ef: 10), truth: ipFixture.truth(), k: 10)
    XCTAssertLessThan(lowest, low, "recall grows with ef")
  }

  func testEfAtLeastRowsIsExact() {
    for fixture in [l2Fixture, ipFixture] {
      for query in 0..<40 {
        let hits = fixture.search(ef: fixture.rows.count, query: query)
        XCTAssertEqual(hits, fixture.exactHits(k: 10, query: query), "query \(query), \(fixture.metric)")
      }
    }
  }

  func testHitsAreSortedAndKIsHonoured() {
    let hits = l2Fixture.search(k: 25, ef: 10, query: 3)
    XCTAssertEqual(hits.count, 25, "ef is raised to k")
    XCTAssertTrue(zip(hits, hits.dropFirst()).allSatisfy { $0.score <= $1.score })
    XCTAssertEqual(Set(hits.map(\.row)).count, 25)
    XCTAssertEqual(l2Fixture.search(k: 0, ef: 10, query: 3), [])
  }

  func testFilteredSearch() {
    for (stride, seed) in [(UInt64(10), UInt64(11)), (100, 12)] {
      let allowed = sampledBitset(count: l2Fixture.rows.count, keepOneIn: stride, seed: seed)
      XCTAssertGreaterThan(allowed.setCount, 20)
      for query in 0..<30 {
        let hits = l2Fixture.search(ef: 64, allowed: allowed, query: query)
        XCTAssertEqual(hits.count, 10)
        XCTAssertTrue(hits.allSatisfy { allowed.contains(Int($0.row)) }, "a disallowed row came back")
        // With ef as large as the allowed set, the walk finds the exact filtered answer.
        let exhaustive = l2Fixture.search(ef: allowed.setCount, allowed: allowed, query: query)
        XCTAssertEqual(exhaustive, l2Fixture.exactHits(k: 10, allowed: allowed, query: query))
      }
      let filteredRecall = recall(
        found: l2Fixture.rows(ef: 64, allowed: allowed), truth: l2Fixture.truth(allowed: allowed), k: 10)
      // Measured 1.0 for both (618 and 67 allowed rows).
      XCTAssertGreaterThanOrEqual(filteredRecall, 0.95, "filtered recall keeping 1 in \(stride)")
    }
    let none = RowBitset(count: l2Fixture.rows.count, allSet: false)
    XCTAssertEqual(l2Fixture.search(ef: 64, allowed: none, query: 0), [])
    var single = none
    single.insert(4321)
    XCTAssertEqual(l2Fixture.search(ef: 64, allowed: single, query: 0).map(\.row), [4321])
  }

  func testEncodeDecodeRoundTrip() throws {
    for fixture in [l2Fixture, ipFixture] {
      let bytes = fixture.index.encode()
      let decoded = try bytes.withUnsafeBytes { try HNSWIndex.decode($0, vectors: fixture.rows) }
      XCTAssertEqual(decoded.count, fixture.index.count)
      XCTAssertEqual(decoded.metric, fixture.metric)
      XCTAssertEqual(decoded.memoryBytes, fixture.index.memoryBytes)
      XCTAssertEqual(decoded.encode(), bytes)
      for query in 0..<fixture.queryCount {
        XCTAssertEqual(fixture.search(decoded, ef: 32, query: query), fixture.search(ef: 32, query: query))
      }
    }
  }

  func testDecodeRejectsDamagedBytes() throws {
    let rows = VectorRows(clusteredVectors(count: 300, dim: 8, clusters: 5, seed: 3), dim: 8)
    let index = try HNSWIndex.build(vectors: rows, metric: .l2, M: 4, efConstruction: 20)
    let bytes = index.encode()
    func decodeFails(_ damaged: [UInt8], vectors: VectorRows = rows) -> Bool {
      damaged.withUnsafeBytes { raw in
        do {
          _ = try HNSWIndex.decode(raw, vectors: vectors)
          return false
        } catch { return (error as? IndexFormatError).map { !$0.reason.isEmpty } ?? false }
      }
    }
    for length in 0..<bytes.count {
      XCTAssertTrue(decodeFails(Array(bytes[0..<length])), "truncated to \(length) bytes")
    }
    XCTAssertTrue(decodeFails(bytes + [0]), "trailing byte")
    var generator = SeededGenerator(seed: 99)
    for _ in 0..<3000 {
      var damaged = bytes
      let position = Int(generator.next() % UInt64(bytes.count))
      damaged[position] ^= UInt8(1 + generator.next() % 255)
      XCTAssertTrue(decodeFails(damaged), "byte \(position) flipped")
    }
    for _ in 0..<200 {
      let garbage = (0..<Int(generator.next() % 400)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
      XCTAssertTrue(decodeFails(garbage))
      XCTAssertTrue(decodeFails(Array(bytes[0..<20]) + garbage))
    }
    // Damage behind a valid checksum still fails on the structural checks.
    func withChecksum(_ body: [UInt8]) -> [UInt8] {
      var header = Array(bytes[0..<(HNSWFormat.headerSize - 8)])
      header.appendLittleEndian(HNSWFormat.checksum(body))
      return header + body
    }
    let body = Array(bytes[HNSWFormat.headerSize...])
    let firstLink = rows.count + 4  // level bytes, then row 0's level-0 count, then its first link
    var badLink = body
    badLink.replaceSubrange(firstLink..<(firstLink + 4), with: [0x2C, 0x01, 0, 0])  // row 300: out of range
    XCTAssertTrue(decodeFails(withChecksum(badLink)))
    var selfLink = body
    selfLink.replaceSubrange(firstLink..<(firstLink + 4), with: [0, 0, 0, 0])
    XCTAssertTrue(decodeFails(withChecksum(selfLink)))
    var tooMany = body
    tooMany.replaceSubrange(rows.count..<(rows.count + 4), with: [9, 0, 0, 0])  // 9 > 2M links
    XCTAssertTrue(decodeFails(withChecksum(tooMany)))
    var badLevel = body
    badLevel[0] = 63  // row 0 claims a level its lists do not have
    XCTAssertTrue(decodeFails(withChecksum(badLevel)))
    XCTAssertFalse(decodeFails(withChecksum(body)), "the untouched body decodes")
    // Other vectors: another row count or dimension.
    let fewer = VectorRows(ContiguousArray(rows.storage.prefix(299 * 8)), dim: 8)
    XCTAssertTrue(decodeFails(bytes, vectors: fewer))
    XCTAssertTrue(decodeFails(bytes, vectors: VectorRows(rows.storage, dim: 4)))
  }

  func testBuildIsDeterministicForASeed() throws {
    let rows = VectorRows(clusteredVectors(count: 1500, dim: 16, clusters: 10, seed: 5), dim: 16)
    let first = try HNSWIndex.build(vectors: rows, metric: .l2, M: 8, efConstruction: 40, seed: 1)
    let second = try HNSWIndex.build(vectors: rows, metric: .l2, M: 8, efConstruction: 40, seed: 1)
    let otherSeed = try HNSWIndex.build(vectors: rows, metric: .l2, M: 8, efConstruction: 40, seed: 2)
    XCTAssertEqual(first.encode(), second.encode())
    XCTAssertNotEqual(first.encode(), otherSeed.encode())
  }

  func testLevelsFollowOneOverLnM() {
    let levels = HNSWIndex.randomLevels(count: 100_000, M: 16, seed: 100)
    let aboveZero = levels.filter { $0 > 0 }.count
    let aboveOne = levels.filter { $0 > 1 }.count
    XCTAssertEqual(Double(aboveZero) / 100_000, 1.0 / 16, accuracy: 0.003)
    XCTAssertEqual(Double(aboveOne) / 100_000, 1.0 / 256, accuracy: 0.001)
  }

  func testSmallAndEmptyIndexes() throws {
    let empty = try HNSWIndex.build(vectors: VectorRows([], dim: 4), metric: .l2, M: 8, efConstruction: 20)
    let query: [Float] = [1, 2, 3, 4]
    XCTAssertEqual(empty.search(query, k: 5, params: IndexSearchParams(), allowed: nil), [])
    let emptyAgain = try empty.encode().withUnsafeBytes { try HNSWIndex.decode($0, vectors: VectorRows([], dim: 4)) }
    XCTAssertEqual(emptyAgain.count, 0)
    let three = VectorRows([0, 0, 0, 0, 1, 1, 1, 1, 5, 5, 5, 5], dim: 4)
    let small = try HNSWIndex.build(vectors: three, metric: .l2, M: 8, efConstruction: 20)
    let hits = small.search(query, k: 10, params: IndexSearchParams(), allowed: nil)
    XCTAssertEqual(hits.map(\.row), [1, 0, 2], "rows 0 and 2 tie at 30: the smaller row first")
    XCTAssertEqual(hits.map(\.score), [14, 30, 30])
  }

  func testCancellationAndProgress() {
    let rows = VectorRows(clusteredVectors(count: 20000, dim: 16, clusters: 10, seed: 8), dim: 16)
    let control = BuildControl()
    let cancelled = expectation(description: "cancel sent")
    DispatchQueue.global().async {
      while control.processed < 600 {}
      control.cancel()
      cancelled.fulfill()
    }
    XCTAssertThrowsError(try HNSWIndex.build(vectors: rows, metric: .l2, M: 8, efConstruction: 40, control: control)) {
      XCTAssertTrue($0 is BuildCancelled)
    }
    wait(for: [cancelled], timeout: 60)
    XCTAssertLessThan(control.processed, rows.count)

    let small = VectorRows(ContiguousArray(rows.storage.prefix(1000 * 16)), dim: 16)
    for threads in [1, 2] {
      let progress = BuildControl()
      XCTAssertNoThrow(
        try HNSWIndex.build(vectors: small, metric: .l2, M: 8, efConstruction: 40, threads: threads, control: progress))
      XCTAssertEqual(progress.processed, 1000, "threads \(threads)")
    }
    let parallel = BuildControl()
    DispatchQueue.global().async {
      while parallel.processed < 600 {}
      parallel.cancel()
    }
    XCTAssertThrowsError(
      try HNSWIndex.build(vectors: rows, metric: .l2, M: 8, efConstruction: 40, threads: 2, control: parallel))
  }

  func testParallelBuildRecallMatchesSerial() {
    let parallel = HNSWFixture(count: 6000, dim: 32, queries: 200, metric: .l2, threads: 2)
    let truth = l2Fixture.truth()
    let serialRecall = recall(found: l2Fixture.rows(ef: 32), truth: truth, k: 10)
    let parallelRecall = recall(found: parallel.rows(ef: 32), truth: truth, k: 10)
    XCTAssertEqual(parallelRecall, serialRecall, accuracy: 0.01)
    // Structure: every link in range, no self links, no list over capacity.
    let graph = parallel.index.graph
    for row in 0..<graph.count {
      for level in 0...Int(graph.levels[row]) {
        let list = graph.links(of: Int32(row), level: level)
        XCTAssertLessThanOrEqual(Int(list[0]), level == 0 ? graph.M0 : graph.M)
        for slot in 0..<Int(list[0]) {
          let target = Int(list[1 + slot])
          XCTAssertTrue(target != row && target < graph.count && Int(graph.levels[target]) >= level)
        }
      }
    }
  }

  func testConcurrentSearchesMatchSerial() {
    let serial = l2Fixture.rows(ef: 48)
    let results = Mutex<[[Int32]]>(Array(repeating: [], count: l2Fixture.queryCount))
    DispatchQueue.concurrentPerform(iterations: 4) { worker in
      for query in stride(from: worker, to: l2Fixture.queryCount, by: 4) {
        let found = l2Fixture.search(ef: 48, query: query).map(\.row)
        results.withLock { $0[query] = found }
      }
    }
    XCTAssertEqual(results.withLock { $0 }, serial)
  }
}
