import ArgumentParser
import Foundation
import Model
import TUI

/// `vscope compare LEFT RIGHT`: the same search on two collections — the same data on two backends,
/// or under two indexes or search parameters — side by side, with the overlap of their top k and
/// how each neighbour's rank moved.
struct CompareCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Run the same search on two collections or backends and compare their top k.",
    discussion: """
      LEFT and RIGHT name a collection as vscope copy does: embedded:NAME, embedded:/path/to/store:NAME, \
      milvus://host:port[/db]/NAME or CONNECTION:NAME (a saved connection); they may be the same collection, with different --left-params \
      and --right-params (e.g. ef=16 against ef=256).
      The query vector comes from --vector, --like ID (the entity's vector, read from LEFT) or --text \
      (through the embedding command). The table puts both top-k lists side by side; MOVE says how \
      many places LEFT's neighbour moved on RIGHT (+2: two places lower; gone: not in RIGHT's top k), \
      and NEW marks RIGHT's neighbours that LEFT did not find. Latencies are of a second, warm run of \
      each search. Exit status 0 whatever the overlap; scripts read --json.
      """)

  @Argument(
    help: "The first collection: embedded:NAME, embedded:/dir:NAME, milvus://host:port[/db]/NAME or CONNECTION:NAME.")
  var left: String
  @Argument(help: "The second collection, in the same forms.")
  var right: String
  /// `--data` (the store of `embedded:NAME`), `--token`, `--tls-ca` and `--timeout`.
  @OptionGroup var backend: BackendOptions

  @Option(help: "The query vector as a JSON array.") var vector: String?
  @Option(help: "Search with the vector of this entity of LEFT (more like this).") var like: String?
  @Option(help: "Search with the vector the embedding command makes of this text.") var text: String?
  @OptionGroup var embed: EmbedCommandOption
  @Option(name: .customLong("top-k"), help: "Neighbours per side.") var topK = 10
  @Option(help: "A filter expression applied on both sides.") var filter = ""
  @Option(help: "The vector field (default: LEFT's only one).") var field: String?
  @Option(help: "Metric: L2, IP or COSINE (default: each side's index's).") var metric: String?
  @Option(help: "Search parameters on both sides, e.g. ef=64.") var params: String?
  @Option(name: .customLong("left-params"), help: "Search parameters for LEFT only.") var leftParams: String?
  @Option(name: .customLong("right-params"), help: "Search parameters for RIGHT only.") var rightParams: String?
  @OptionGroup var output: OutputOptions

  func validate() throws {
    if backend.milvus != nil || backend.db != nil {
      throw ValidationError("compare takes its Milvus servers and databases from LEFT and RIGHT, not --milvus or --db")
    }
    if [vector != nil, like != nil, text != nil].filter({ $0 }).count != 1 {
      throw ValidationError("give one of --vector '[…]', --like ID or --text TEXT")
    }
    if embed.command != nil, text == nil { throw ValidationError("--embed-cmd goes with --text") }
    guard (1...16384).contains(topK) else { throw ValidationError("--top-k must be in 1…16384") }
  }

  func run() async throws {
    let leftLocation = try CopyLocation(parsing: left, defaultDirectory: backend.data)
    let rightLocation = try CopyLocation(parsing: right, defaultDirectory: backend.data)
    let metricValue = try metric.map { name in
      guard let parsed = Metric(name: name) else { throw UserError("unknown metric \(name); use L2, IP or COSINE") }
      return parsed
    }
    let shared = try Arguments.parameters(params ?? "")
    let leftParameters = shared.merging(try Arguments.parameters(leftParams ?? "")) { $1 }
    let rightParameters = shared.merging(try Arguments.parameters(rightParams ?? "")) { $1 }
    let embedder = try text.map { _ in try Search.embedder(embed.command) }

    let leftStore = try leftLocation.open(writable: false, with: backend)
    let rightStore: any VectorBackend
    do {
      rightStore = try rightLocation.open(writable: false, with: backend)
    } catch {
      await leftStore.close()
      throw error
    }
    do {
      try await compare(
        leftLocation, leftStore, rightLocation, rightStore, metric: metricValue,
        parameters: (leftParameters, rightParameters), embedder: embedder)
    } catch {
      await leftStore.close()
      await rightStore.close()
      throw error
    }
    await leftStore.close()
    await rightStore.close()
  }

  private func compare(
    _ leftLocation: CopyLocation, _ leftStore: any VectorBackend, _ rightLocation: CopyLocation,
    _ rightStore: any VectorBackend, metric metricValue: Metric?,
    parameters: ([String: JSONValue], [String: JSONValue]), embedder: EmbeddingCommand?
  ) async throws {
    let (leftParameters, rightParameters) = parameters
    let schema = try await leftStore.describeCollection(leftLocation.collection)
    let fieldName = try field ?? Arguments.onlyVectorField(schema)
    guard let vectorField = schema.field(named: fieldName), vectorField.type == .floatVector else {
      throw UserError("\(left) has no float vector field named \(fieldName)")
    }
    let query: [Float]
    if let vector {
      let vectors = try Arguments.vectors(vector)
      guard vectors.count == 1 else { throw UserError("compare takes one query vector, not \(vectors.count)") }
      query = vectors[0]
    } else if let text, let embedder {
      do {
        query = try await embedder.embed(text, field: fieldName, dim: vectorField.dim ?? 0)
      } catch {
        throw UserError(error.message)
      }
    } else {
      let key = try Arguments.primaryKey(like ?? "", schema: schema)
      let rows = try await leftStore.get(leftLocation.collection, ids: [key], outputFields: [fieldName])
      guard case .floatVector(let found)? = rows.first?[fieldName] else {
        throw UserError("no entity with primary key \(key) in \(left)")
      }
      query = found
    }
    func request(_ collection: String, _ parameters: [String: JSONValue]) -> SearchRequest {
      SearchRequest(
        collection: collection, vectors: [query], vectorField: fieldName, metric: metricValue, topK: topK,
        params: parameters, filter: filter)
    }
    let clock = ContinuousClock()
    // A first search each side loads what it needs (an index, a connection); the timed one follows.
    var leftHits = try await leftStore.search(request(leftLocation.collection, leftParameters)).first ?? []
    var rightHits = try await rightStore.search(request(rightLocation.collection, rightParameters)).first ?? []
    let leftTime = try await clock.measure {
      leftHits = try await leftStore.search(request(leftLocation.collection, leftParameters)).first ?? []
    }
    let rightTime = try await clock.measure {
      rightHits = try await rightStore.search(request(rightLocation.collection, rightParameters)).first ?? []
    }
    let comparison = ResultComparison(left: leftHits, right: rightHits)
    if output.json {
      Console.printJSON(
        Self.json(comparison, left: leftHits, right: rightHits, latencies: (leftTime, rightTime)))
    } else {
      print(Self.table(comparison, left: leftHits, right: rightHits).render())
      print(Self.summary(comparison, left: left, right: right, latencies: (leftTime, rightTime)))
    }
  }

  /// Both top-k lists side by side: rank, each side's id and distance, and how LEFT's neighbour moved.
  static func table(_ comparison: ResultComparison, left: [SearchHit], right: [SearchHit]) -> TextTable {
    var rightRank: [PrimaryKey: Int] = [:]
    for entry in comparison.entries { rightRank[entry.id] = entry.rightRank }
    let leftIDs = Set(left.map(\.id))
    var table = TextTable(
      ["RANK", "LEFT ID", "DISTANCE", "MOVE", "RIGHT ID", "DISTANCE", "NEW"], rightAligned: [0, 2, 5])
    for rank in 0..<max(left.count, right.count) {
      var row = [String(rank + 1)]
      if rank < left.count {
        let hit = left[rank]
        let move: String
        if let other = rightRank[hit.id] {
          let shift = other - (rank + 1)
          move = shift == 0 ? "=" : (shift > 0 ? "+\(shift)" : "\(shift)")
        } else {
          move = "gone"
        }
        row += [hit.id.description, Format.distance(hit.distance), move]
      } else {
        row += ["", "", ""]
      }
      if rank < right.count {
        let hit = right[rank]
        row += [hit.id.description, Format.distance(hit.distance), leftIDs.contains(hit.id) ? "" : "new"]
      } else {
        row += ["", "", ""]
      }
      table.add(row)
    }
    return table
  }

  static func summary(
    _ comparison: ResultComparison, left: String, right: String, latencies: (Duration, Duration)
  ) -> String {
    let ratio = String(format: "%.2f", comparison.overlapRatio)
    let shift = String(format: "%.2f", comparison.meanRankShift)
    return """
      overlap@\(comparison.k): \(comparison.overlap)/\(comparison.k) (\(ratio)); \
      mean rank shift of shared neighbours \(shift)\(comparison.isIdentical ? "; identical" : "")
      LEFT  \(left): \(milliseconds(latencies.0))
      RIGHT \(right): \(milliseconds(latencies.1))
      """
  }

  private static func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
  }

  private static func milliseconds(_ duration: Duration) -> String {
    String(format: "%.2f ms", seconds(duration) * 1000)
  }

  static func json(
    _ comparison: ResultComparison, left: [SearchHit], right: [SearchHit], latencies: (Duration, Duration)
  ) -> JSONValue {
    func hits(_ list: [SearchHit]) -> JSONValue {
      .array(list.map { .object(["id": Format.json($0.id), "distance": Format.json($0.distance)]) })
    }
    func optional(_ value: Int?) -> JSONValue { value.map { .int(Int64($0)) } ?? .null }
    return .object([
      "k": .int(Int64(comparison.k)),
      "overlap": .int(Int64(comparison.overlap)),
      "overlap_ratio": .double(comparison.overlapRatio),
      "mean_rank_shift": .double(comparison.meanRankShift),
      "identical": .bool(comparison.isIdentical),
      "left": hits(left),
      "right": hits(right),
      "entries": .array(
        comparison.entries.map {
          .object([
            "id": Format.json($0.id), "left_rank": optional($0.leftRank), "right_rank": optional($0.rightRank),
            "rank_change": optional($0.rankChange),
          ])
        }),
      "latency_ms": .object([
        "left": .double(seconds(latencies.0) * 1000), "right": .double(seconds(latencies.1) * 1000),
      ]),
    ])
  }
}
