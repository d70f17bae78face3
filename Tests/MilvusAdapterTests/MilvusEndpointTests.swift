import Model
import XCTest

@testable import MilvusAdapter

final class MilvusEndpointTests: XCTestCase {
  func testConnectionStringsAsPymilvusAcceptsThem() throws {
    let plain = try MilvusEndpoint(parsing: "milvus://127.0.0.1:19531/books")
    XCTAssertEqual(plain.host, "127.0.0.1")
    XCTAssertEqual(plain.port, 19531)
    XCTAssertEqual(plain.database, "books")
    XCTAssertFalse(plain.useTLS)
    let https = try MilvusEndpoint(parsing: "https://root:Mil%40vus@db.example:443")
    XCTAssertTrue(https.useTLS)
    XCTAssertEqual(https.user, "root")
    XCTAssertEqual(https.password, "Mil@vus")
    XCTAssertEqual(https.authorization, Data("root:Mil@vus".utf8).base64EncodedString())
    let bare = try MilvusEndpoint(parsing: "localhost")
    XCTAssertEqual(bare.port, 19530)
    let ipv6 = try MilvusEndpoint(parsing: "http://[::1]:1234")
    XCTAssertEqual(ipv6.host, "::1")
    XCTAssertEqual(ipv6.address, "[::1]:1234")
  }

  func testPasswordsNeverShowInDescriptions() throws {
    var endpoint = try MilvusEndpoint(parsing: "milvus://alice:s3cret@host:19530/db")
    endpoint.token = "tok-123"
    XCTAssertEqual(endpoint.description, "milvus://alice:****@host:19530/db")
    XCTAssertFalse(endpoint.description.contains("s3cret"))
    XCTAssertFalse("\(endpoint)".contains("tok-123"))
  }

  func testBadAddressesSayWhatIsWrong() {
    for (text, expected) in [
      ("ftp://host", "unknown scheme"), ("milvus://host:port", "invalid port"), ("milvus://:19530", "no host"),
      ("host:70000", "out of range"),
    ] {
      XCTAssertThrowsError(try MilvusEndpoint(parsing: text)) { error in
        XCTAssertTrue("\(error)".contains(expected), "\(text): \(error)")
      }
    }
  }
}
