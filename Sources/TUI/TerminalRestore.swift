import CNCursesW
import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Puts the terminal back the way the shell had it, on every way out: quit, Ctrl-C, SIGTERM,
/// a thrown error (through `NCursesScreen.close`) and `exit()` (through an `atexit` handler).
enum TerminalRestore {
  /// Whether curses owns the terminal now.
  static let cursesActive = Atomic<Bool>(false)

  /// Ends curses once: a second `endwin()` would clobber the restored screen.
  static func restoreIfNeeded() {
    guard cursesActive.exchange(false, ordering: .sequentiallyConsistent) else { return }
    if !isendwin() { endwin() }
    writeToTerminal(bracketedPasteOff)
  }

  private static let bracketedPasteOn = Array("\u{1b}[?2004h".utf8)
  private static let bracketedPasteOff = Array("\u{1b}[?2004l".utf8)

  /// Asks the terminal to bracket pasted text (`ESC [?2004h`); every way out turns it off again
  /// (`restoreIfNeeded`), so the shell does not see the markers.
  static func enableBracketedPaste() {
    fflush(vs_stdout())
    writeToTerminal(bracketedPasteOn)
  }

  /// Writes straight to the terminal (no stdio buffer): safe from a signal handler too.
  private static func writeToTerminal(_ bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { _ = write(STDOUT_FILENO, $0.baseAddress, $0.count) }
  }

  /// Registers the `atexit` handler (once per process).
  static func installExitHandler() {
    _ = exitHandlerInstalled
  }

  private static let exitHandlerInstalled: Bool = {
    atexit { TerminalRestore.restoreIfNeeded() }
    return true
  }()
}

/// Records SIGINT and SIGTERM so the UI loop can end cleanly between two key reads. A second
/// signal while the loop has not reacted (a hung call on the main thread) restores the terminal
/// and exits at once.
@MainActor
final class SignalWatch {
  private final class Received: Sendable {
    let signal = Atomic<Int32>(0)
    let count = Atomic<Int>(0)
  }

  private let received = Received()
  private var sources: [DispatchSourceSignal] = []
  private var previous: [(Int32, __sighandler_t?)] = []

  /// Starts watching; call before curses starts, so that curses installs no handlers of its own.
  init(signals: [Int32] = [SIGINT, SIGTERM]) {
    for number in signals {
      // A dispatch source sees the signal only when its default action is off.
      previous.append((number, signal(number, SIG_IGN)))
      sources.append(Self.watch(number, into: received))
    }
  }

  /// The source for one signal. Nonisolated on purpose: its handler runs on a dispatch queue,
  /// and a closure formed on the main actor would trap there when it checks its isolation.
  private nonisolated static func watch(_ number: Int32, into received: Received) -> DispatchSourceSignal {
    let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
    source.setEventHandler {
      received.signal.store(number, ordering: .sequentiallyConsistent)
      if received.count.add(1, ordering: .sequentiallyConsistent).newValue > 1 {
        TerminalRestore.restoreIfNeeded()
        _exit(128 + number)
      }
    }
    source.resume()
    return source
  }

  /// The signal received, if any.
  var caught: Int32? {
    let number = received.signal.load(ordering: .sequentiallyConsistent)
    return number == 0 ? nil : number
  }

  /// Stops watching and gives the signals their previous handlers back.
  func stop() {
    for source in sources { source.cancel() }
    sources.removeAll()
    for (number, handler) in previous { signal(number, handler) }
    previous.removeAll()
  }
}
