import Engine
import Foundation
import Model
import XCTest

@testable import MilvusAdapter

/// The adapter against real servers started by `scripts/test` (see scripts/milvus-servers):
/// Milvus Lite 3.2.2 and Milvus 2.3.5, plain, with authentication, and with TLS.
final class MilvusBackendTests: XCTestCase {
  static let environment = ProcessInfo.processInfo.environment

  func server(_ name: String) throws -> String { try MilvusTestServers.address(name) }
  func backend(_ name: String, strong: Bool = true) throws -> MilvusBackend {
    try MilvusTestServers.backend(name, strong: strong)
  }

  func testLite() async throws { try await roundTrip(try backend("LITE")) }
  func testStandalone() async throws { try await roundTrip(try backend("STANDALONE")) }

  /// The whole protocol against one server, with results checked against the embedded engine.
  func roundTrip(_ milvus: MilvusBackend) async throws {
    let name = MilvusTestServers.uniqueName()
    let info = try await milvus.serverInfo()
    XCTAssertFalse(info.version.isEmpty)
    try await milvus.createCollection(MilvusTestServers.schema(name))
    addTeardownBlock {
      try? await milvus.dropCollection(name)
      await milvus.close()
    }
    let described = try await milvus.describeCollection(name)
    XCTAssertEqual(described.fields.map(\.name), MilvusTestServers.schema(name).fields.map(\.name))
    XCTAssertEqual(described.field(named: "vector")?.dim, 4)
    XCTAssertEqual(described.field(named: "tags")?.elementType, .varChar)
    XCTAssertTrue(described.enableDynamicField)

    let rows = MilvusTestServers.rows(60)
    let inserted = try await milvus.insert(name, rows: rows, partition: nil)
    XCTAssertEqual(inserted.ids.count, 60)
    try await milvus.createIndex(name, spec: IndexSpec(fieldName: "vector", indexType: "FLAT", metric: .l2))
    let indexes = try await milvus.describeIndexes(name)
    XCTAssertEqual(indexes.first?.spec.indexType, "FLAT")
    XCTAssertEqual(indexes.first?.spec.metric, .l2)
    let progress = Progress()
    try await milvus.loadCollection(name) { progress.add($0) }
    XCTAssertEqual(progress.last, 100)
    let state = try await milvus.loadState(name)
    XCTAssertEqual(state, .loaded)
    let listed = try await milvus.listCollections()
    XCTAssertEqual(listed.first { $0.name == name }?.loadState, .loaded)

    let count = try await milvus.count(name, filter: "", partitions: [])
    XCTAssertEqual(count, 60)
    let jazzAfter2000 = try await milvus.query(
      QueryRequest(
        collection: name, filter: #"genre == "jazz" and year > 2000"#, outputFields: ["genre", "mood"], limit: 100))
    let matching: [Int] = (0..<60).filter { index in index % 3 == 0 && 1960 + index > 2000 }
    let expected: [Value] = matching.map { Value.int(Int64($0)) }
    XCTAssertEqual(Set(jazzAfter2000.compactMap { $0["id"] }), Set(expected))
    XCTAssertEqual(jazzAfter2000.first?["genre"], .string("jazz"))
    XCTAssertNotNil(jazzAfter2000.first?["mood"], "a dynamic key asked for by name comes back")
    XCTAssertNil(jazzAfter2000.first?["vector"])

    let fetched = try await milvus.get(name, ids: [.int(7), .int(3)], outputFields: ["*"])
    XCTAssertEqual(fetched.map { $0["id"] }, [.int(7), .int(3)])
    XCTAssertEqual(fetched[0]["vector"], rows[7]["vector"])
    XCTAssertEqual(fetched[0]["tags"], rows[7]["tags"])
    XCTAssertEqual(fetched[0]["attrs"], rows[7]["attrs"])
    XCTAssertEqual(fetched[0]["mood"], rows[7]["mood"])

    // The same search on the embedded engine gives the same neighbours and distances.
    let directory = NSTemporaryDirectory() + "vscope-parity-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let queries: [[Float]] = [[10, 2, 1, 1], [33.5, 0, 1, 2]]
    let request = SearchRequest(
      collection: name, vectors: queries, topK: 5, filter: "year > 1965", outputFields: ["genre"])
    let remote = try await milvus.search(request)
    let local = try await embeddedSearch(
      directory: directory, schema: MilvusTestServers.schema(name), rows: rows, request: request)
    XCTAssertEqual(remote.count, 2)
    for (remoteHits, localHits) in zip(remote, local) {
      XCTAssertEqual(remoteHits.map(\.id), localHits.map(\.id))
      for (a, b) in zip(remoteHits, localHits) { XCTAssertEqual(a.distance, b.distance, accuracy: 1e-3) }
      XCTAssertEqual(remoteHits.first?.fields["genre"], localHits.first?.fields["genre"])
    }

    let deleted = try await milvus.delete(name, ids: [.int(1), .int(2)], partition: nil)
    XCTAssertGreaterThanOrEqual(deleted.deleteCount, 0)
    var replacement = rows[5]
    replacement["genre"] = .string("blues")
    _ = try await milvus.upsert(name, rows: [replacement], partition: nil)
    let afterDelete = try await milvus.count(name, filter: "", partitions: [])
    XCTAssertEqual(afterDelete, 58)
    let blues = try await milvus.query(QueryRequest(collection: name, filter: #"genre == "blues""#, limit: 10))
    XCTAssertEqual(blues.compactMap { $0["id"] }, [.int(5)])

    try await milvus.createPartition(name, partition: "archive")
    let partitions = try await milvus.listPartitions(name).map(\.name)
    XCTAssertTrue(partitions.contains("archive"), "\(partitions)")
    try await milvus.releaseCollection(name)
    let released = try await milvus.loadState(name)
    XCTAssertEqual(released, .notLoad)
    try await milvus.dropPartition(name, partition: "archive")
  }

  private func embeddedSearch(
    directory: String, schema: CollectionSchema, rows: [Row], request: SearchRequest
  ) async throws -> [[SearchHit]] {
    let engine = try EmbeddedBackend(directory: directory)
    try await engine.createCollection(schema)
    _ = try await engine.insert(schema.name, rows: rows, partition: nil)
    try await engine.createIndex(schema.name, spec: IndexSpec(fieldName: "vector", indexType: "FLAT", metric: .l2))
    let hits = try await engine.search(request)
    await engine.close()
    return hits
  }

  func testErrorsAreSentencesAndSecretsStaySecret() async throws {
    // Nothing listens on a port we just freed.
    let dead = try MilvusBackend(endpoint: MilvusEndpoint(parsing: "milvus://127.0.0.1:\(freePort())"))
    do {
      _ = try await dead.listCollections()
      XCTFail("a dead server answered")
    } catch {
      XCTAssertTrue("\(error)".hasPrefix("cannot reach Milvus at 127.0.0.1:"), "\(error)")
    }
    await dead.close()

    let lite = try backend("LITE")
    do {
      _ = try await lite.describeCollection("no_such_collection")
      XCTFail("a missing collection was described")
    } catch {
      XCTAssertTrue("\(error)".contains("no_such_collection"), "\(error)")
    }
    await lite.close()

    let address = try server("AUTH")
    let anonymous = try MilvusBackend(endpoint: MilvusEndpoint(parsing: "milvus://" + address))
    do {
      _ = try await anonymous.listCollections()
      XCTFail("no credentials were accepted")
    } catch {
      XCTAssertTrue("\(error)".contains("needs credentials"), "\(error)")
    }
    await anonymous.close()
    let wrong = try MilvusBackend(endpoint: MilvusEndpoint(parsing: "milvus://root:not-the-password@" + address))
    do {
      _ = try await wrong.listCollections()
      XCTFail("a wrong password was accepted")
    } catch {
      XCTAssertTrue("\(error)".contains("rejected the credentials"), "\(error)")
      XCTAssertFalse("\(error)".contains("not-the-password"))
    }
    await wrong.close()
    var tokenEndpoint = try MilvusEndpoint(parsing: "milvus://" + address)
    tokenEndpoint.token = Self.environment["VSCOPE_MILVUS_AUTH_TOKEN"] ?? "root:Milvus"
    let authorized = try MilvusBackend(endpoint: tokenEndpoint)
    _ = try await authorized.listCollections()
    await authorized.close()
  }

  func testTLSWithTheServersCertificateAuthority() async throws {
    let address = try server("TLS")
    var endpoint = try MilvusEndpoint(parsing: "https://" + address)
    endpoint.caFile = Self.environment["VSCOPE_MILVUS_TLS_CA"]
    let secure = try MilvusBackend(endpoint: endpoint)
    let info = try await secure.serverInfo()
    XCTAssertFalse(info.version.isEmpty)
    await secure.close()
    let plain = try MilvusBackend(endpoint: MilvusEndpoint(parsing: "milvus://" + address))
    do {
      _ = try await plain.serverInfo()
      XCTFail("plaintext reached a TLS server")
    } catch {
      XCTAssertTrue("\(error)".contains("Milvus"), "\(error)")
    }
    await plain.close()
  }

  private func freePort() -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
  }
}

final class Progress: @unchecked Sendable {
  private let lock = NSLock()
  private var values: [Int] = []
  func add(_ value: Int) { lock.withLock { values.append(value) } }
  var last: Int? { lock.withLock { values.last } }
}
