import ArgumentParser
import Foundation
import Model
import TUI

/// `vscope play FILE`: opens the explorer and plays a `.vsdemo` script in it.
struct PlayCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "play",
    abstract: "Play a scripted keyboard demo (.vsdemo) in the explorer.",
    discussion: """
      A .vsdemo file has one directive per line (# starts a comment):
        key NAME [COUNT]  j, ?, Tab, Enter, Esc, Up, PgDn, Shift-Tab… (not Ctrl-C)
        type TEXT         types TEXT character by character
        pause 1.5s        waits (scaled by --speed)
        caption TEXT      a box over the explorer; caption-clear hides it
        wait-idle [30s]   waits until no backend call runs (deterministic replays)
        expect TEXT       the screen must show TEXT, else playback stops
        resize W H        lays the explorer out for W×H (resize: the terminal's size)
      While it plays, Space pauses, q quits and Ctrl-C ends the explorer. A failed
      expect, a wait that times out or an error in the status line stop playback
      with exit code 1, naming the script's line.
      Try: vscope demo, then vscope play demos/tour.vsdemo
      """)

  @Argument(help: "The script to play.") var file: String
  @Option(help: "Playback speed: 2 plays twice as fast.") var speed: Double = 1
  @Flag(help: "Keep the explorer open after the script's last line.") var hold = false
  @OptionGroup var backend: BackendOptions
  @OptionGroup var explorer: ExplorerFlags

  func validate() throws {
    guard speed > 0, speed <= 1000 else { throw ValidationError("--speed must be more than 0 and at most 1000") }
  }

  func run() async throws {
    let text: String
    do {
      text = try String(contentsOfFile: file, encoding: .utf8)
    } catch {
      throw UserError("cannot read \(file): \((error as NSError).localizedDescription)")
    }
    let script: DemoScript
    do {
      script = try DemoScript.parse(text, file: file)
    } catch {
      throw UserError(error.description)
    }
    guard isatty(0) != 0, isatty(1) != 0 else { throw UserError("play needs a terminal (stdin and stdout)") }
    let ending = try await runInExplorer(
      backend: backend, flags: explorer, playback: DemoPlayback(script: script, speed: speed, hold: hold))
    if case .playbackFailed(let failure) = ending { throw UserError("playback stopped at \(failure)") }
    if ending.exitCode != 0 { throw ExitCode(ending.exitCode) }
  }
}

/// `vscope record FILE`: opens the explorer and writes the keys pressed as a `.vsdemo` script.
struct RecordCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "record",
    abstract: "Open the explorer and write the keys you press as a .vsdemo script when you quit.",
    discussion: """
      Typed text becomes `type`, gaps over half a second `pause`, and keys that started a backend call
      are followed by `wait-idle`. Add captions and expectations by hand, then: vscope play FILE
      """)

  @Argument(help: "The script to write.") var file: String
  @Flag(help: "Overwrite the file if it exists.") var force = false
  @OptionGroup var backend: BackendOptions
  @OptionGroup var explorer: ExplorerFlags

  func run() async throws {
    if !force, FileManager.default.fileExists(atPath: file) {
      throw UserError("\(file) already exists; use --force to overwrite it")
    }
    guard isatty(0) != 0, isatty(1) != 0 else { throw UserError("record needs a terminal (stdin and stdout)") }
    let recorder = await MainActor.run { DemoRecorder() }
    let ending = try await runInExplorer(backend: backend, flags: explorer, recorder: recorder)
    let (text, lines) = await MainActor.run {
      let header = "Recorded by vscope record on \(Date().formatted(.iso8601)).\nPlay it with: vscope play \(file)"
      return (recorder.scriptText(header: header), recorder.script.steps.count)
    }
    do {
      try text.write(toFile: file, atomically: true, encoding: .utf8)
    } catch {
      throw UserError("cannot write \(file): \((error as NSError).localizedDescription)")
    }
    Console.info("wrote \(lines) line\(lines == 1 ? "" : "s") to \(file)")
    if ending.exitCode != 0 { throw ExitCode(ending.exitCode) }
  }
}

/// Opens the backend and runs the explorer on it as `vscope` does, playing or recording.
func runInExplorer(
  backend: BackendOptions, flags: ExplorerFlags, playback: DemoPlayback? = nil, recorder: DemoRecorder? = nil
) async throws -> ExplorerExit {
  // Theme and config problems are told here too, since the explorer's screen hides stderr.
  var options = ExplorerOptions.load(
    theme: flags.theme, colorMode: ColorMode(rawValue: flags.color) ?? .auto, embedCommand: flags.embed.command)
  for notice in options.notices { Console.info("warning: " + notice) }
  options.demoInstaller = backend.demoInstaller
  options.openLocation = backend.locationOpener(connections: options.config.connections)
  options.openConnection = backend.connectionOpener
  let store = try await backend.open(writable: true)
  do {
    let ending = try await playExplorer(store, options: options, playback: playback, recorder: recorder)
    await store.close()
    return ending
  } catch {
    await store.close()
    throw error
  }
}

/// The explorer owns the terminal from the main actor.
@MainActor
private func playExplorer(
  _ store: any VectorBackend, options: ExplorerOptions, playback: DemoPlayback?, recorder: DemoRecorder?
) async throws -> ExplorerExit {
  try await runExplorer(backend: store, options: options, playback: playback, recorder: recorder)
}

extension BackendOptions {
  /// The first-run offer's demo data: for the embedded store only (a Milvus server's empty
  /// database just says it has no collections).
  var demoInstaller: DemoInstaller? { milvus == nil ? DemoData.installer : nil }
}
