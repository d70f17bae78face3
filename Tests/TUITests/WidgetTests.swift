import Model
import XCTest

@testable import TUI

final class WidgetTests: XCTestCase {
  func testColumnsShareTheWidthAndGiveWayFromTheRight() {
    let columns = [
      TableColumn(title: "A", width: .flex(min: 4, ideal: 10)),
      TableColumn(title: "B", width: .fixed(5)),
      TableColumn(title: "C", width: .flex(min: 0, ideal: 30)),
    ]
    XCTAssertEqual(TableColumn.widths(columns, total: 60), [10, 5, 43], "the last flexible column takes the rest")
    XCTAssertEqual(TableColumn.widths(columns, total: 20), [14, 5, 0], "a column too narrow to say anything folds")
    XCTAssertEqual(TableColumn.widths(columns, total: 8), [4, 2, 0], "too narrow even for the minimums")
    let row = TableColumn.row(["漢字テキスト", "12", "x"], columns: columns, widths: [5, 5, 0], total: 12)
    XCTAssertEqual(row, "漢字… 12    ")
    XCTAssertEqual(DisplayWidth.of(row), 12)
  }

  func testFormats() {
    XCTAssertEqual(Format.grouped(0), "0")
    XCTAssertEqual(Format.grouped(999), "999")
    XCTAssertEqual(Format.grouped(1_234_567), "1,234,567")
    XCTAssertEqual(Format.grouped(-1_000), "-1,000")
    XCTAssertEqual(Format.milliseconds(.microseconds(20)), "<0.1 ms")
    XCTAssertEqual(Format.milliseconds(.microseconds(2_449)), "2.4 ms")
    XCTAssertEqual(Format.milliseconds(.milliseconds(1_234)), "1234 ms")
    XCTAssertEqual(Format.progressBar(done: 1, total: 3, width: 16), "███░░░░░░░░  33%")
    XCTAssertEqual(Format.progressBar(done: 0, total: 0, width: 10), "█████ 100%", "nothing to index is done")
    XCTAssertEqual(Format.progressBar(done: 999, total: 1000, width: 10).suffix(3), "99%", "100% only when done")
    XCTAssertEqual(Format.wrap("a bb ccc dddddddd", width: 5), ["a bb", "ccc", "ddddd", "ddd"])
    XCTAssertEqual(Format.wrap("漢字 漢字漢字", width: 4), ["漢字", "漢字", "漢字"])
    XCTAssertEqual(ExplorerView.truncateLeading("/srv/data/vscope", to: 8), "…/vscope")
    XCTAssertEqual(ExplorerView.truncateLeading("/短い", to: 8), "/短い")
  }

  func testKeyLabelsAndPrintableKeys() {
    XCTAssertEqual(Key.backTab.label, "Shift-Tab")
    XCTAssertEqual(Key.control("c").label, "Ctrl-C")
    XCTAssertEqual(Key.pageDown.label, "PgDn")
    XCTAssertEqual(Key.character("漢").printable, "漢")
    XCTAssertNil(Key.character("\u{1B}").printable)
    XCTAssertNil(Key.tab.printable)
  }

  func testEveryKeyIsBoundOnceInEachScope() {
    for scope in KeyScope.allCases {
      let keys = Keymap.standard.bindings(in: scope).flatMap(\.keys)
      XCTAssertEqual(Set(keys).count, keys.count, "a key bound twice in \(scope)")
    }
  }

  func testNoColorMeansAttributesOnly() {
    XCTAssertFalse(ColorMode.auto.wantsColor(environment: ["NO_COLOR": "1"]))
    XCTAssertTrue(ColorMode.auto.wantsColor(environment: ["NO_COLOR": ""]), "an empty NO_COLOR does not count")
    XCTAssertTrue(ColorMode.auto.wantsColor(environment: [:]))
    XCTAssertTrue(ColorMode.always.wantsColor(environment: ["NO_COLOR": "1"]))
    XCTAssertFalse(ColorMode.never.wantsColor(environment: [:]))
    for theme in [Theme.monochrome, Theme.defaultDark.withoutColors] {
      for key in StyleKey.allCases {
        XCTAssertEqual(theme[key].foreground, .default, "\(theme.name) \(key)")
        XCTAssertEqual(theme[key].background, .default, "\(theme.name) \(key)")
      }
      XCTAssertNotEqual(theme[.borderFocused], theme[.border], "focus shows without colour")
      XCTAssertNotEqual(theme[.selection], .plain)
      XCTAssertNotEqual(theme[.error], .plain)
    }
  }

  func testColoursMapOntoWhatTheTerminalHas() {
    XCTAssertEqual(ColorMapping.number(.default, colors: 256), -1)
    XCTAssertEqual(ColorMapping.number(.palette(75), colors: 256), 75)
    XCTAssertEqual(ColorMapping.number(.palette(12), colors: 8), 4, "bright blue on 8 colours is blue")
    XCTAssertEqual(ColorMapping.number(.palette(196), colors: 16), 9, "xterm red is bright red")
    XCTAssertEqual(ColorMapping.number(.palette(16), colors: 8), 0, "black stays black")
    XCTAssertEqual(ColorMapping.number(.rgb(255, 0, 0), colors: 256), 196)
    XCTAssertEqual(ColorMapping.number(.rgb(128, 128, 128), colors: 256), 244)
    for index in 0...255 {
      XCTAssertLessThan(ColorMapping.number(.palette(UInt8(index)), colors: 8), 8)
    }
  }
}
