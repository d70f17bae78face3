import XCTest

@testable import TUI

/// The recall meter in a real terminal: `vscope-tui-demo` on the fixture store, driven with
/// send-keys; the exact search runs off the UI loop and its report lands in the results' header.
final class TmuxRecallTests: XCTestCase {
  func testRShowsTheRecallOfTheResults() async throws {
    let session = try await TmuxSession.start(self, width: 80, height: 24)
    try session.waitFor("1 Collections (3)", "described books")
    session.send("s")
    try session.waitFor("Search · books", "Enter search")
    session.send("Enter")
    try session.waitFor("Results · books · random vector · top 10 by COSINE", "R recall", " 1/10 ")
    session.send("R")
    // books has a FLAT index: the index search is exact, so nothing is missed.
    try session.waitFor("recall@10 1.00 (0 missed) · embedding (dim 16)", "the exact search of books")
    XCTAssertFalse(session.capture().contains("missed by the index"))
    session.send("q")
    let ending = try session.waitForExit()
    XCTAssertEqual(ending.status, 0)
  }
}
