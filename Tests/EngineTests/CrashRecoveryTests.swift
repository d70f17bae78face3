import Foundation
import Model
import XCTest

@testable import Engine

/// Kills a writing child process with SIGKILL at random moments and checks that every insert it
/// acknowledged is there after recovery, with its contents, and every acknowledged delete stays done.
final class CrashRecoveryTests: XCTestCase {
  /// `vscope-crash-child`, built beside this test bundle (see Tests/CrashChild/main.swift).
  static let child: String = {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
      let candidate = directory.appendingPathComponent("vscope-crash-child").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      directory = directory.deletingLastPathComponent()
    }
    for bundle in Bundle.allBundles {
      let candidate = bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("vscope-crash-child").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    fatalError("vscope-crash-child not found near \(CommandLine.arguments[0]); run `swift build` first")
  }()

  func testKilledWriterLosesNoAcknowledgedWrite() async throws {
    let directory = temporaryDirectory(self)
    var generator = SeededGenerator(seed: UInt64(Date().timeIntervalSince1970))
    var acknowledged: [Int64] = []
    var deleted = Set<Int64>()
    let rounds = 20
    for round in 0..<rounds {
      let batchRows = Int.random(in: 1...40, using: &generator)
      let flushRows = Int.random(in: 20...300, using: &generator)
      let killAfter = Int.random(in: 1...25, using: &generator)
      let lines = try runAndKill(
        arguments: [directory, String(round * 1_000_000), String(batchRows), String(flushRows)],
        killAfterLines: killAfter, extraDelayMicroseconds: UInt32.random(in: 0...3000, using: &generator))
      for line in lines {
        let parts = line.split(separator: " ")
        if parts.first == "ack", parts.count == 3, let first = Int64(parts[1]), let last = Int64(parts[2]) {
          acknowledged.append(contentsOf: first...last)
        } else if parts.first == "deleted", parts.count == 2, let id = Int64(parts[1]) {
          deleted.insert(id)
        }
      }
      // Recover in this process and check every acknowledged row.
      let store = try EmbeddedBackend(directory: directory)
      let expected = acknowledged.filter { !deleted.contains($0) }
      var found: [Row] = []
      for start in stride(from: 0, to: expected.count, by: 4096) {
        let keys = expected[start..<min(start + 4096, expected.count)].map(PrimaryKey.int)
        found += try await store.get("crash", ids: keys, outputFields: ["vector", "label"])
      }
      XCTAssertEqual(found.count, expected.count, "round \(round): acknowledged rows lost")
      for (id, row) in zip(expected, found) {
        XCTAssertEqual(row["id"], .int(id))
        XCTAssertEqual(row["label"], .string("row \(id)"))
        XCTAssertEqual(row["vector"], .floatVector((0..<8).map { Float(id) + Float($0) / 8 }))
      }
      let resurrected = try await store.get("crash", ids: deleted.map(PrimaryKey.int), outputFields: [])
      XCTAssertEqual(resurrected, [], "round \(round): deleted rows came back")
      await store.close()
      if found.count != expected.count { break }
    }
    XCTAssertGreaterThan(acknowledged.count, rounds, "the child acknowledged too little to test anything")
  }

  /// Starts the child, reads its output until `killAfterLines` lines came, kills it with SIGKILL,
  /// and returns every complete line it printed (all of them were acknowledged before printing).
  private func runAndKill(arguments: [String], killAfterLines: Int, extraDelayMicroseconds: UInt32) throws -> [String] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.child)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["SWIFT_BACKTRACE"] = "enable=no"
    process.environment = environment
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    var buffer = Data()
    let reader = output.fileHandleForReading
    let deadline = Date().addingTimeInterval(20)
    while buffer.filter({ $0 == UInt8(ascii: "\n") }).count < killAfterLines, process.isRunning, Date() < deadline {
      let chunk = reader.availableData
      if chunk.isEmpty { break }
      buffer.append(chunk)
    }
    usleep(extraDelayMicroseconds)
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    buffer.append(reader.readDataToEndOfFile())
    let failure = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the child stopped by itself: \(failure)")
    let text = String(decoding: buffer, as: UTF8.self)
    // A line cut by the kill has no newline: it was not fully printed, so it does not count.
    return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
  }
}
