import Foundation
import Model
import XCTest

@testable import MilvusAdapter

/// pymilvus creates and fills a collection and searches it; vscope's adapter must return the same
/// ids, distances (to 1e-5) and fields for the same requests on the same server.
final class PymilvusCrossCheckTests: XCTestCase {
  func testLiteL2() async throws { try await crossCheck(server: "LITE", metric: .l2) }
  func testStandaloneIP() async throws { try await crossCheck(server: "STANDALONE", metric: .ip) }
  func testStandaloneCOSINE() async throws { try await crossCheck(server: "STANDALONE", metric: .cosine) }

  func crossCheck(server: String, metric: Metric) async throws {
    let address = try MilvusTestServers.address(server)
    let name = MilvusTestServers.uniqueName()
    let expected = try runPymilvus(address: address, collection: name, metric: metric)
    let milvus = try MilvusTestServers.backend(server)
    addTeardownBlock {
      try? await milvus.dropCollection(name)
      await milvus.close()
    }
    guard case .array(let queryValues)? = expected["queries"], case .string(let filter)? = expected["filter"],
      case .array(let searchRows)? = expected["search"], case .array(let queryRows)? = expected["query"]
    else { return XCTFail("unexpected pymilvus output") }
    let queries = queryValues.map { value -> [Float] in
      guard case .array(let numbers) = value else { return [] }
      return numbers.map { Float($0.numberValue ?? 0) }
    }
    let hits = try await milvus.search(
      SearchRequest(
        collection: name, vectors: queries, metric: metric, topK: 10, filter: filter,
        outputFields: ["genre", "score", "mood"]))
    XCTAssertEqual(hits.count, searchRows.count)
    for (ours, theirs) in zip(hits, searchRows) {
      guard case .array(let theirHits) = theirs else { return XCTFail("unexpected pymilvus hits") }
      XCTAssertEqual(
        ours.map { Value.int(Int64($0.id.description) ?? -1) }, theirHits.compactMap { $0["id"].map(Value.init(json:)) }
      )
      for (hit, their) in zip(ours, theirHits) {
        XCTAssertEqual(Double(hit.distance), their["distance"]?.numberValue ?? .nan, accuracy: 1e-5)
        for field in ["genre", "score", "mood"] {
          XCTAssertEqual(hit.fields[field], their["entity"]?[field].map(Value.init(json:)), field)
        }
      }
    }
    let rows = try await milvus.query(
      QueryRequest(
        collection: name, filter: #"genre == "rock" and score < 20"#, outputFields: ["genre", "score", "mood"],
        limit: 100))
    let sorted = rows.sorted { ($0["id"]?.numberValue ?? 0) < ($1["id"]?.numberValue ?? 0) }
    XCTAssertEqual(sorted.count, queryRows.count)
    XCTAssertGreaterThan(sorted.count, 0)
    for (row, their) in zip(sorted, queryRows) {
      for field in ["id", "genre", "score", "mood"] {
        XCTAssertEqual(row[field], their[field].map(Value.init(json:)), field)
      }
    }
  }

  private func runPymilvus(address: String, collection: String, metric: Metric) throws -> JSONValue {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let venv =
      ProcessInfo.processInfo.environment["VSCOPE_MILVUS_VENV"] ?? root.appendingPathComponent(".venv-milvus").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: venv + "/bin/python")
    process.arguments = [
      root.appendingPathComponent("scripts/pymilvus-crosscheck.py").path, address, collection, metric.rawValue,
    ]
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let failure = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      struct PymilvusFailed: Error, CustomStringConvertible { var description: String }
      throw PymilvusFailed(description: "pymilvus failed (\(process.terminationStatus)): \(failure.suffix(800))")
    }
    return try JSONValue.parse(String(decoding: data, as: UTF8.self))
  }
}
