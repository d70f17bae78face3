import Model
import XCTest

/// The recall meter's arithmetic: found, missed and ANN-only neighbours, and ties at the k-th
/// distance.
final class RecallTests: XCTestCase {
  private func hits(_ pairs: [(Int64, Float)]) -> [SearchHit] {
    pairs.map { SearchHit(id: .int($0.0), distance: $0.1) }
  }

  func testMissedAndANNOnlyNeighbours() {
    let exact = hits([(1, 0.1), (2, 0.2), (3, 0.3), (4, 0.4), (5, 0.5)])
    let ann = hits([(1, 0.1), (3, 0.3), (9, 0.45), (5, 0.5), (8, 0.6)])
    let report = Recall.report(ann: ann, exact: exact)
    XCTAssertEqual(report.k, 5)
    XCTAssertEqual(report.found, 3)
    XCTAssertEqual(report.recall, 0.6)
    XCTAssertEqual(report.missed, hits([(2, 0.2), (4, 0.4)]))
    XCTAssertEqual(report.annOnly, [.int(9), .int(8)])
    XCTAssertEqual(report.summary, "recall@5 0.60 (2 missed)")
  }

  func testAPerfectListAndAnEmptyOne() {
    let exact = hits([(1, 3), (2, 2), (3, 1)])
    let perfect = Recall.report(ann: exact, exact: exact)
    XCTAssertEqual(perfect.recall, 1)
    XCTAssertEqual(perfect.summary, "recall@3 1.00 (0 missed)")
    let empty = Recall.report(ann: [], exact: exact)
    XCTAssertEqual(empty.recall, 0)
    XCTAssertEqual(empty.missed.map(\.id), [.int(1), .int(2), .int(3)])
    // A filter that matches nothing: nothing to find, nothing missed.
    let nothing = Recall.report(ann: [], exact: [])
    XCTAssertEqual(nothing.recall, 1)
    XCTAssertEqual(nothing.k, 0)
  }

  func testAnEqualDistanceSubstituteAtTheKthPlaceCounts() {
    // 3 and 7 tie at the k-th distance: the exact search keeps 3 (smaller key), the index 7.
    let exact = hits([(1, 0.1), (2, 0.2), (3, 0.5)])
    let ann = hits([(1, 0.1), (2, 0.2), (7, 0.5)])
    let report = Recall.report(ann: ann, exact: exact)
    XCTAssertEqual(report.recall, 1)
    XCTAssertEqual(report.found, 3)
    XCTAssertEqual(report.missed, [])
    XCTAssertEqual(report.annOnly, [])
  }

  func testATieSubstituteDoesNotCoverANeighbourCloserThanTheKth() {
    // 2 is missed and is closer than the k-th: the tie 7 stands in for nothing (3 was found).
    let exact = hits([(1, 0.1), (2, 0.2), (3, 0.5)])
    let ann = hits([(1, 0.1), (3, 0.5), (7, 0.5)])
    let report = Recall.report(ann: ann, exact: exact)
    XCTAssertEqual(report.found, 2)
    XCTAssertEqual(report.recall, 2.0 / 3.0)
    XCTAssertEqual(report.missed, hits([(2, 0.2)]))
    XCTAssertEqual(report.annOnly, [.int(7)])
  }

  func testTiesAreCreditedOnlyAsOftenAsTiedNeighboursWereLeftOut() {
    // Three exact neighbours at the k-th distance; the index returned one of them and two others
    // of that distance, and one of a worse distance.
    let exact = hits([(1, 1), (2, 4), (3, 4), (4, 4)])
    let ann = hits([(1, 1), (4, 4), (8, 4), (9, 4)])
    let report = Recall.report(ann: ann, exact: exact)
    XCTAssertEqual(report.recall, 1)
    XCTAssertEqual(report.missed, [])
    let worse = Recall.report(ann: hits([(1, 1), (4, 4), (8, 4), (9, 5)]), exact: exact)
    XCTAssertEqual(worse.found, 3)
    XCTAssertEqual(worse.missed.map(\.id), [.int(2)], "the closest-first remaining tie is listed as missed")
    XCTAssertEqual(worse.annOnly, [.int(9)])
  }

  func testSimilaritiesTieToo() {
    // IP and COSINE: larger is closer; the tie is still about equal distance values.
    let exact = hits([(1, 0.99), (2, 0.8)])
    let ann = hits([(1, 0.99), (5, 0.8 + 1e-8)])
    XCTAssertEqual(Recall.report(ann: ann, exact: exact).recall, 1)
    let notATie = Recall.report(ann: hits([(1, 0.99), (5, 0.79)]), exact: exact)
    XCTAssertEqual(notATie.recall, 0.5)
    XCTAssertEqual(notATie.missed.map(\.id), [.int(2)])
  }

  func testFormatting() {
    XCTAssertEqual(Recall.format(0.8), "0.80")
    XCTAssertEqual(Recall.format(1), "1.00")
    XCTAssertEqual(Recall.format(0.05), "0.05")
    XCTAssertEqual(Recall.format(2.0 / 3.0), "0.67")
  }
}
