import Foundation
import XCTest

@testable import TUI

/// The entity browser, the command line and the mouse in a real terminal: `vscope-tui-demo` on
/// the fixture store, driven with send-keys.
final class TmuxBrowserTests: XCTestCase {
  func testBrowserPagingExportAndAMousePress() async throws {
    let session = try await TmuxSession.start(self, width: 120, height: 40)
    try session.waitFor("1 Collections (3)", "described books")
    session.send("e")
    try session.waitFor("Entities · books", "1,234 entities (count(*)) · page 1 of 38", "Book 32")
    session.send("NPage")
    try session.waitFor("rows 34–66 of 1,234 in books", "Book 65", "page 2 of 38")
    session.send("/")
    session.tmux("send-keys", "-l", "year > 2000 and title > 3")
    try session.waitFor("^ column 23: cannot compare VarChar field 'title' with a number")
    session.send("Escape", "Escape")
    try session.waitFor("1 Collections (3)")
    // The mouse as xterm reports it (ESC [ M, button, column + 33, row + 33): a press on the Index pane.
    session.tmux("send-keys", "-l", "\u{1B}[M " + String(UnicodeScalar(33 + 80)!) + String(UnicodeScalar(33 + 20)!))
    try session.waitFor("┏━ 3 Index · books")
    // :export with Tab completion of the command name, then history brings the line back.
    let path = session.directory + "/books.jsonl"
    session.send(":")
    session.tmux("send-keys", "-l", "exp")
    session.send("Tab")
    try session.waitFor(":export")
    session.tmux("send-keys", "-l", path)
    session.send("Enter")
    try session.waitFor("exported 1,234 rows of books to")
    let text = try String(contentsOfFile: path, encoding: .utf8)
    XCTAssertEqual(text.split(separator: "\n").count, 1_234)
    session.send(":", "Up")
    try session.waitFor(":export " + path)
    session.send("Escape", "q")
    let ending = try session.waitForExit()
    XCTAssertEqual(ending.status, 0)
    XCTAssertEqual(ending.sttyAfter, ending.sttyBefore)
  }
}
