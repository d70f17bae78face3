import XCTest

@testable import ANN

final class IVFTests: XCTestCase {
  private let dim = 32
  private let baseCount = 8000
  private let queryCount = 100

  private struct Fixture {
    let base: ContiguousArray<Float>
    let queries: ContiguousArray<Float>
    let truth: [[Int32]]
  }

  /// 8,000 base rows and 100 queries from the same 60 clusters (for IP every row is unit length),
  /// with their exact top 10; computed once for all tests.
  private static let fixtures: [IndexMetric: Fixture] = {
    var fixtures: [IndexMetric: Fixture] = [:]
    for metric in [IndexMetric.l2, .innerProduct] {
      var all = clusteredVectors(count: 8100, dim: 32, clusters: 60, seed: 42)
      if metric == .innerProduct { all = VectorRows(all, dim: 32).normalized().storage }
      let base = ContiguousArray(all[0..<(8000 * 32)])
      let queries = ContiguousArray(all[(8000 * 32)...])
      let truth = exactNeighbours(base: base, queries: queries, dim: 32, k: 10, metric: metric)
      fixtures[metric] = Fixture(base: base, queries: queries, truth: truth)
    }
    return fixtures
  }()

  private func data(_ metric: IndexMetric) -> (base: ContiguousArray<Float>, queries: ContiguousArray<Float>) {
    (IVFTests.fixtures[metric]!.base, IVFTests.fixtures[metric]!.queries)
  }

  private func truth(_ metric: IndexMetric) -> [[Int32]] { IVFTests.fixtures[metric]!.truth }

  private func build(
    _ base: ContiguousArray<Float>, metric: IndexMetric, nlist: Int, kind: IVFKind, control: BuildControl? = nil
  ) throws -> IVFIndex {
    let rows = VectorRows(base, dim: dim)
    let quantizer = try IVFQuantizer.train(vectors: rows, metric: metric, nlist: nlist, kind: kind, control: control)
    return try IVFIndex.build(vectors: rows, quantizer: quantizer, control: control)
  }

  private func search(
    _ index: any VectorIndex, _ queries: ContiguousArray<Float>, k: Int = 10, nprobe: Int?, allowed: RowBitset? = nil
  ) -> [[IndexHit]] {
    queries.withUnsafeBufferPointer { buffer in
      (0..<(queries.count / dim)).map {
        index.search(buffer.baseAddress! + $0 * dim, k: k, params: IndexSearchParams(nprobe: nprobe), allowed: allowed)
      }
    }
  }

  private func exactScore(
    _ base: ContiguousArray<Float>, row: Int32, query: Int, _ queries: ContiguousArray<Float>,
    metric: IndexMetric
  ) -> Float {
    var score: Float = 0
    for index in 0..<dim {
      let a = queries[query * dim + index]
      let b = base[Int(row) * dim + index]
      score += metric == .l2 ? (a - b) * (a - b) : -a * b
    }
    return score
  }

  private func recallOf(_ hits: [[IndexHit]], _ truth: [[Int32]]) -> Double {
    recall(found: hits.map { $0.map(\.row) }, truth: truth, k: 10)
  }

  /// IVF_FLAT scanning every list is exact search: same rows in the same order, same scores
  /// (to 1e-4 relative: the kernels sum in another order than the scalar reference).
  func testFlatWithAllListsIsExact() throws {
    for metric in [IndexMetric.l2, .innerProduct] {
      let (base, queries) = data(metric)
      let index = try build(base, metric: metric, nlist: 40, kind: .flat)
      XCTAssertEqual(index.typeName, "IVF_FLAT")
      XCTAssertEqual(index.count, baseCount)
      let truth = truth(metric)
      let hits = search(index, queries, nprobe: 40)
      for query in 0..<queryCount {
        XCTAssertEqual(hits[query].map(\.row), truth[query], "\(metric) query \(query)")
        for hit in hits[query] {
          let expected = exactScore(base, row: hit.row, query: query, queries, metric: metric)
          XCTAssertEqual(hit.score, expected, accuracy: 1e-4 * max(1, abs(expected)))
        }
      }
      // nprobe beyond nlist is clamped.
      XCTAssertEqual(search(index, queries, nprobe: 1000).map { $0.map(\.row) }, truth)
    }
  }

