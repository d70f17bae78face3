/// A terminal's size in cells.
public struct TerminalSize: Sendable, Hashable, CustomStringConvertible {
  public var width: Int
  public var height: Int

  public init(width: Int, height: Int) {
    self.width = width
    self.height = height
  }

  /// The smallest terminal the explorer lays out its panes in.
  public static let minimum = TerminalSize(width: 80, height: 24)

  /// Whether this size holds `other` in both directions.
  public func contains(_ other: TerminalSize) -> Bool { width >= other.width && height >= other.height }

  public var description: String { "\(width)×\(height)" }
}

/// A rectangle of cells; empty when either side is zero or less.
struct Rect: Sendable, Hashable {
  var x: Int
  var y: Int
  var width: Int
  var height: Int

  var isEmpty: Bool { width <= 0 || height <= 0 }
  var maxX: Int { x + width }
  var maxY: Int { y + height }

  /// The rectangle inside a one-cell border.
  var inner: Rect { Rect(x: x + 1, y: y + 1, width: max(0, width - 2), height: max(0, height - 2)) }

  /// The top `rows` rows, and the rest below them.
  func splitTop(_ rows: Int) -> (top: Rect, rest: Rect) {
    let top = min(max(0, rows), height)
    return (
      Rect(x: x, y: y, width: width, height: top), Rect(x: x, y: y + top, width: width, height: height - top)
    )
  }

  /// The left `columns` columns, and the rest to their right.
  func splitLeft(_ columns: Int) -> (left: Rect, rest: Rect) {
    let left = min(max(0, columns), width)
    return (
      Rect(x: x, y: y, width: left, height: height), Rect(x: x + left, y: y, width: width - left, height: height)
    )
  }
}
