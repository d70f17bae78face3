import Foundation
import Model
import XCTest

@testable import MilvusAdapter

/// The servers that `scripts/test` starts (see scripts/milvus-servers), and shared test data.
enum MilvusTestServers {
  static let environment = ProcessInfo.processInfo.environment

  /// The address of a test server, or a skip (a failure under `scripts/test`) when it is not running.
  static func address(_ name: String) throws -> String {
    if let address = environment["VSCOPE_MILVUS_\(name)"], !address.isEmpty { return address }
    if environment["VSCOPE_REQUIRE_MILVUS"] == "1" {
      XCTFail("VSCOPE_MILVUS_\(name) is not set: scripts/test should have started the server")
    }
    throw XCTSkip("no Milvus \(name) server: run the tests with scripts/test")
  }

  /// A backend on a test server; strong consistency so that tests read their own writes.
  static func backend(_ name: String, strong: Bool = true) throws -> MilvusBackend {
    var endpoint = try MilvusEndpoint(parsing: "milvus://" + address(name))
    endpoint.callTimeout = .seconds(60)
    return try MilvusBackend(endpoint: endpoint, strongConsistency: strong)
  }

  static func uniqueName() -> String { "vscope_" + UUID().uuidString.prefix(8).lowercased() }

  static func schema(_ name: String) -> CollectionSchema {
    CollectionSchema(
      name: name,
      fields: [
        FieldSchema(name: "id", type: .int64, isPrimary: true),
        FieldSchema(name: "vector", type: .floatVector, dim: 4),
        FieldSchema(name: "genre", type: .varChar, maxLength: 16),
        FieldSchema(name: "year", type: .int32),
        FieldSchema(name: "tags", type: .array, maxLength: 8, elementType: .varChar, maxCapacity: 4),
        FieldSchema(name: "attrs", type: .json),
      ],
      enableDynamicField: true)
  }

  static let genres = ["jazz", "soul", "rock"]

  static func rows(_ count: Int) -> [Row] {
    (0..<count).map { index -> Row in
      let genre = genres[index % 3]
      let vector: [Float] = [Float(index), Float(index % 5), 1, Float(index % 3)]
      var row: Row = [:]
      row["id"] = .int(Int64(index))
      row["vector"] = .floatVector(vector)
      row["genre"] = .string(genre)
      row["year"] = .int(Int64(1960 + index))
      row["tags"] = .array([.string(genre), .string("t\(index % 2)")])
      row["attrs"] = .json(.object(["rank": .int(Int64(index % 4))]))
      row["mood"] = .string(index % 2 == 0 ? "calm" : "wild")
      return row
    }
  }
}