  /// Recall@10 at nprobe = nlist and at nprobe = 4 of 128 lists (about two lists per true cluster, so
  /// nprobe matters), against floors a little below what was measured (in the comments; the data
  /// and training are deterministic). IP data is unit length, so within-cluster neighbours differ by
  /// less and the quantised kinds lose more recall there than with L2.
  func testRecallFloors() throws {
    // (kind, metric, floor at all lists, floor at nprobe 4)
    let cases: [(IVFKind, IndexMetric, Double, Double)] = [
      (.flat, .l2, 1.0, 0.97),  // measured: 1.000, 0.998
      (.flat, .innerProduct, 1.0, 0.97),  // measured: 1.000, 0.995
      (.sq8, .l2, 0.96, 0.95),  // measured: 0.989, 0.987
      (.sq8, .innerProduct, 0.93, 0.92),  // measured: 0.965, 0.960
      // PQ keeps 4 floats of each 32 as one of 256 words; with IP on unit vectors the top 10's
      // score gaps (~0.002) are below the per-score error (0.02–0.05), hence the low recall.
      (.pq(m: 8, nbits: 8), .l2, 0.65, 0.65),  // measured: 0.719, 0.717
      (.pq(m: 8, nbits: 8), .innerProduct, 0.34, 0.34),  // measured: 0.395, 0.395
    ]
    for (kind, metric, allFloor, probeFloor) in cases {
      let (base, queries) = data(metric)
      let index = try build(base, metric: metric, nlist: 128, kind: kind)
      let truth = truth(metric)
      let all = recallOf(search(index, queries, nprobe: 128), truth)
      let few = recallOf(search(index, queries, nprobe: 4), truth)
      let one = recallOf(search(index, queries, nprobe: 1), truth)
      print("recall \(kind) \(metric): all lists \(all), nprobe 4 \(few), nprobe 1 \(one)")
      XCTAssertGreaterThanOrEqual(all, allFloor, "\(kind) \(metric) at nprobe = nlist")
      XCTAssertGreaterThanOrEqual(few, probeFloor, "\(kind) \(metric) at nprobe 4")
      for hits in search(index, queries, nprobe: 4) {
        XCTAssertEqual(hits.count, 10)
        XCTAssertTrue(
          zip(hits, hits.dropFirst()).allSatisfy { $0.score < $1.score || ($0.score == $1.score && $0.row < $1.row) })
      }
    }
  }

  /// SQ8 and PQ scores are exactly the metric against the decoded vector (asymmetric distance).
  func testScoresAgreeWithDecodedCodes() throws {
    for metric in [IndexMetric.l2, .innerProduct] {
      let (base, queries) = data(metric)
      for kind in [IVFKind.sq8, .pq(m: 8, nbits: 8)] {
        let index = try build(base, metric: metric, nlist: 16, kind: kind)
        let quantizer = index.quantizer
        for (query, hits) in search(index, queries, nprobe: 16).enumerated().prefix(10) {
          for hit in hits {
            let vector = Array(base[(Int(hit.row) * dim)..<((Int(hit.row) + 1) * dim)])
            let list = quantizer.list(for: vector)
            let decoded = quantizer.reconstruct(quantizer.quantize(vector, list: list), list: list)
            var expected: Float = 0
            for index in 0..<dim {
              let q = queries[query * dim + index]
              expected += metric == .l2 ? (q - decoded[index]) * (q - decoded[index]) : -q * decoded[index]
            }
            XCTAssertEqual(hit.score, expected, accuracy: 1e-4 * max(1, abs(expected)), "\(kind) \(metric)")
          }
        }
      }
    }
  }

