import Foundation
import Model

/// Where a Milvus server is and how to talk to it, parsed from a connection string as pymilvus
/// accepts them: `milvus://[user:password@]host[:port][/database]`, `http://…`, `https://…`
/// (TLS), or a bare `host:port`.
///
/// Credentials never appear in `description`: it is safe to print and log.
public struct MilvusEndpoint: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
  public var host: String
  public var port: Int
  public var useTLS: Bool
  public var database: String?
  public var user: String?
  public var password: String?
  /// An API token (`user:password` or a cloud key); sent the same way as credentials.
  public var token: String?
  /// A PEM file of trusted roots for TLS; nil uses the system's.
  public var caFile: String?
  /// The name to check the server's certificate against, when it differs from `host`.
  public var serverName: String?
  public var callTimeout: Duration = .seconds(30)

  /// Milvus's default gRPC port.
  public static let defaultPort = 19530

  public init(host: String, port: Int = MilvusEndpoint.defaultPort, useTLS: Bool = false) {
    self.host = host
    self.port = port
    self.useTLS = useTLS
  }

  /// Parses a connection string; the message of a thrown error says what is wrong.
  public init(parsing text: String) throws(VectorError) {
    var rest = text.trimmingCharacters(in: .whitespaces)
    var useTLS = false
    if let range = rest.range(of: "://") {
      let scheme = rest[..<range.lowerBound].lowercased()
      switch scheme {
      case "milvus", "http", "tcp", "grpc": useTLS = false
      case "https", "milvuss", "grpcs": useTLS = true
      default:
        throw .invalidArgument("unknown scheme \(scheme):// in the Milvus address; use milvus://, http:// or https://")
      }
      rest = String(rest[range.upperBound...])
    }
    var database: String?
    if let slash = rest.firstIndex(of: "/") {
      let path = rest[rest.index(after: slash)...].trimmingCharacters(in: CharacterSet(charactersIn: "/"))
      database = path.isEmpty ? nil : path
      rest = String(rest[..<slash])
    }
    var user: String?
    var password: String?
    if let at = rest.lastIndex(of: "@") {
      let credentials = rest[..<at]
      rest = String(rest[rest.index(after: at)...])
      if let colon = credentials.firstIndex(of: ":") {
        user = String(credentials[..<colon]).removingPercentEncoding
        password = String(credentials[credentials.index(after: colon)...]).removingPercentEncoding
      } else {
        user = String(credentials).removingPercentEncoding
      }
    }
    var host = rest
    var port = MilvusEndpoint.defaultPort
    if host.hasPrefix("[") {  // [::1]:19530
      guard let close = host.firstIndex(of: "]") else { throw .invalidArgument("unclosed '[' in the Milvus address") }
      let after = host[host.index(after: close)...]
      let inner = String(host[host.index(after: host.startIndex)..<close])
      if after.hasPrefix(":") {
        guard let parsed = Int(after.dropFirst()) else { throw .invalidArgument("invalid port in the Milvus address") }
        port = parsed
      }
      host = inner
    } else if let colon = host.lastIndex(of: ":") {
      guard let parsed = Int(host[host.index(after: colon)...]) else {
        throw .invalidArgument("invalid port '\(host[host.index(after: colon)...])' in the Milvus address")
      }
      port = parsed
      host = String(host[..<colon])
    }
    guard !host.isEmpty else { throw .invalidArgument("the Milvus address has no host") }
    guard (1...65535).contains(port) else { throw .invalidArgument("the port \(port) is out of range 1…65535") }
    self.init(host: host, port: port, useTLS: useTLS)
    self.database = database
    self.user = user
    self.password = password
  }

  public var debugDescription: String { description }

  /// `host:port`, the form error messages use.
  public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

  public var description: String {
    var text = (useTLS ? "https://" : "milvus://")
    if let user { text += user + (password == nil ? "" : ":****") + "@" }
    text += address
    if let database { text += "/" + database }
    return text
  }

  /// The value of the `authorization` header Milvus expects: base64 of `user:password` or the token.
  var authorization: String? {
    if let token, !token.isEmpty { return Data(token.utf8).base64EncodedString() }
    if let user {
      return Data("\(user):\(password ?? "")".utf8).base64EncodedString()
    }
    return nil
  }
}
