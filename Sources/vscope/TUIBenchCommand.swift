import ArgumentParser
import Engine
import Foundation
import Model
import TUI

/// `vscope bench-tui`: the explorer's performance on a big store — frame render times, key to
/// frame latency, start-up to the first frame — measured on the in-memory screen and, for the
/// start-up, in a real terminal (tmux). Hidden: a tool for the README's Performance section.
struct TUIBenchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench-tui",
    abstract: "Measure the explorer: render time per frame, key-to-frame latency, start-up time.",
    discussion: """
      The store (made once, then reused) holds --collections small collections and one collection,
      tui_1m, of --entities rows with a --dim vector (FLAT, L2), an INT64 year and a VARCHAR title.
      Build it in release mode: swift build -c release --product vscope && .build/release/vscope bench-tui
      """,
    shouldDisplay: false)

  @Option(help: "The store's directory (made once, reused).")
  var cache = FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/vscope-bench/tui-1m"
  @Option(help: "Rows in the big collection.") var entities = 1_000_000
  @Option(help: "Dimension of its vectors.") var dim = 32
  @Option(help: "Small collections beside it.") var collections = 1_000
  @Option(help: "Frames rendered per measurement.") var frames = 1_000
  @Option(help: "Start-ups in a real terminal (tmux); 0 skips them.") var terminalRuns = 5
  @Option(help: "Synthetic list lengths for the scaling check, e.g. 1000,10000.") var listCounts = "1000,10000,100000"
  @OptionGroup var output: OutputOptions

  static let bigName = "tui_1m"
  static let size = TerminalSize(width: 120, height: 40)

  @MainActor
  func run() async throws {
    let counts = try listCounts.split(separator: ",").map { text -> Int in
      guard let count = Int(text.trimmingCharacters(in: .whitespaces)), count > 0 else {
        throw UserError("--list-counts wants positive whole numbers, e.g. 1000,10000")
      }
      return count
    }
    try await prepareStore()
    var timings: [ExplorerBenchmark.Timing] = []
    var facts: [(name: String, value: String)] = [
      ("cores", String(ProcessInfo.processInfo.activeProcessorCount)),
      ("terminal", "\(Self.size.width)x\(Self.size.height)"),
    ]
    let backend = try EmbeddedBackend(directory: cache, readOnly: true)
    do {
      var startups: [Duration] = []
      for _ in 0..<5 { startups.append(await ExplorerBenchmark.timeToFirstFrame(backend: backend, size: Self.size)) }
      timings.append(ExplorerBenchmark.Timing(name: "start-up: in process, to the listed frame", samples: startups))
      Console.info("measuring frames and keys…")
      let report = try await ExplorerBenchmark.measure(
        backend: backend, bigCollection: Self.bigName, size: Self.size, frames: frames)
      timings += report.timings
      facts += report.facts
    } catch {
      await backend.close()
      throw error
    }
    await backend.close()
    for count in counts {
      timings += try await ExplorerBenchmark.measureList(count: count, size: Self.size, frames: frames)
    }
    if terminalRuns > 0 {
      Console.info("measuring start-up in tmux…")
      let runs = try (0..<terminalRuns).map { _ in try terminalStartup() }
      timings.append(ExplorerBenchmark.Timing(name: "start-up: process start to first frame (tmux)", samples: runs))
    }
    report(timings, facts: facts)
  }

  func report(_ timings: [ExplorerBenchmark.Timing], facts: [(name: String, value: String)]) {
    if output.json {
      var measurements: [JSONValue] = []
      for timing in timings {
        measurements.append(
          .object([
            "name": .string(timing.name), "samples": .int(Int64(timing.samples.count)),
            "median_ms": .double(timing.medianMilliseconds), "p99_ms": .double(timing.p99Milliseconds),
            "max_ms": .double(timing.maxMilliseconds),
          ]))
      }
      var factObject: [String: JSONValue] = [:]
      for fact in facts { factObject[fact.name] = .string(fact.value) }
      Console.printJSON(.object(["measurements": .array(measurements), "facts": .object(factObject)]))
      return
    }
    let width = max(40, timings.map(\.name.count).max() ?? 0)
    print(pad("measurement", width) + "   samples   median ms    p99 ms    max ms")
    for timing in timings {
      let columns = [
        String(timing.samples.count), ExplorerBenchmark.format(timing.medianMilliseconds),
        ExplorerBenchmark.format(timing.p99Milliseconds), ExplorerBenchmark.format(timing.maxMilliseconds),
      ]
      print(
        pad(timing.name, width) + zip(columns, [10, 12, 10, 10]).map { leftPad($0.0, $0.1) }.joined())
    }
    print("")
    for fact in facts { print("\(fact.name): \(fact.value)") }
  }

  private func pad(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
  }

  private func leftPad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
  }

  // MARK: - The store

  /// Makes the store unless it is there already with the sizes asked for.
  func prepareStore() async throws {
    let store = try EmbeddedBackend(directory: cache)
    do {
      let existing = Dictionary(
        try await store.listCollections().map { ($0.name, $0.entityCount) }, uniquingKeysWith: { first, _ in first })
      if existing[Self.bigName] != entities {
        if existing[Self.bigName] != nil { try await store.dropCollection(Self.bigName) }
        try await makeBigCollection(store)
      }
      let small = (0..<collections).map { String(format: "col_%04d", $0) }.filter { existing[$0] == nil }
      if !small.isEmpty { Console.info("creating \(small.count) small collections…") }
      for name in small {
        try await store.createCollection(
          CollectionSchema(
            name: name,
            fields: [
              FieldSchema(name: "id", type: .int64, isPrimary: true),
              FieldSchema(name: "vector", type: .floatVector, dim: 8),
            ]))
      }
    } catch {
      await store.close()
      throw error
    }
    await store.close()
  }

  private func makeBigCollection(_ store: EmbeddedBackend) async throws {
    let started = ContinuousClock.now
    try await store.createCollection(
      CollectionSchema(
        name: Self.bigName,
        fields: [
          FieldSchema(name: "id", type: .int64, isPrimary: true),
          FieldSchema(name: "vector", type: .floatVector, dim: dim),
          FieldSchema(name: "year", type: .int64),
          FieldSchema(name: "title", type: .varChar, maxLength: 64),
        ]))
    try await store.createIndex(Self.bigName, spec: IndexSpec(fieldName: "vector", indexType: "FLAT", metric: .l2))
    var random = SplitMix64(seed: 42)
    let batch = 100_000
    var written = 0
    while written < entities {
      let rows = (written..<min(written + batch, entities)).map { index -> Row in
        var row: Row = [:]
        row["id"] = .int(Int64(index))
        row["vector"] = .floatVector((0..<dim).map { _ in Float(random.next() >> 40) / Float(1 << 24) })
        row["year"] = .int(Int64(1950 + index % 75))
        row["title"] = .string("entity \(index)")
        return row
      }
      _ = try await store.insert(Self.bigName, rows: rows, partition: nil)
      written += rows.count
      Console.progress("\(Self.bigName): \(written) of \(entities) rows")
    }
    try await store.loadCollection(Self.bigName, progress: nil)
    Console.endProgress()
    Console.info("\(Self.bigName): \(entities) rows in \(started.duration(to: .now))")
  }

  // MARK: - A real terminal

  /// Starts `vscope --data CACHE` in a tmux pane and polls the pane until the first frame with
  /// the collections listed shows; the time from the pane's (re)spawn to then.
  func terminalStartup() throws -> Duration {
    guard let tmux = ["/usr/bin/tmux", "/usr/local/bin/tmux"].first(where: FileManager.default.isExecutableFile)
    else { throw UserError("tmux is not installed; give --terminal-runs 0") }
    let socket = "vscope-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let base = ["-L", socket, "-f", "/dev/null"]
    defer {
      // The explorer and the server, by their pids: kill-server alone does not always end them.
      let pids = Self.run(tmux, base + ["display-message", "-p", "#{pane_pid} #{pid}"], capture: true).output
      for pid in pids.split(separator: " ").compactMap({ pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
      where pid > 0 {
        kill(pid, SIGTERM)
        // The next run opens the store for writing: wait until this explorer let go of it.
        let deadline = ContinuousClock.now.advanced(by: .seconds(5))
        while kill(pid, 0) == 0, ContinuousClock.now < deadline { usleep(2_000) }
      }
      _ = Self.run(tmux, base + ["kill-server"])
      unlink("/tmp/tmux-\(getuid())/\(socket)")
    }
    // A waiting pane first, so that the server's own start is not counted.
    guard Self.run(tmux, base + ["new-session", "-d", "-x", "120", "-y", "40", "cat"]).status == 0 else {
      throw UserError("tmux new-session failed")
    }
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    let command = "exec '\(executable)' --data '\(cache)'"
    let started = ContinuousClock.now
    _ = Self.run(tmux, base + ["respawn-pane", "-k", "-e", "LANG=C.UTF-8", command])
    let deadline = started.advanced(by: .seconds(30))
    while ContinuousClock.now < deadline {
      let screen = Self.run(tmux, base + ["capture-pane", "-p"], capture: true).output
      // The first frame with the list: the pane's title counts the collections.
      if screen.contains("Collections (") && screen.contains("col_0000") { return started.duration(to: .now) }
      usleep(2_000)
    }
    throw UserError("the explorer's first frame did not show in 30 s")
  }

  /// Runs a command to its end with posix_spawn and waitpid (Foundation's `Process` can miss a
  /// child's exit when waited for from the main actor); its output only when asked for.
  static func run(_ executable: String, _ arguments: [String], capture: Bool = false) -> (
    status: Int32, output: String
  ) {
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pipe: [Int32] = [-1, -1]
    if capture { guard Glibc.pipe(&pipe) == 0 else { return (-1, "") } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    if capture {
      posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
      posix_spawn_file_actions_addclose(&actions, pipe[0])
      posix_spawn_file_actions_addclose(&actions, pipe[1])
    } else {
      // The tmux server that new-session starts must not hold a pipe that someone reads to its end.
      posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
    var output = [UInt8]()
    if capture {
      close(pipe[1])
      var buffer = [UInt8](repeating: 0, count: 65536)
      while spawned == 0 {
        let count = read(pipe[0], &buffer, buffer.count)
        if count <= 0 { break }
        output.append(contentsOf: buffer[0..<count])
      }
      close(pipe[0])
    }
    guard spawned == 0 else { return (-1, "") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1, errno == EINTR {}
    return ((status >> 8) & 0xFF, String(decoding: output, as: UTF8.self))
  }
}
