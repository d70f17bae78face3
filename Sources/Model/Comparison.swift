/// How two top-k lists for the same query agree: which neighbours both found, and how their
/// ranks moved. Used to check a migration (the same collection on two backends) or an index
/// choice (the same data under two indexes or search parameters).
public struct ResultComparison: Sendable, Hashable {
  /// One neighbour found by either side, with its rank (1-based) and distance on each.
  public struct Entry: Sendable, Hashable {
    public var id: PrimaryKey
    public var leftRank: Int?
    public var rightRank: Int?
    public var leftDistance: Float?
    public var rightDistance: Float?

    /// How many places the neighbour moved from left to right (positive: lower on the right);
    /// nil when only one side found it.
    public var rankChange: Int? {
      guard let leftRank, let rightRank else { return nil }
      return rightRank - leftRank
    }
  }

  /// The longer list's length: the k the overlap is measured against.
  public var k: Int
  /// Neighbours both sides found.
  public var overlap: Int
  /// Neighbours in both lists first, in the left's order, then the left's own, then the right's own.
  public var entries: [Entry]

  /// Compares two result lists of one query (ids are compared, distances only reported).
  public init(left: [SearchHit], right: [SearchHit]) {
    k = max(left.count, right.count)
    var rightRanks: [PrimaryKey: Int] = [:]
    for (index, hit) in right.enumerated() where rightRanks[hit.id] == nil { rightRanks[hit.id] = index + 1 }
    var leftIDs = Set<PrimaryKey>()
    var shared: [Entry] = []
    var leftOnly: [Entry] = []
    for (index, hit) in left.enumerated() where leftIDs.insert(hit.id).inserted {
      var entry = Entry(id: hit.id, leftRank: index + 1, leftDistance: hit.distance)
      if let rank = rightRanks[hit.id] {
        entry.rightRank = rank
        entry.rightDistance = right[rank - 1].distance
        shared.append(entry)
      } else {
        leftOnly.append(entry)
      }
    }
    var rightOnly: [Entry] = []
    var rightIDs = Set<PrimaryKey>()
    for (index, hit) in right.enumerated() where !leftIDs.contains(hit.id) && rightIDs.insert(hit.id).inserted {
      rightOnly.append(Entry(id: hit.id, rightRank: index + 1, rightDistance: hit.distance))
    }
    overlap = shared.count
    entries = shared + leftOnly + rightOnly
  }

  /// overlap / k: 1 when both lists hold the same neighbours (in any order).
  public var overlapRatio: Double { k == 0 ? 1 : Double(overlap) / Double(k) }

  /// The mean number of places the shared neighbours moved; 0 when none moved or none are shared.
  public var meanRankShift: Double {
    let shifts = entries.compactMap(\.rankChange)
    return shifts.isEmpty ? 0 : Double(shifts.reduce(0) { $0 + abs($1) }) / Double(shifts.count)
  }

  /// Whether both lists hold the same neighbours in the same order.
  public var isIdentical: Bool { overlap == k && entries.allSatisfy { $0.rankChange == 0 } }
}
