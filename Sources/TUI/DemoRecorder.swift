/// Writes down the keys pressed in the explorer as a `.vsdemo` script (`vscope record FILE`):
/// runs of printable characters become `type`, repeats of one named key `key NAME COUNT`, gaps
/// longer than half a second `pause`, and keys that started a backend call are followed by
/// `wait-idle`, so that the replay waits for the same results.
@MainActor
public final class DemoRecorder {
  private struct Entry {
    var key: Key
    var time: ContinuousClock.Instant
    var startedCall: Bool
  }

  /// Gaps longer than this become `pause` lines.
  static let pauseThreshold = Duration.milliseconds(500)

  private var entries: [Entry] = []
  /// Where the entries of the command line open now begin (its `:`), to drop a `:q` that quits.
  private var commandLineStart: Int?

  public init() {}

  /// Notes a key the explorer handled. `startedCall`: it started a backend call;
  /// `commandLineWasOpen`: the `:` line was open when it came; `quit`: it ended the explorer,
  /// so it is left out (with the `:q` typed before it), as the script's end quits anyway.
  func record(_ key: Key, at time: ContinuousClock.Instant, startedCall: Bool, commandLineWasOpen: Bool, quit: Bool) {
    if quit {
      if commandLineWasOpen, let start = commandLineStart { entries.removeSubrange(start...) }
      return
    }
    if !commandLineWasOpen { commandLineStart = entries.count }
    // Keys a script cannot name (control characters) are left out.
    guard Key(configName: key.scriptName) == key else { return }
    entries.append(Entry(key: key, time: time, startedCall: startedCall))
  }

  /// The script so far.
  public var script: DemoScript {
    var steps: [DemoDirective] = []
    var typed = ""
    var previous: Entry?
    func flushTyped() {
      if !typed.isEmpty { steps.append(.type(typed)) }
      typed = ""
    }
    for entry in entries {
      if let previous, entry.time - previous.time > Self.pauseThreshold {
        flushTyped()
        let tenths = Int(((entry.time - previous.time) / .milliseconds(100)).rounded())
        steps.append(.pause(.milliseconds(tenths * 100)))
      }
      // Printable characters run together into `type`; a space only inside a run (`type` keeps
      // every character after its one separating blank, but a lone space reads better as a key).
      if let character = entry.key.printable, character != " " || !typed.isEmpty {
        typed.append(character)
      } else {
        flushTyped()
        if case .key(let key, let count)? = steps.last, key == entry.key, previous?.startedCall == false {
          steps[steps.count - 1] = .key(key, count: count + 1)
        } else {
          steps.append(.key(entry.key, count: 1))
        }
      }
      if entry.startedCall {
        flushTyped()
        steps.append(.waitIdle(timeout: DemoDirective.defaultIdleTimeout))
      }
      previous = entry
    }
    flushTyped()
    // A trailing space in a `type` would be invisible in the file: it goes as a key.
    steps = steps.flatMap { directive -> [DemoDirective] in
      guard case .type(let text) = directive, text.hasSuffix(" ") else { return [directive] }
      let kept = String(text.reversed().drop { $0 == " " }.reversed())
      let spaces = text.count - kept.count
      return (kept.isEmpty ? [] : [.type(kept)]) + [.key(.character(" "), count: spaces)]
    }
    return DemoScript(file: "recording", steps: steps.enumerated().map { DemoStep(line: $0.offset + 1, $0.element) })
  }

  /// The script as the file `vscope record` writes: a header comment, then the directives.
  public func scriptText(header: String) -> String {
    header.split(separator: "\n", omittingEmptySubsequences: false).map { "# " + $0 + "\n" }.joined() + script.text
  }
}