  /// SQ8 and PQ reconstruction error against the data's variance (mean squared distance to the mean).
  func testCodesDecodeWithinExpectedError() throws {
    let (base, _) = data(.l2)
    let rows = VectorRows(base, dim: dim)
    var mean = [Float](repeating: 0, count: dim)
    for row in 0..<baseCount { for index in 0..<dim { mean[index] += base[row * dim + index] / Float(baseCount) } }
    var variance: Float = 0
    for row in 0..<baseCount { for index in 0..<dim { variance += pow(base[row * dim + index] - mean[index], 2) } }
    variance /= Float(baseCount)  // about 32 · (16 + 1) = 544
    // (kind, bound on mean squared error / variance); measured ratios in the comments.
    // SQ8: a step of (range / 255) per dimension leaves an error of step² / 12 per dimension.
    // PQ codes residuals to the list centroid, whose energy is the within-cluster spread (about 32
    // of the 534); 256 words per 4-d sub-vector leave ~30% of it (m = 8), 64 words per 8-d ~80% (m = 4).
    let cases: [(IVFKind, Float)] = [(.sq8, 1e-4), (.pq(m: 8, nbits: 8), 0.03), (.pq(m: 4, nbits: 6), 0.06)]
    // measured: sq8 2.3e-5, pq(8, 8) 0.018, pq(4, 6) 0.048
    for (kind, bound) in cases {
      let quantizer = try IVFQuantizer.train(vectors: rows, metric: .l2, nlist: 40, kind: kind, control: nil)
      var error: Float = 0
      for row in 0..<baseCount {
        let vector = Array(base[(row * dim)..<((row + 1) * dim)])
        let list = quantizer.list(for: vector)
        let code = quantizer.quantize(vector, list: list)
        XCTAssertEqual(code.count, quantizer.codeSize)
        let decoded = quantizer.reconstruct(code, list: list)
        for index in 0..<dim { error += pow(decoded[index] - vector[index], 2) }
      }
      error /= Float(baseCount)
      print("reconstruction \(kind): mean squared error \(error), variance \(variance), ratio \(error / variance)")
      XCTAssertLessThan(error / variance, bound, "\(kind)")
    }
    // IVF_FLAT codes are the vectors.
    let flat = try IVFQuantizer.train(vectors: rows, metric: .l2, nlist: 8, kind: .flat, control: nil)
    let vector = Array(base[0..<dim])
    XCTAssertEqual(flat.reconstruct(flat.quantize(vector, list: 3), list: 3), vector)
  }

  func testFilteredSearch() throws {
    for metric in [IndexMetric.l2, .innerProduct] {
      let (base, queries) = data(metric)
      var generator = SeededGenerator(seed: 5)
      for fraction in [0.1, 0.01] {
        let mask = (0..<baseCount).map { _ in Double.random(in: 0..<1, using: &generator) < fraction }
        let allowed = RowBitset(mask)
        let truth = exactNeighbours(base: base, queries: queries, dim: dim, k: 10, metric: metric, allowed: allowed)
        for kind in [IVFKind.flat, .sq8, .pq(m: 8, nbits: 8)] {
          let index = try build(base, metric: metric, nlist: 40, kind: kind)
          for nprobe in [4, 40] {
            for hits in search(index, queries, nprobe: nprobe, allowed: allowed) {
              XCTAssertTrue(hits.allSatisfy { mask[Int($0.row)] }, "\(kind) returned a filtered-out row")
              XCTAssertEqual(Set(hits.map(\.row)).count, hits.count)
              if nprobe == 40 { XCTAssertEqual(hits.count, 10) }
            }
          }
          if kind == .flat {
            XCTAssertEqual(search(index, queries, nprobe: 40, allowed: allowed).map { $0.map(\.row) }, truth)
          }
        }
      }
      // Nothing allowed: nothing found.
      let index = try build(base, metric: metric, nlist: 16, kind: .flat)
      XCTAssertTrue(
        search(index, queries, nprobe: 16, allowed: RowBitset(count: baseCount, allSet: false))
          .allSatisfy(\.isEmpty))
    }
  }

