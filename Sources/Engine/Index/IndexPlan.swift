import ANN
import Foundation
import Model

/// A validated index definition: what the engine builds for an `IndexSpec`.
///
/// Parameters, ranges and defaults follow Milvus (knowhere's config checks); an unknown parameter
/// is refused rather than ignored, so a misspelt `efconstruction` does not silently build the default.
enum IndexPlan: Sendable, Equatable {
  case flat
  case hnsw(M: Int, efConstruction: Int)
  case ivfFlat(nlist: Int)
  case ivfSQ8(nlist: Int)
  case ivfPQ(nlist: Int, m: Int, nbits: Int)

  /// Index types the embedded engine builds, in Milvus's names.
  static let supportedTypes = ["FLAT", "HNSW", "IVF_FLAT", "IVF_SQ8", "IVF_PQ", "AUTOINDEX"]
  /// What `AUTOINDEX` means here, as in Milvus's default configuration.
  static let autoIndexParams: [String: JSONValue] = ["M": .int(18), "efConstruction": .int(240)]
  /// Segments with fewer rows are searched exactly, as Milvus does for small segments.
  static let minimumSegmentRows = 1024

  /// Validates `spec` for a vector field of `dim` with `rows` rows (0 when the collection is empty);
  /// returns the plan and the spec with defaults filled in, as `describe_index` shows it.
  static func validate(_ spec: IndexSpec, dim: Int, rows: Int) throws(VectorError) -> (IndexPlan, IndexSpec) {
    var spec = spec
    spec.indexType = spec.indexType.uppercased()
    guard supportedTypes.contains(spec.indexType) else {
      throw .invalidArgument(
        "invalid index type: \(spec.indexType); the embedded engine builds \(supportedTypes.joined(separator: ", "))")
    }
    if spec.indexType == "AUTOINDEX" {
      // The user's params are ignored for AUTOINDEX in Milvus too, except the metric.
      spec.params = autoIndexParams
      let (plan, _) = try validate(
        IndexSpec(fieldName: spec.fieldName, indexType: "HNSW", metric: spec.metric, params: autoIndexParams),
        dim: dim, rows: rows)
      return (plan, spec)
    }
    let known: [String: [String]] = [
      "FLAT": [], "HNSW": ["M", "efConstruction"], "IVF_FLAT": ["nlist"], "IVF_SQ8": ["nlist"],
      "IVF_PQ": ["nlist", "m", "nbits"],
    ]
    // Milvus clients put the metric and type among the params at times; they are not unknown.
    let ignored: Set<String> = ["metric_type", "index_type"]
    let takes = known[spec.indexType] ?? []
    for name in spec.params.keys.sorted() where !takes.contains(name) && !ignored.contains(name) {
      let list = takes.isEmpty ? "no parameters" : takes.map { "'\($0)'" }.joined(separator: ", ")
      throw .invalidArgument("unknown param '\(name)' for \(spec.indexType); it takes \(list)")
    }
    var reader = ParamReader(params: spec.params, indexType: spec.indexType)
    let plan: IndexPlan
    switch spec.indexType {
    case "FLAT":
      plan = .flat
    case "HNSW":
      let m = try reader.int("M", range: 2...2048, default: nil)
      let ef = try reader.int("efConstruction", range: 1...Int(Int32.max), default: nil)
      plan = .hnsw(M: m, efConstruction: ef)
    case "IVF_FLAT", "IVF_SQ8", "IVF_PQ":
      let nlist = try reader.int("nlist", range: 1...65536, default: 128)
      if rows > 0 && nlist > rows {
        throw .invalidArgument(
          "param 'nlist' (\(nlist)) should not be larger than the number of rows (\(rows)); use nlist ≤ \(rows)")
      }
      switch spec.indexType {
      case "IVF_FLAT": plan = .ivfFlat(nlist: nlist)
      case "IVF_SQ8": plan = .ivfSQ8(nlist: nlist)
      default:
        let m = try reader.int("m", range: 1...dim, default: nil)
        guard dim % m == 0 else {
          let divisors = (1...dim).filter { dim % $0 == 0 && $0 <= 64 }.map(String.init).joined(separator: ", ")
          throw .invalidArgument(
            "the dimension of the vector (\(dim)) should be a multiple of param 'm' (\(m)); m can be \(divisors), …")
        }
        let nbits = try reader.int("nbits", range: 1...8, default: 8)
        plan = .ivfPQ(nlist: nlist, m: m, nbits: nbits)
      }
    default:
      plan = .flat
    }
    spec.params = reader.normalized
    return (plan, spec)
  }

