import Model

/// Creates the demo collections in a backend: the first-run offer's `d`. The executable passes
/// it in (the demo data lives there), for the embedded store only.
public struct DemoInstaller: Sendable, Hashable {
  /// Reports progress: what is being done, and how much of all of it is done (0…1).
  public typealias Progress = @Sendable (_ note: String, _ fraction: Double) -> Void

  /// Creates the collections; stops (and cleans up) when its task is cancelled.
  public let install: @Sendable (any VectorBackend, @escaping Progress) async throws -> Void

  public init(install: @escaping @Sendable (any VectorBackend, @escaping Progress) async throws -> Void) {
    self.install = install
  }

  // One installer per explorer: any two are the same as far as requests go.
  public static func == (lhs: DemoInstaller, rhs: DemoInstaller) -> Bool { true }
  public func hash(into hasher: inout Hasher) {}
}
