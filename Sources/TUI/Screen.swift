/// A terminal the explorer draws on and reads keys from. One thread owns it (the main actor).
///
/// `NCursesScreen` is the real terminal; `MemoryScreen` keeps frames in memory for tests.
@MainActor
public protocol Screen: AnyObject {
  /// The terminal's size now.
  var size: TerminalSize { get }
  /// Shows a frame (drawn for the current size).
  func present(_ frame: CellBuffer)
  /// The next key or resize, waiting at most `timeout`; nil when nothing came.
  func nextEvent(timeout: Duration) -> InputEvent?
}

/// A screen in memory: it keeps the frames it is shown and hands out scripted events.
@MainActor
public final class MemoryScreen: Screen {
  public private(set) var size: TerminalSize
  /// Every frame presented, oldest first.
  public private(set) var frames: [CellBuffer] = []
  /// Events still to hand out, in order.
  public var pendingEvents: [InputEvent]

  public init(size: TerminalSize, events: [InputEvent] = []) {
    self.size = size
    pendingEvents = events
  }

  /// The frame on the screen now.
  public var lastFrame: CellBuffer? { frames.last }

  public func present(_ frame: CellBuffer) { frames.append(frame) }

  public func nextEvent(timeout: Duration) -> InputEvent? {
    guard !pendingEvents.isEmpty else { return nil }
    let event = pendingEvents.removeFirst()
    if case .resize(let newSize) = event { size = newSize }
    return event
  }
}