  /// A second segment's index built with the first segment's quantizer finds its own rows.
  func testQuantizerReuseForNewRows() throws {
    let (base, queries) = data(.l2)
    let first = ContiguousArray(base[0..<(6000 * dim)])
    let second = ContiguousArray(base[(6000 * dim)...])
    for kind in [IVFKind.flat, .sq8] {
      let quantizer = try IVFQuantizer.train(
        vectors: VectorRows(first, dim: dim), metric: .l2, nlist: 32, kind: kind, control: nil)
      let older = try IVFIndex.build(vectors: VectorRows(first, dim: dim), quantizer: quantizer, control: nil)
      let newer = try IVFIndex.build(vectors: VectorRows(second, dim: dim), quantizer: quantizer, control: nil)
      XCTAssertTrue(older.quantizer === newer.quantizer)
      XCTAssertEqual(newer.count, 2000)
      let truth = exactNeighbours(base: second, queries: queries, dim: dim, k: 10, metric: .l2)
      let hits = search(newer, queries, nprobe: 32)
      if kind == .flat { XCTAssertEqual(hits.map { $0.map(\.row) }, truth) }
      let all = recallOf(hits, truth)
      let few = recallOf(search(newer, queries, nprobe: 4), truth)
      print("reuse \(kind): recall all lists \(all), nprobe 4 \(few)")
      XCTAssertGreaterThan(all, 0.95)  // measured: flat 1.000, sq8 0.993
      XCTAssertGreaterThan(few, 0.85)  // measured: flat 1.000, sq8 0.993
      XCTAssertTrue(hits.allSatisfy { $0.allSatisfy { $0.row < 2000 } })
    }
  }

  func testEncodeDecodeRoundTrip() throws {
    for metric in [IndexMetric.l2, .innerProduct] {
      let (base, queries) = data(metric)
      for kind in [IVFKind.flat, .sq8, .pq(m: 8, nbits: 8), .pq(m: 16, nbits: 5)] {
        let index = try build(base, metric: metric, nlist: 24, kind: kind)
        let bytes = index.encode()
        let decoded = try bytes.withUnsafeBytes { try IVFIndex.decode($0) }
        XCTAssertEqual(decoded.typeName, index.typeName)
        XCTAssertEqual(decoded.count, index.count)
        XCTAssertEqual(decoded.memoryBytes, index.memoryBytes)
        XCTAssertEqual(decoded.encode(), bytes)
        XCTAssertEqual(search(decoded, queries, nprobe: 5), search(index, queries, nprobe: 5), "\(kind) \(metric)")
        let quantizerBytes = index.quantizer.encode()
        let quantizer = try quantizerBytes.withUnsafeBytes { try IVFQuantizer.decode($0) }
        XCTAssertEqual(quantizer.encode(), quantizerBytes)
        XCTAssertEqual(quantizer.kind, kind)
      }
    }
  }

  func testGarbledBytesThrow() throws {
    let small = clusteredVectors(count: 300, dim: 8, clusters: 5, seed: 9)
    let rows = VectorRows(small, dim: 8)
    var generator = SeededGenerator(seed: 77)
    for kind in [IVFKind.flat, .sq8, .pq(m: 4, nbits: 4)] {
      let quantizer = try IVFQuantizer.train(vectors: rows, metric: .l2, nlist: 4, kind: kind, control: nil)
      let bytes = try IVFIndex.build(vectors: rows, quantizer: quantizer, control: nil).encode()
      for length in 0..<bytes.count {
        XCTAssertThrowsError(try Array(bytes[0..<length]).withUnsafeBytes { try IVFIndex.decode($0) })
      }
      XCTAssertThrowsError(try (bytes + [0]).withUnsafeBytes { try IVFIndex.decode($0) })
      for _ in 0..<300 {
        var garbled = bytes
        for _ in 0..<Int.random(in: 1...3, using: &generator) {
          garbled[Int.random(in: 0..<bytes.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
        }
        XCTAssertThrowsError(try garbled.withUnsafeBytes { try IVFIndex.decode($0) })
      }
      // Structural damage behind a valid checksum is caught by validation.
      let quantizerLength = bytes.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) }
      let listSizes = 16 + quantizerLength + 8
      let rowIds = listSizes + 4 * 4
      let damages: [(Int, UInt8)] = [
        (0, 0x58),  // magic
        (16 + 8, 9),  // quantizer kind
        (listSizes, 0xFF),  // a list size
        (rowIds, 0x7F),  // a row number out of range
        (rowIds + 4, bytes[rowIds]),  // a duplicated row number (low byte copied)
        (16 + 8 + 1, 7),  // metric
      ]
      for (offset, value) in damages {
        var damaged = Array(bytes.dropLast(8))
        if damaged[offset] == value { continue }
        damaged[offset] = value
        if offset > 16 && offset < 16 + quantizerLength {
          // Re-seal the embedded quantizer too, so only the structure is wrong.
          let end = 16 + quantizerLength - 8
          let sum = damaged[16..<end].withUnsafeBytes { ivfChecksum($0) }
          withUnsafeBytes(of: sum.littleEndian) { damaged.replaceSubrange(end..<(end + 8), with: $0) }
        }
        let sum = damaged.withUnsafeBytes { ivfChecksum($0) }
        withUnsafeBytes(of: sum.littleEndian) { damaged.append(contentsOf: $0) }
        XCTAssertThrowsError(try damaged.withUnsafeBytes { try IVFIndex.decode($0) }, "offset \(offset)") {
          XCTAssertTrue($0 is IndexFormatError)
        }
      }
    }
  }

