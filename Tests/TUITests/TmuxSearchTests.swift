import XCTest

@testable import TUI

/// A search in a real terminal: `vscope-tui-demo` on the fixture store, driven with send-keys.
final class TmuxSearchTests: XCTestCase {
  func testSearchHopToAnEntityAndMoreLikeThis() async throws {
    let session = try await TmuxSession.start(self, width: 120, height: 40)
    try session.waitFor("1 Collections (3)", "described books")
    session.send("s")
    try session.waitFor("Search · books", "source", "Enter search")
    // A random vector of the field's dimension, top 10 by the index's metric.
    session.send("Enter")
    try session.waitFor("Results · books · random vector · top 10 by COSINE", "10 hits in books", " 1/10 ")
    session.send("j", "Enter")
    try session.waitFor("Entity · books ·", "dim 16", "Book ")
    session.send("m")
    try session.waitFor("Results · books · more like this:", "1 earlier (Esc)")
    session.send("Escape")
    try session.waitFor("Results · books · random vector")
    session.send("q")
    let ending = try session.waitForExit()
    XCTAssertEqual(ending.status, 0)
    XCTAssertEqual(ending.sttyAfter, ending.sttyBefore)
  }
}
