import XCTest

@testable import Model

final class ComparisonTests: XCTestCase {
  private func hits(_ ids: [Int64]) -> [SearchHit] {
    ids.enumerated().map { SearchHit(id: .int($0.element), distance: Float($0.offset) / 10) }
  }

  func testSameNeighboursInTheSameOrderAreIdentical() {
    let comparison = ResultComparison(left: hits([4, 8, 15]), right: hits([4, 8, 15]))
    XCTAssertEqual(comparison.k, 3)
    XCTAssertEqual(comparison.overlap, 3)
    XCTAssertEqual(comparison.overlapRatio, 1)
    XCTAssertEqual(comparison.meanRankShift, 0)
    XCTAssertTrue(comparison.isIdentical)
  }

  func testReorderedNeighboursOverlapFullyButMove() {
    let comparison = ResultComparison(left: hits([1, 2, 3, 4]), right: hits([2, 1, 3, 4]))
    XCTAssertEqual(comparison.overlap, 4)
    XCTAssertFalse(comparison.isIdentical)
    XCTAssertEqual(comparison.entries.map(\.rankChange), [1, -1, 0, 0])
    XCTAssertEqual(comparison.meanRankShift, 0.5)
  }

  func testEntriesListSharedThenEachSidesOwn() {
    let comparison = ResultComparison(left: hits([10, 20, 30, 40]), right: hits([30, 50, 10, 60]))
    XCTAssertEqual(comparison.overlap, 2)
    XCTAssertEqual(comparison.overlapRatio, 0.5)
    XCTAssertEqual(comparison.entries.map(\.id), [.int(10), .int(30), .int(20), .int(40), .int(50), .int(60)])
    let ten = comparison.entries[0]
    XCTAssertEqual(ten.leftRank, 1)
    XCTAssertEqual(ten.rightRank, 3)
    XCTAssertEqual(ten.rankChange, 2)
    XCTAssertEqual(ten.leftDistance, 0)
    XCTAssertEqual(ten.rightDistance, 0.2)
    XCTAssertNil(comparison.entries[2].rightRank)
    XCTAssertNil(comparison.entries[2].rankChange)
    XCTAssertNil(comparison.entries[4].leftRank)
    XCTAssertEqual(comparison.entries[4].rightRank, 2)
    // Shared neighbours moved +2 (10) and -2 (30).
    XCTAssertEqual(comparison.meanRankShift, 2)
  }

  func testShorterSideIsMeasuredAgainstTheLongerK() {
    let comparison = ResultComparison(left: hits([1, 2, 3, 4]), right: hits([1, 2]))
    XCTAssertEqual(comparison.k, 4)
    XCTAssertEqual(comparison.overlap, 2)
    XCTAssertEqual(comparison.overlapRatio, 0.5)
    XCTAssertFalse(comparison.isIdentical)
  }

  func testEmptyListsAgree() {
    let comparison = ResultComparison(left: [], right: [])
    XCTAssertEqual(comparison.overlapRatio, 1)
    XCTAssertTrue(comparison.isIdentical)
    XCTAssertTrue(comparison.entries.isEmpty)
  }

  func testStringKeysCompareByValue() {
    let left = [SearchHit(id: .string("a"), distance: 1), SearchHit(id: .string("b"), distance: 2)]
    let right = [SearchHit(id: .string("b"), distance: 1.5)]
    let comparison = ResultComparison(left: left, right: right)
    XCTAssertEqual(comparison.overlap, 1)
    XCTAssertEqual(comparison.entries.first?.id, .string("b"))
    XCTAssertEqual(comparison.entries.first?.rankChange, -1)
  }
}
