import Foundation
import XCTest

@testable import TUI

/// Reviewed frames stored as plain text under `Snapshots/`: `NAME.txt` is the frame as text,
/// `NAME.styles.txt` the same grid with one letter per cell naming its semantic style.
///
/// `VSCOPE_RECORD_SNAPSHOTS=1 swift test --filter SnapshotTests` rewrites them; review the diff.
/// A missing snapshot is recorded and the test fails, so that nobody forgets to read it.
enum Snapshot {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Snapshots")

  static var recording: Bool { ProcessInfo.processInfo.environment["VSCOPE_RECORD_SNAPSHOTS"] == "1" }

  /// The letter for each semantic style in the style maps.
  static let letters: [(StyleKey, Character)] = [
    (.header, "H"), (.border, "b"), (.borderFocused, "B"), (.title, "t"), (.titleFocused, "T"),
    (.columnHeader, "c"), (.selection, "S"), (.selectionInactive, "s"), (.error, "E"), (.dim, "d"),
    (.progress, "p"), (.key, "k"),
  ]

  static func legend() -> String {
    ". plain  " + letters.map { "\($0.1) \($0.0.rawValue)" }.joined(separator: "  ") + "  ? other"
  }

  /// The frame's styles as letters, by looking each cell's style up in `theme` (whose styles
  /// must differ from one another, which a test checks for the default theme).
  static func styleMap(_ frame: CellBuffer, theme: Theme) -> String {
    var lookup: [CellStyle: Character] = [CellStyle.plain: "."]
    for (key, letter) in letters { lookup[theme[key]] = letter }
    return (0..<frame.height).map { row in
      String((0..<frame.width).map { lookup[frame[$0, row].style] ?? "?" })
    }.joined(separator: "\n")
  }

  static func assertMatches(
    _ frame: CellBuffer, named name: String, theme: Theme = .defaultDark, file: StaticString = #filePath,
    line: UInt = #line
  ) {
    let text = frame.text + "\n"
    let styles = "legend: " + legend() + "\n" + styleMap(frame, theme: theme) + "\n"
    compare(text, file: "\(name).txt", sourceFile: file, line: line)
    compare(styles, file: "\(name).styles.txt", sourceFile: file, line: line)
  }

  private static func compare(_ actual: String, file name: String, sourceFile: StaticString, line: UInt) {
    let url = directory.appendingPathComponent(name)
    let stored = try? String(contentsOf: url, encoding: .utf8)
    if recording || stored == nil {
      try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      XCTAssertNoThrow(try actual.write(to: url, atomically: true, encoding: .utf8), file: sourceFile, line: line)
      if stored == nil, !recording {
        XCTFail("recorded a new snapshot \(name); review it and run again", file: sourceFile, line: line)
      }
      return
    }
    guard let stored, stored != actual else { return }
    let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let storedLines = stored.split(separator: "\n", omittingEmptySubsequences: false)
    let firstDifference = zip(actualLines, storedLines).enumerated().first(where: { $0.element.0 != $0.element.1 })
    let saved = NSTemporaryDirectory() + name.replacingOccurrences(of: ".txt", with: ".actual.txt")
    try? actual.write(toFile: saved, atomically: true, encoding: .utf8)
    var message = "\(name) differs from the snapshot (actual written to \(saved))"
    if let (index, (now, was)) = firstDifference {
      message += "\nline \(index + 1):\n  snapshot: \(was)\n  actual:   \(now)"
    } else {
      message += "\nline counts differ: snapshot \(storedLines.count), actual \(actualLines.count)"
    }
    XCTFail(message, file: sourceFile, line: line)
  }
}
