/// How `vscope play` plays a script: how fast, and whether the explorer stays open after it.
public struct DemoPlayback: Sendable, Hashable {
  public var script: DemoScript
  /// 2 plays twice as fast: pauses and the gaps between keys shrink (wait timeouts do not).
  public var speed: Double
  /// Keeps the explorer open for the user after the last line instead of exiting.
  public var hold: Bool

  public init(script: DemoScript, speed: Double = 1, hold: Bool = false) {
    self.script = script
    self.speed = speed
    self.hold = hold
  }
}

/// Why playback stopped before the script's end: the line, and what went wrong.
public struct DemoFailure: Error, Sendable, Hashable, CustomStringConvertible {
  public var file: String
  public var line: Int
  public var message: String

  public var description: String { "\(file):\(line): \(message)" }
}

/// Steps through a script on the explorer's loop: hands out its keys at a watchable pace,
/// holds at pauses and waits, checks expectations. The runtime feeds what it hands out through
/// the same path as keys read from the terminal.
@MainActor
final class DemoPlayer {
  /// What the loop should do next.
  enum Step: Equatable {
    case event(InputEvent)
    /// Lay out for this size (nil: the terminal's own).
    case resize(TerminalSize?)
    /// Nothing yet: come back after at most `until`.
    case wait(until: ContinuousClock.Instant)
    case finished
    case failed(DemoFailure)
  }

  /// The gap after a pressed key, and after a typed character, at speed 1.
  static let keyInterval = Duration.milliseconds(400)
  static let typeInterval = Duration.milliseconds(70)

  let playback: DemoPlayback
  private(set) var caption: String?
  /// The user paused playback (Space).
  var isPaused = false
  private var index = 0
  /// Keys of the current directive still to send, each with the gap that follows it.
  private var pending: [(event: InputEvent, gap: Duration)] = []
  private var readyAt = ContinuousClock.now
  private var waitDeadline: ContinuousClock.Instant?
  /// The line of the directive being played (for error messages).
  private(set) var line = 0
  private(set) var isFinished = false

  init(_ playback: DemoPlayback) {
    self.playback = playback
  }

  /// Which directive plays next, for the overlay ("12/80").
  var progress: (done: Int, total: Int) { (index, playback.script.steps.count) }

  private func scaled(_ duration: Duration) -> Duration { duration / max(0.01, playback.speed) }

  func failure(_ message: String) -> DemoFailure {
    DemoFailure(file: playback.script.file, line: line, message: message)
  }

  /// The next thing to do at `now`. `isIdle` says whether no backend call runs; `screenText`
  /// draws the explorer's screen (without the caption) for `expect`.
  func next(now: ContinuousClock.Instant, isIdle: Bool, busyWith: () -> String, screenText: () -> String) -> Step {
    if isFinished { return .finished }
    if isPaused { return .wait(until: now + .milliseconds(50)) }
    if now < readyAt { return .wait(until: readyAt) }
    while true {
      if !pending.isEmpty {
        let (event, gap) = pending.removeFirst()
        readyAt = now + scaled(gap)
        return .event(event)
      }
      guard index < playback.script.steps.count else {
        isFinished = true
        return .finished
      }
      let step = playback.script.steps[index]
      line = step.line
      switch step.directive {
      case .key(let key, let count):
        pending = Array(repeating: (.key(key), Self.keyInterval), count: count)
      case .type(let text):
        pending = text.map { (.key(.character($0)), Self.typeInterval) }
        if let last = pending.indices.last { pending[last].gap = Self.keyInterval }
      case .pause(let duration):
        index += 1
        readyAt = now + scaled(duration)
        return .wait(until: readyAt)
      case .caption(let text):
        caption = text
      case .clearCaption:
        caption = nil
      case .waitIdle(let timeout):
        if let wait = waitForIdle(timeout: timeout, now: now, isIdle: isIdle, busyWith: busyWith) { return wait }
      case .expect(let text):
        let timeout = DemoDirective.defaultIdleTimeout
        if let wait = waitForIdle(timeout: timeout, now: now, isIdle: isIdle, busyWith: busyWith) { return wait }
        if !screenText().contains(text) {
          isFinished = true
          return .failed(failure("expected the screen to show \"\(text)\""))
        }
      case .resize(let size):
        index += 1
        return .resize(size)
      }
      index += 1
    }
  }

  /// Holds the current directive until no call runs; nil once idle. Past `timeout`, fails.
  private func waitForIdle(
    timeout: Duration, now: ContinuousClock.Instant, isIdle: Bool, busyWith: () -> String
  ) -> Step? {
    if isIdle {
      waitDeadline = nil
      return nil
    }
    let deadline = waitDeadline ?? now + timeout
    waitDeadline = deadline
    guard now < deadline else {
      isFinished = true
      return .failed(failure("still \(busyWith()) after \(DemoDirective.format(timeout))"))
    }
    return .wait(until: now + .milliseconds(10))
  }
}