  func testCancellationAndProgress() throws {
    let (base, _) = data(.l2)
    let rows = VectorRows(base, dim: dim)
    let cancelled = BuildControl()
    cancelled.cancel()
    XCTAssertThrowsError(
      try IVFQuantizer.train(vectors: rows, metric: .l2, nlist: 16, kind: .pq(m: 8, nbits: 8), control: cancelled)
    ) { XCTAssertTrue($0 is BuildCancelled) }
    let quantizer = try IVFQuantizer.train(vectors: rows, metric: .l2, nlist: 16, kind: .sq8, control: nil)
    XCTAssertThrowsError(try IVFIndex.build(vectors: rows, quantizer: quantizer, control: cancelled)) {
      XCTAssertTrue($0 is BuildCancelled)
    }
    // Cancelled from another thread while training runs.
    let racing = BuildControl()
    DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { racing.cancel() }
    let big = VectorRows(clusteredVectors(count: 20000, dim: dim, clusters: 50, seed: 1), dim: dim)
    XCTAssertThrowsError(
      try IVFQuantizer.train(vectors: big, metric: .l2, nlist: 256, kind: .pq(m: 16, nbits: 8), control: racing))
    let control = BuildControl()
    let index = try IVFIndex.build(vectors: rows, quantizer: quantizer, control: control)
    XCTAssertEqual(control.processed, baseCount)
    XCTAssertEqual(index.listSizes.reduce(0, +), baseCount)
    XCTAssertGreaterThan(index.memoryBytes, baseCount * (dim + 4))
  }

  func testEdgeCases() throws {
    let (base, queries) = data(.l2)
    let index = try build(base, metric: .l2, nlist: 16, kind: .sq8)
    let hits = queries.withUnsafeBufferPointer { query in
      (
        index.search(query.baseAddress!, k: 0, params: .init(), allowed: nil),
        index.search(query.baseAddress!, k: 20_000, params: .init(nprobe: 16), allowed: nil),
        index.search(query.baseAddress!, k: 5, params: .init(nprobe: 0), allowed: nil)
      )
    }
    XCTAssertTrue(hits.0.isEmpty)
    XCTAssertEqual(hits.1.count, baseCount)
    XCTAssertEqual(hits.2.count, 5)
    // An empty segment with a trained quantizer.
    let empty = try IVFIndex.build(vectors: VectorRows([], dim: dim), quantizer: index.quantizer, control: nil)
    XCTAssertEqual(empty.count, 0)
    XCTAssertTrue(
      queries.withUnsafeBufferPointer { empty.search($0.baseAddress!, k: 3, params: .init(), allowed: nil) }
        .isEmpty)
    let decoded = try empty.encode().withUnsafeBytes { try IVFIndex.decode($0) }
    XCTAssertEqual(decoded.count, 0)
    // Training on no rows, or on fewer rows than lists and code words, still gives working indexes.
    for kind in [IVFKind.flat, .sq8, .pq(m: 8, nbits: 8)] {
      for count in [0, 3] {
        let few = VectorRows(ContiguousArray(base[0..<(count * dim)]), dim: dim)
        let quantizer = try IVFQuantizer.train(vectors: few, metric: .l2, nlist: 8, kind: kind, control: nil)
        let index = try IVFIndex.build(vectors: few, quantizer: quantizer, control: nil)
        let found = base.withUnsafeBufferPointer {
          index.search($0.baseAddress!, k: 5, params: .init(nprobe: 8), allowed: nil)
        }
        XCTAssertEqual(found.count, count, "\(kind) with \(count) rows")
        if count > 0 { XCTAssertEqual(found.first?.row, 0) }
      }
    }
  }
}
