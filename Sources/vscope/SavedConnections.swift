import Foundation
import MilvusAdapter
import Model
import TUI

/// The config file's saved Milvus servers (`[[connections]]`): `--milvus NAME`, the locations of
/// `copy` and `compare` (`NAME:collection`) and the explorer's `:connect NAME` use them.
enum SavedConnections {
  /// The saved connections. A config file that cannot be read is reported on stderr and ignored,
  /// as the explorer does.
  static func load(environment: [String: String] = ProcessInfo.processInfo.environment) -> [SavedConnection] {
    do {
      return try ExplorerConfig.load(environment: environment).connections
    } catch {
      Console.info("warning: \(error); the config file is ignored")
      return []
    }
  }

  /// Whether `text` may be a connection's name: one word, without the scheme, port, path or
  /// credentials of an address. A saved name wins over a host of the same name.
  static func mayBeName(_ text: String) -> Bool {
    !text.isEmpty && !text.contains(where: { ":/@[".contains($0) })
  }

  /// The server `--milvus TEXT` names: the saved connection called TEXT, else TEXT as an address.
  static func endpoint(for text: String) throws -> MilvusEndpoint {
    if mayBeName(text), let saved = load().first(where: { $0.name == text }) { return try endpoint(of: saved) }
    return try MilvusEndpoint(parsing: text)
  }

  /// A saved connection's address with its token and database.
  static func endpoint(of connection: SavedConnection) throws -> MilvusEndpoint {
    var endpoint: MilvusEndpoint
    do {
      endpoint = try MilvusEndpoint(parsing: connection.uri)
    } catch {
      throw UserError("saved connection \(connection.name): \(error)")
    }
    if let token = connection.token, !token.isEmpty { endpoint.token = token }
    if let database = connection.db { endpoint.database = database }
    return endpoint
  }
}