/// The runtime's demo parts: the script playing, the keys being recorded, and the state they
/// keep between turns of the loop.
@MainActor
struct DemoSession {
  var player: DemoPlayer?
  var recorder: DemoRecorder?
  /// When the player has something to do next; nil: nothing scheduled.
  var playbackDue: ContinuousClock.Instant?
  /// The size a script's `resize` set; nil: the terminal's.
  var layoutSize: TerminalSize?
  /// The status line last looked at, so an error is reported once.
  var seenStatus: StatusMessage?
}

extension ExplorerRuntime {
  /// How long the loop may wait for a key: shorter while a script has something due sooner.
  func eventTimeout(now: ContinuousClock.Instant) -> Duration {
    guard let due = demo.playbackDue else { return Self.keyTimeout }
    return max(.zero, min(Self.keyTimeout, due - now))
  }

  /// Plays the script's next steps that are due; returns how the explorer ends when playback
  /// ends it (the last line without --hold, or a failure).
  func playDemo() -> ExplorerExit? {
    guard let player = demo.player, !player.isFinished else { return nil }
    if let failure = reportedError(player) { return .playbackFailed(failure) }
    let captionBefore = player.caption
    defer { if player.caption != captionBefore { requestDraw() } }
    while true {
      let now = ContinuousClock.now
      let step = player.next(
        now: now, isIdle: isIdle, busyWith: { busyLabels },
        screenText: { ExplorerView.render(state, theme: state.theme).text })
      switch step {
      case .event(let event):
        handle(event)
        if let failure = reportedError(player) { return .playbackFailed(failure) }
        if state.quitRequested { return .quit }
        // One event per turn of the loop, so results and frames interleave with the keys.
        demo.playbackDue = now
        return nil
      case .resize(let size):
        let terminal = screen.size
        demo.layoutSize = size.map {
          TerminalSize(width: min($0.width, terminal.width), height: min($0.height, terminal.height))
        }
        dispatch(.resize(demo.layoutSize ?? terminal))
      case .wait(let until):
        demo.playbackDue = until
        return nil
      case .finished:
        demo.playbackDue = nil
        requestDraw()
        return player.playback.hold ? nil : .quit
      case .failed(let failure):
        return .playbackFailed(failure)
      }
    }
  }

  /// A backend error that reached the status line since the last look, as a failure of the
  /// line being played.
  private func reportedError(_ player: DemoPlayer) -> DemoFailure? {
    defer { demo.seenStatus = state.status }
    guard let status = state.status, status != demo.seenStatus, status.isError, status != state.pendingNotice else {
      return nil
    }
    return player.failure("the explorer reported an error: \(status.text)")
  }

  private var busyLabels: String {
    state.operations.values.sorted { $0.id < $1.id }.map(\.request.label).joined(separator: ", ")
  }

  /// A key or resize from the terminal. While a script plays, Space pauses or resumes it, `q`
  /// quits and other keys are ignored; once it has ended (with --hold), keys work as usual.
  /// While recording, keys are written down as well as handled.
  func receive(_ event: InputEvent) {
    if case .resize(let size) = event, demo.layoutSize != nil {
      // The terminal changed: the script's layout size gives way to it.
      demo.layoutSize = nil
      return handle(.resize(size))
    }
    if let player = demo.player, !player.isFinished {
      switch event {
      case .key(.character(" ")):
        player.isPaused.toggle()
        requestDraw()
      case .key(.character("q")):
        dispatch(.key(.character("q")))
      case .resize:
        handle(event)
      default:
        break
      }
      return
    }
    guard let recorder = demo.recorder, case .key(let key) = event else { return handle(event) }
    let wasCommandLine = state.commandLine != nil
    let before = state.nextOperationID
    handle(event)
    recorder.record(
      key, at: .now, startedCall: state.nextOperationID != before, commandLineWasOpen: wasCommandLine,
      quit: state.quitRequested)
  }

  /// The frame as shown: the explorer's view, laid out for the script's size when it set one,
  /// with the caption over it.
  func composeFrame() -> CellBuffer {
    var frame = ExplorerView.render(state, theme: state.theme)
    if let player = demo.player {
      if frame.width != screen.size.width || frame.height != screen.size.height {
        var full = CellBuffer(width: screen.size.width, height: screen.size.height)
        for y in 0..<min(frame.height, full.height) {
          for x in 0..<min(frame.width, full.width) { full[x, y] = frame[x, y] }
        }
        frame = full
      }
      DemoOverlay.drawCaption(player: player, into: &frame, theme: state.theme)
    }
    return frame
  }
}
