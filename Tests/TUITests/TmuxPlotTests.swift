import XCTest

@testable import TUI

/// The plot page in a real terminal: `vscope-tui-demo` on the fixture store, driven with
/// send-keys, read back with capture-pane.
final class TmuxPlotTests: XCTestCase {
  func testPlotFromTheBrowserAndFromResults() async throws {
    let session = try await TmuxSession.start(self, width: 120, height: 40)
    try session.waitFor("1 Collections (3)", "described books")
    session.send("p")
    try session.waitFor("Plot · books · embedding · 1,234 vectors · PC1", "colour: year", "projected 1,234 vectors")
    session.send("c")
    try session.waitFor("colour: language")
    session.send("+")
    try session.waitFor("zoom 1.5×")
    session.send("0", "Escape")
    try session.waitFor("1 Collections (3)")
    // From results: the histogram under the hits, then the plot with the query and hits marked.
    session.send("s")
    try session.waitFor("Search · books")
    session.send("Enter")
    try session.waitFor("10 hits in books", "SCORES")
    session.send("p")
    try session.waitFor("Plot · books", "◆ query", "● 10 hits")
    session.send("Escape")
    try session.waitFor("Results · books")
    session.send("q")
    let ending = try session.waitForExit()
    XCTAssertEqual(ending.status, 0)
    XCTAssertEqual(ending.sttyAfter, ending.sttyBefore)
  }
}