  /// Search knobs for this plan from a request's params, checked against Milvus's ranges.
  func searchParams(_ params: [String: JSONValue], topK: Int) throws(VectorError) -> IndexSearchParams {
    switch self {
    case .flat:
      return IndexSearchParams()
    case .hnsw:
      guard let value = params["ef"] else { return IndexSearchParams(ef: max(topK, 64)) }
      guard let ef = IndexPlan.integer(value) else { throw .invalidArgument("param 'ef' should be an integer") }
      guard ef >= topK && ef <= 32768 else {
        throw .invalidArgument("param 'ef' (\(ef)) should be in range [topk (\(topK)), 32768]")
      }
      return IndexSearchParams(ef: ef)
    case .ivfFlat(let nlist), .ivfSQ8(let nlist), .ivfPQ(let nlist, _, _):
      guard let value = params["nprobe"] else { return IndexSearchParams(nprobe: min(8, nlist)) }
      guard let nprobe = IndexPlan.integer(value) else { throw .invalidArgument("param 'nprobe' should be an integer") }
      guard (1...65536).contains(nprobe) else {
        throw .invalidArgument("param 'nprobe' (\(nprobe)) should be in range [1, 65536]")
      }
      return IndexSearchParams(nprobe: min(nprobe, nlist))
    }
  }

  var isIVF: Bool {
    switch self {
    case .ivfFlat, .ivfSQ8, .ivfPQ: return true
    case .flat, .hnsw: return false
    }
  }

  static func integer(_ value: JSONValue) -> Int? {
    switch value {
    case .int(let number): return Int(number)
    case .double(let number) where number == number.rounded() && abs(number) < 1e15: return Int(number)
    case .string(let text): return Int(text.trimmingCharacters(in: .whitespaces))
    default: return nil
    }
  }
}

/// Reads an index's build params by name, remembering which it used.
private struct ParamReader {
  let params: [String: JSONValue]
  let indexType: String
  var normalized: [String: JSONValue] = [:]

  init(params: [String: JSONValue], indexType: String) {
    self.params = params
    self.indexType = indexType
  }

  mutating func int(_ name: String, range: ClosedRange<Int>, default fallback: Int?) throws(VectorError) -> Int {
    guard let value = params[name] else {
      guard let fallback else {
        throw .invalidArgument(
          "param '\(name)' is required for \(indexType); it should be in range [\(range.lowerBound), \(range.upperBound)]"
        )
      }
      normalized[name] = .int(Int64(fallback))
      return fallback
    }
    guard let number = IndexPlan.integer(value) else {
      throw .invalidArgument("param '\(name)' should be an integer in range [\(range.lowerBound), \(range.upperBound)]")
    }
    guard range.contains(number) else {
      throw .invalidArgument(
        "param '\(name)' (\(number)) should be in range [\(range.lowerBound), \(range.upperBound)]")
    }
    normalized[name] = .int(Int64(number))
    return number
  }

}

extension IndexMetric {
  /// The metric an index scores with for a Milvus metric (COSINE: inner product of unit vectors).
  init(_ metric: Metric) {
    self = metric == .l2 ? .l2 : .innerProduct
  }
}
