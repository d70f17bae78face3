/// Where everything goes at a given terminal size: a header row, the Collections pane across
/// the top, Schema and Index side by side below it, and a status row. Update and view share it,
/// so paging moves by exactly the rows a pane shows.
struct Layout: Sendable, Hashable {
  var header: Rect
  var body: Rect
  var status: Rect
  var collections: Rect
  var schema: Rect
  var index: Rect

  /// Lines under the Index pane's table (after a blank one) that describe the selected index.
  static let indexDetailLines = 4

  init(size: TerminalSize) {
    let width = max(size.width, TerminalSize.minimum.width)
    let height = max(size.height, TerminalSize.minimum.height)
    header = Rect(x: 0, y: 0, width: width, height: 1)
    status = Rect(x: 0, y: height - 1, width: width, height: 1)
    body = Rect(x: 0, y: 1, width: width, height: height - 2)
    let (top, bottom) = body.splitTop(body.height * 2 / 5)
    collections = top
    // The schema has the most columns: it gets the larger share, more of it on wide terminals.
    (schema, index) = bottom.splitLeft(width * (width >= 120 ? 60 : 55) / 100)
  }

  func rect(_ pane: Pane) -> Rect {
    switch pane {
    case .collections: return collections
    case .schema: return schema
    case .index: return index
    }
  }

  /// Rows of hits the results page shows (below a summary line and the column headers).
  var resultRows: Int { max(1, body.inner.height - 2) }

  /// Rows of fields the entity page shows (below its column headers).
  var entityRows: Int { max(1, body.inner.height - 1) }

  /// Rows the entity browser shows per page (below the filter line, the count or error line
  /// and the column headers).
  var browserRows: Int { max(1, body.inner.height - 3) }

  /// Rows of the list that `pane` shows (below its column headers).
  func listRows(_ pane: Pane) -> Int {
    let inner = rect(pane).inner.height - 1
    return max(1, pane == .index ? inner - 1 - Self.indexDetailLines : inner)
  }
}
