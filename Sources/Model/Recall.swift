/// How well one approximate (ANN) result list matches the exact neighbours of its query.
public struct RecallReport: Sendable, Hashable {
  /// recall@k: the share of the exact neighbours the ANN list found, 0…1 (1 when there are none).
  public var recall: Double
  /// How many exact neighbours there are (topK, or fewer when fewer entities pass the filter).
  public var k: Int
  /// How many of them the ANN list found (tie-equivalent substitutes included).
  public var found: Int
  /// The exact neighbours the ANN list missed, closest first, with their exact distances.
  public var missed: [SearchHit]
  /// ANN hits that are not exact neighbours (nor tie-equivalent to one), in ANN order.
  public var annOnly: [PrimaryKey]

  public init(recall: Double, k: Int, found: Int, missed: [SearchHit], annOnly: [PrimaryKey]) {
    self.recall = recall
    self.k = k
    self.found = found
    self.missed = missed
    self.annOnly = annOnly
  }

  /// `recall@10 0.80 (2 missed)`.
  public var summary: String {
    "recall@\(k) \(Recall.format(recall)) (\(missed.count) missed)"
  }
}

/// The recall meter: compares an ANN search's hits with the exact search of the same request.
///
/// Ties at the k-th distance: when several entities share the exact k-th distance, any of them
/// is a correct k-th neighbour, so an ANN hit that is not in the exact list but whose distance
/// equals the exact k-th distance counts as found — once for each exact neighbour at that
/// distance that the ANN list left out (those are then not listed as missed). Distances are
/// compared with a relative tolerance of `tieTolerance`, because an index may compute the same
/// distance with different rounding.
public enum Recall {
  /// Relative tolerance for "equal distance" (of max(1, |distance|)).
  public static let tieTolerance: Float = 1e-6

  /// The report for one query: its ANN hits against its exact hits (both closest first).
  public static func report(ann: [SearchHit], exact: [SearchHit]) -> RecallReport {
    let annIDs = Set(ann.map(\.id))
    let exactIDs = Set(exact.map(\.id))
    var missed = exact.filter { !annIDs.contains($0.id) }
    var annOnly = ann.filter { !exactIDs.contains($0.id) }
    if let kth = exact.last?.distance {
      // Substitutes of equal distance stand in for the exact ties the ANN list left out.
      let substitutes = annOnly.filter { ties($0.distance, kth) }
      let leftOutTies = missed.indices.filter { ties(missed[$0].distance, kth) }
      let credited = min(substitutes.count, leftOutTies.count)
      let creditedIDs = Set(substitutes.prefix(credited).map(\.id))
      let forgiven = Set(leftOutTies.suffix(credited))
      missed = missed.indices.filter { !forgiven.contains($0) }.map { missed[$0] }
      annOnly.removeAll { creditedIDs.contains($0.id) }
    }
    let found = exact.count - missed.count
    let recall = exact.isEmpty ? 1 : Double(found) / Double(exact.count)
    return RecallReport(recall: recall, k: exact.count, found: found, missed: missed, annOnly: annOnly.map(\.id))
  }

  /// One report per query vector.
  public static func reports(ann: [[SearchHit]], exact: [[SearchHit]]) -> [RecallReport] {
    zip(ann, exact).map { report(ann: $0, exact: $1) }
  }

  /// Runs the exact search of `request` on `backend` and compares it with `ann`, the hits the
  /// ANN search of the same request returned (one list per query vector).
  public static func measure(
    _ request: SearchRequest, ann: [[SearchHit]], on backend: any VectorBackend,
    limits: ExactSearchLimits = .standard, progress: (@Sendable (Int, Int) -> Void)? = nil
  ) async throws -> [RecallReport] {
    let exact = try await backend.exactSearch(request, limits: limits, progress: progress)
    return reports(ann: ann, exact: exact)
  }

  /// Whether two distances are equal up to `tieTolerance`.
  public static func ties(_ a: Float, _ b: Float) -> Bool {
    abs(a - b) <= tieTolerance * max(1, abs(b))
  }

  /// A recall as two decimals: `0.80`, `1.00`.
  public static func format(_ recall: Double) -> String {
    let hundredths = Int((recall * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
  }
}
