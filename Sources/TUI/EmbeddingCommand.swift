import Foundation
import Model
import Synchronization

/// Why an embedding command gave no vector, as one line for the status line or stderr.
public struct EmbeddingError: Error, Sendable, Hashable, CustomStringConvertible {
  public var message: String

  public init(_ message: String) { self.message = message }

  public var description: String { message }
}

/// The user's command that turns text into a vector (`--embed-cmd`, or `embed_cmd` in the
/// config file): run with `/bin/sh -c`, it gets the text on stdin and prints a JSON array of
/// numbers on stdout. Every failure becomes an `EmbeddingError` of one line.
public struct EmbeddingCommand: Sendable, Hashable {
  public var command: String
  /// How long the command may run before it is stopped.
  public var timeout: Duration

  public init(_ command: String, timeout: Duration = .seconds(60)) {
    self.command = command
    self.timeout = timeout
  }

  /// The vector of `text`, checked against the field's dimension.
  public func embed(_ text: String, field: String, dim: Int) async throws(EmbeddingError) -> [Float] {
    let vector = try await embed(text)
    guard vector.count == dim else {
      throw EmbeddingError(
        "the embedding command returned \(vector.count) value\(vector.count == 1 ? "" : "s"); "
          + "field \(field) has dim \(dim)")
    }
    return vector
  }

  /// The vector of `text`. Cancelling the task stops the command.
  public func embed(_ text: String) async throws(EmbeddingError) -> [Float] {
    let output = try await run(input: Data(text.utf8), environment: [:], timeout: timeout)
    return try Self.parse(output)
  }

  /// The vectors of many texts, in order. The command runs once with `VSCOPE_EMBED_BATCH=1` in its
  /// environment and the texts on stdin as JSON strings, one per line; a command that batches
  /// prints one JSON array per line. A command that ignores the variable prints one vector for
  /// the whole input: then it runs once per text, and `progress` hears of each.
  public func embedBatch(
    _ texts: [String], progress: (@Sendable (Int) -> Void)? = nil
  ) async throws(EmbeddingError) -> [[Float]] {
    if texts.isEmpty { return [] }
    if texts.count == 1 { return [try await embed(texts[0])] }
    let input = texts.map { JSONValue.string($0).jsonText }.joined(separator: "\n") + "\n"
    let batchTimeout = timeout + .seconds(texts.count)
    let output = try await run(input: Data(input.utf8), environment: ["VSCOPE_EMBED_BATCH": "1"], timeout: batchTimeout)
    let lines = String(decoding: output, as: UTF8.self).split(separator: "\n").map {
      $0.trimmingCharacters(in: .whitespaces)
    }.filter { !$0.isEmpty }
    if lines.count == texts.count {
      var vectors: [[Float]] = []
      vectors.reserveCapacity(texts.count)
      for (index, line) in lines.enumerated() {
        do {
          vectors.append(try Self.parse(Data(line.utf8)))
        } catch {
          throw EmbeddingError("line \(index + 1) of the embedding command's batch output: \(error.message)")
        }
      }
      progress?(texts.count)
      return vectors
    }
    guard lines.count <= 1 else {
      throw EmbeddingError("the embedding command printed \(lines.count) lines for \(texts.count) texts")
    }
    // Not a batching command: one run per text.
    var vectors: [[Float]] = []
    vectors.reserveCapacity(texts.count)
    for text in texts {
      vectors.append(try await embed(text))
      progress?(vectors.count)
    }
    return vectors
  }

  /// Reads the command's output: a JSON array of numbers (or an array holding one such array).
  static func parse(_ output: Data) throws(EmbeddingError) -> [Float] {
    let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard !text.isEmpty else { throw EmbeddingError("the embedding command printed nothing on stdout") }
    let sample = Self.firstLine(text, limit: 60)
    guard var json = try? JSONValue.parse(text) else {
      throw EmbeddingError("the embedding command did not print a JSON array of numbers: \(sample)")
    }
    if case .array(let outer) = json, outer.count == 1, case .array = outer[0] { json = outer[0] }
    guard case .array(let elements) = json, !elements.isEmpty else {
      throw EmbeddingError("the embedding command did not print a non-empty JSON array of numbers: \(sample)")
    }
    var vector: [Float] = []
    vector.reserveCapacity(elements.count)
    for (index, element) in elements.enumerated() {
      guard let number = element.numberValue, number.isFinite else {
        throw EmbeddingError(
          "the embedding command's value \(index + 1) is not a number: \(Self.firstLine(element.jsonText, limit: 30))")
      }
      vector.append(Float(number))
    }
    return vector
  }

