// A child process for the crash tests: inserts batches into an embedded store forever, printing
// "ack FIRST LAST" after each insert is acknowledged, until the test kills it with SIGKILL.
// Usage: vscope-crash-child DIR FIRST_ID BATCH_ROWS FLUSH_ROWS
import Engine
import Foundation
import Model

/// Writes a line straight to fd 1: no stdio buffer that a kill could swallow.
func say(_ line: String) {
  let bytes = Array((line + "\n").utf8)
  _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
guard arguments.count == 5, let firstID = Int64(arguments[2]), let batchRows = Int(arguments[3]),
  let flushRows = Int(arguments[4])
else {
  FileHandle.standardError.write(Data("usage: vscope-crash-child DIR FIRST_ID BATCH_ROWS FLUSH_ROWS\n".utf8))
  exit(64)
}

/// The vector every test row gets, so the test can check contents, not just ids.
func vector(for id: Int64) -> [Float] { (0..<8).map { Float(id) + Float($0) / 8 } }

do {
  let store = try EmbeddedBackend(directory: arguments[1], flushRowThreshold: flushRows)
  let collections = try await store.listCollections()
  if !collections.contains(where: { $0.name == "crash" }) {
    try await store.createCollection(
      CollectionSchema(
        name: "crash",
        fields: [
          FieldSchema(name: "id", type: .int64, isPrimary: true),
          FieldSchema(name: "vector", type: .floatVector, dim: 8),
          FieldSchema(name: "label", type: .varChar, maxLength: 64),
        ]))
  }
  var next = firstID
  while true {
    let rows: [Row] = (next..<next + Int64(batchRows)).map {
      ["id": .int($0), "vector": .floatVector(vector(for: $0)), "label": .string("row \($0)")]
    }
    _ = try await store.insert("crash", rows: rows, partition: nil)
    if next % Int64(batchRows * 7) == 0 {
      // Some deletes too, so recovery replays them: delete the batch's first row.
      _ = try await store.delete("crash", ids: [.int(next)], partition: nil)
      say("deleted \(next)")
    }
    say("ack \(next) \(next + Int64(batchRows) - 1)")
    next += Int64(batchRows)
  }
} catch {
  FileHandle.standardError.write(Data("crash child: \(error)\n".utf8))
  exit(1)
}
