import Model

/// Opens a saved connection's backend for `:connect NAME`; the executable knows how (the TUI
/// only sees the protocol).
public struct ConnectionOpener: Sendable, Hashable {
  public let open: @Sendable (SavedConnection) async throws -> any VectorBackend

  public init(_ open: @escaping @Sendable (SavedConnection) async throws -> any VectorBackend) {
    self.open = open
  }

  // One opener per explorer: any two are the same as far as requests go.
  public static func == (lhs: ConnectionOpener, rhs: ConnectionOpener) -> Bool { true }
  public func hash(into hasher: inout Hasher) {}
}

/// A backend that `:connect` opened, on its way to the runtime inside a result; two are equal
/// only when they are the same opened backend.
struct OpenedBackend: Sendable, Hashable {
  let backend: any VectorBackend
  private let identity = Identity()

  private final class Identity: Sendable {}

  init(_ backend: any VectorBackend) { self.backend = backend }

  static func == (lhs: OpenedBackend, rhs: OpenedBackend) -> Bool { lhs.identity === rhs.identity }
  func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(identity)) }
}

extension ExplorerState {
  /// `:connect [NAME]`: opens a saved connection in place of the current backend, or lists them.
  mutating func connect(to name: String?, effects: inout [Effect]) {
    guard let opener = connectionOpener else {
      status = StatusMessage("this explorer cannot open other connections", isError: true)
      return
    }
    let saved = connections.map(\.name).joined(separator: ", ")
    guard let name else {
      status =
        connections.isEmpty
        ? StatusMessage(
          "no saved connections: add [[connections]] (name, uri, token, db) to the config file", isError: true)
        : StatusMessage("saved connections: \(saved); :connect NAME opens one")
      return
    }
    guard let connection = connections.first(where: { $0.name == name }) else {
      let known = connections.isEmpty ? "none is saved in the config file" : "saved: \(saved)"
      status = StatusMessage("no saved connection named \(name) (\(known))", isError: true)
      return
    }
    // Reads may be dropped on the way; work the user started (an export, a build, a load) may not.
    let work = operations.values.map(\.request).filter { !$0.isRead }
    guard work.isEmpty else {
      let running = work.map(\.label).sorted().joined(separator: ", ")
      status = StatusMessage("wait for \(running) to finish, or Esc to cancel it, then :connect", isError: true)
      return
    }
    effects += start(.connect(connection, opener))
  }

  /// A `:connect` succeeded (the runtime already drives the new backend): nothing shown belongs
  /// to the old one, and calls still running on it are cancelled. Returns the labels of those
  /// that were not reads (started while the connection was opened), for the status line.
  mutating func forgetTheBackend(for connection: SavedConnection, effects: inout [Effect]) -> [String] {
    let work = operations.values.filter { !$0.request.isRead }.sorted { $0.id < $1.id }.map(\.request.label)
    for id in operations.keys.sorted() { effects.append(.cancel(id)) }
    operations.removeAll()
    progressNotes.removeAll()
    resetForNewDatabase()
    connectionName = connection.name
    // The demo data is for the embedded store the explorer opened on.
    demoInstaller = nil
    return work
  }
}

extension Request {
  /// Whether the call only reads, so that dropping it loses nothing (`:connect` cancels reads).
  var isRead: Bool {
    switch self {
    case .overview, .detail, .search, .entity, .rows, .count, .indexProgress, .plotSample, .recall, .compare:
      return true
    case .useDatabase, .createIndex, .dropIndex, .load, .release, .dropCollection, .export, .installDemo, .connect:
      return false
    }
  }
}