  static func firstLine(_ text: String, limit: Int) -> String {
    let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: true).first.map(String.init) ?? ""
    return line.count > limit ? String(line.prefix(limit)) + "…" : line
  }

  /// Runs the command with `input` on stdin; its stdout, or why not.
  private func run(
    input: Data, environment: [String: String], timeout: Duration
  ) async throws(EmbeddingError) -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    let child = ChildProcess(process)
    let exited = AsyncStream<Void>.makeStream()
    process.terminationHandler = { _ in
      exited.continuation.yield()
      exited.continuation.finish()
    }
    do {
      try process.run()
    } catch {
      throw EmbeddingError("cannot start the embedding command: \(error.localizedDescription)")
    }
    // Feed stdin and drain stdout and stderr on threads of their own, so that no pipe fills up.
    let output = PipeReader(stdout.fileHandleForReading)
    let errors = PipeReader(stderr.fileHandleForReading)
    let writer = stdin.fileHandleForWriting
    // A command that does not read its input closes the pipe: writing then fails, harmlessly.
    signal(SIGPIPE, SIG_IGN)
    Thread.detachNewThread {
      try? writer.write(contentsOf: input)
      try? writer.close()
    }
    let watchdog = Task {
      try await Task.sleep(for: timeout)
      child.stop(reason: .timedOut)
    }
    await withTaskCancellationHandler {
      for await _ in exited.stream {}
    } onCancel: {
      child.stop(reason: .cancelled)
    }
    watchdog.cancel()
    switch child.stopReason {
    case .timedOut:
      throw EmbeddingError("the embedding command did not finish within \(Self.seconds(timeout))")
    case .cancelled:
      throw EmbeddingError("the embedding command was cancelled")
    case nil:
      break
    }
    let status = process.terminationStatus
    if process.terminationReason == .uncaughtSignal {
      throw EmbeddingError("the embedding command was killed by signal \(status)")
    }
    guard status == 0 else {
      let stderrLine = Self.firstLine(String(decoding: errors.wait(), as: UTF8.self), limit: 200)
      let detail = stderrLine.isEmpty ? "" : ": " + stderrLine
      if status == 127 { throw EmbeddingError("embedding command not found (exit 127)\(detail)") }
      throw EmbeddingError("the embedding command failed with exit status \(status)\(detail)")
    }
    return output.wait()
  }

  private static func seconds(_ duration: Duration) -> String {
    let seconds = duration.components.seconds
    if duration.components.attoseconds == 0 { return "\(seconds) s" }
    return "\(Double(seconds) + Double(duration.components.attoseconds) / 1e18) s"
  }
}

/// The running command, stopped at most once: by the timeout or a cancelled task.
private final class ChildProcess: Sendable {
  enum StopReason: Sendable { case timedOut, cancelled }

  private let process: Process
  private let reason = Mutex<StopReason?>(nil)

  init(_ process: Process) { self.process = process }

  var stopReason: StopReason? { reason.withLock { $0 } }

  func stop(reason newReason: StopReason) {
    let first = reason.withLock { current -> Bool in
      guard current == nil else { return false }
      current = newReason
      return true
    }
    guard first, process.isRunning else { return }
    let pid = process.processIdentifier
    // The shell and whatever it started: the process group when the shell leads one.
    if getpgid(pid) == pid { kill(-pid, SIGTERM) }
    process.terminate()
  }
}

/// Reads a pipe to its end on a thread of its own.
private final class PipeReader: Sendable {
  private let data = Mutex<Data?>(nil)
  private let done = DispatchSemaphore(value: 0)

  init(_ handle: FileHandle) {
    Thread.detachNewThread { [self] in
      let bytes = (try? handle.readToEnd()) ?? Data()
      data.withLock { $0 = bytes }
      done.signal()
    }
  }

  /// Everything read, once the writer closed the pipe.
  func wait() -> Data {
    done.wait()
    done.signal()
    return data.withLock { $0 } ?? Data()
  }
}
