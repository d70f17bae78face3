/// Every error a backend reports, with a message a user understands.
///
/// Messages follow Milvus's wording where Milvus has one, so a pymilvus user recognises them.
public enum VectorError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A request the user can fix: bad parameter, wrong dimension, bad value.
  case invalidArgument(String)
  /// A malformed or ill-typed filter expression; carries the column.
  case filter(FilterError)
  case collectionNotFound(database: String, collection: String)
  case collectionAlreadyExists(String)
  case collectionNotLoaded(String)
  case databaseNotFound(String)
  case partitionNotFound(collection: String, partition: String)
  case indexNotFound(collection: String)
  /// The backend cannot do this (an older server, an index type not built yet).
  case unsupported(String)
  /// Stored data failed a check; the message names the file.
  case corrupt(String)
  /// The store is held by another writer; the message names its pid.
  case locked(String)
  /// An operating-system or transport failure.
  case io(String)
  /// A server that cannot be reached or did not answer in time.
  case unavailable(String)
  /// The operation was cancelled by the user.
  case cancelled
  /// A bug: an invariant did not hold.
  case `internal`(String)

  public var description: String {
    switch self {
    case .invalidArgument(let message): return message
    case .filter(let error): return "invalid filter: \(error.description)"
    case .collectionNotFound(let database, let collection):
      return "collection not found[database=\(database)][collection=\(collection)]"
    case .collectionAlreadyExists(let name): return "collection \(name) already exists"
    case .collectionNotLoaded(let name): return "collection not loaded[collection=\(name)]; load it first"
    case .databaseNotFound(let name): return "database not found[database=\(name)]"
    case .partitionNotFound(let collection, let partition):
      return "partition not found[collection=\(collection)][partition=\(partition)]"
    case .indexNotFound(let collection): return "index not found[collection=\(collection)]"
    case .unsupported(let message): return message
    case .corrupt(let message): return message
    case .locked(let message): return message
    case .io(let message): return message
    case .unavailable(let message): return message
    case .cancelled: return "cancelled"
    case .internal(let message): return "internal error: \(message)"
    }
  }

  /// Whether the user can fix this (exit code 1) rather than a failure of vscope itself (exit code 2).
  public var isUserError: Bool {
    switch self {
    case .internal, .corrupt, .io: return false
    default: return true
    }
  }
}

/// A filter expression's parse or type error, with the 1-based column it points at.
public struct FilterError: Error, Sendable, Equatable, CustomStringConvertible {
  public var message: String
  /// 1-based column (in characters) of the offending token.
  public var column: Int

  public init(_ message: String, column: Int) {
    self.message = message
    self.column = column
  }

  public var description: String { "\(message) at column \(column)" }
}
