import Foundation
import Model
import XCTest

@testable import MilvusAdapter

/// A server that accepts connections and never answers: calls must time out with a sentence, and
/// cancelling a call must end it at once — nothing hangs forever.
final class SilentServerTests: XCTestCase {
  private var listener: Int32 = -1
  private var port = 0

  override func setUp() {
    listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
    }
    listen(listener, 16)  // the kernel completes handshakes; nobody ever reads or writes
    port = Int(UInt16(bigEndian: address.sin_port))
  }

  override func tearDown() {
    close(listener)
  }

  func testACallTimesOutWithASentence() async throws {
    var endpoint = try MilvusEndpoint(parsing: "milvus://127.0.0.1:\(port)")
    endpoint.callTimeout = .seconds(1)
    let milvus = try MilvusBackend(endpoint: endpoint)
    let started = ContinuousClock.now
    do {
      _ = try await milvus.describeCollection("anything")
      XCTFail("a silent server answered")
    } catch {
      XCTAssertLessThan(ContinuousClock.now - started, .seconds(15))
      XCTAssertTrue("\(error)".contains("127.0.0.1:\(port)"), "\(error)")
      XCTAssertTrue(
        "\(error)".contains("timed out after 1 s waiting for DescribeCollection")
          || "\(error)".contains("cannot reach"),
        "\(error)")
    }
    await milvus.close()
  }

  func testACallCanBeCancelled() async throws {
    var endpoint = try MilvusEndpoint(parsing: "milvus://127.0.0.1:\(port)")
    endpoint.callTimeout = .seconds(120)
    let milvus = try MilvusBackend(endpoint: endpoint)
    let task = Task { try await milvus.listCollections() }
    try await Task.sleep(for: .milliseconds(300))
    let started = ContinuousClock.now
    task.cancel()
    do {
      _ = try await task.value
      XCTFail("a cancelled call returned")
    } catch {
      XCTAssertLessThan(ContinuousClock.now - started, .seconds(5), "cancelling took too long")
      XCTAssertEqual(error as? VectorError, .cancelled, "\(error)")
    }
    await milvus.close()
  }
}
