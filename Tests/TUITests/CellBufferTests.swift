import Model
import XCTest

@testable import TUI

final class CellBufferTests: XCTestCase {
  func testTextIsClippedToTheGridAndTheClipWidth() {
    var buffer = CellBuffer(width: 10, height: 2)
    XCTAssertEqual(buffer.put("hello world", x: 2, y: 0), 8)
    XCTAssertEqual(buffer.put("abcdef", x: 0, y: 1, maxWidth: 3), 3)
    XCTAssertEqual(buffer.text, "  hello wo\nabc       ")
    XCTAssertEqual(buffer.put("off", x: 0, y: 5), 0)
  }

  func testWideCharactersTakeTwoCellsAndNeverSplit() {
    var buffer = CellBuffer(width: 6, height: 1)
    buffer.put("漢字テ", x: 0, y: 0)
    XCTAssertEqual(buffer.text, "漢字テ")
    XCTAssertTrue(buffer[1, 0].isContinuation)
    // A wide character that does not fit in the last cell is not half drawn.
    var edge = CellBuffer(width: 5, height: 1)
    edge.put("ab漢字", x: 0, y: 0)
    XCTAssertEqual(edge.text, "ab漢 ")
    XCTAssertFalse(edge[4, 0].isContinuation)
    // Overwriting the second half of a wide character blanks its first half.
    buffer.put("x", x: 1, y: 0)
    XCTAssertEqual(buffer.text, " x字テ")
  }

  func testStylesAreKeptPerCell() {
    var buffer = CellBuffer(width: 4, height: 1)
    let bold = CellStyle(attributes: .bold)
    buffer.put("ab", x: 1, y: 0, style: bold)
    XCTAssertEqual(buffer[0, 0].style, .plain)
    XCTAssertEqual(buffer[1, 0].style, bold)
    XCTAssertEqual(buffer[2, 0].style, bold)
    buffer.put("\u{7}z", x: 0, y: 0)
    XCTAssertEqual(buffer.text, "?zb ")
  }
}
